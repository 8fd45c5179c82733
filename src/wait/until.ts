// Waiting for kernel state: each round re-reads the state (targeted reads, which also flush
// pending linkwatch work) and then sleeps until the next link or address notification of the
// namespace, or a short recheck, whichever comes first (see pollUntil).
import type { NetnsHandle } from '../handle/handle.ts';
import { pollUntil, waitDefaults, type Waited } from '../sys/poll.ts';

export { configureWaits, pollUntil, waitDefaults, type PollOptions, type Waited } from '../sys/poll.ts';

/** Waits for state in ns: re-reads on each of its link, address and route notifications and every 10 ms. */
export function until<T>(
  ns: NetnsHandle,
  read: () => T | Promise<T>,
  condition: (value: T) => boolean,
  timeoutMs = waitDefaults.timeout,
): Promise<Waited<T>> {
  return pollUntil(read, condition, { timeout: timeoutMs, wake: (notify) => ns.events.subscribe(notify) });
}
