// Waiting for something outside a namespace's notifications (a killed process to disappear,
// the kernel to free a namespace): nslab's own pollUntil, with a default deadline suited to
// process and namespace teardown. Inside a namespace, prefer until(), which also wakes on the
// namespace's notifications.
import { pollUntil as poll, type Waited } from '../../src/wait/until.ts';

const RECHECK_MS = 20;

/**
 * How long to wait for the kernel to free a namespace whose last reference is gone, and with it
 * what lives only there (a veth pair's both ends): cleanup_net() runs later, on one workqueue for
 * the whole machine, behind every other test's namespaces. 15 s, as the leak tests allow.
 */
export const NAMESPACE_FREED_MS = 15_000;

export type Polled<T> = Waited<T>;

/** Re-reads until condition(value) holds or timeoutMs passes; returns the last value either way. */
export function pollUntil<T>(
  read: () => T | Promise<T>,
  condition: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<Polled<T>> {
  return poll(read, condition, { timeout: timeoutMs, recheckMs: RECHECK_MS });
}
