// The one wait for a device's state: re-read on each of its namespace's notifications (and
// every 10 ms, for linkwatch work no notification announces yet) until a condition holds.
import type { Link } from '../devices/link.ts';
import { mustReadLinkState, type LinkState } from '../devices/state.ts';
import { until } from './until.ts';
import type { Waited } from '../sys/poll.ts';

/** Options of waitForState(). */
export interface WaitForStateOptions {
  /** Milliseconds before giving up (default: waitDefaults.timeout, see configureWaits). */
  timeout?: number;
}

/**
 * Waits until condition holds for the device's whole state (as Link.state() reads it), or the
 * timeout passes. Never rejects on a timeout: the result says whether the condition was met
 * (met), and carries the last state read, for the caller to assert on or explain.
 *
 *     const { met, value } = await waitForState(tap, (s) => s.carrier === false, { timeout: 2_000 });
 */
export function waitForState(
  link: Link,
  condition: (state: LinkState) => boolean,
  options: WaitForStateOptions = {},
): Promise<Waited<LinkState>> {
  // Synchronous reads: the loop must not yield between a read and its check.
  const read = (): LinkState => mustReadLinkState(link.ns.rtnl, link.index, link.name, link.kind);
  return until(link.ns, read, condition, options.timeout);
}
