// What the claim suites share besides the oracle (test/helpers/oracle.ts, the tests' own): a
// wait for a device's state to settle, a recorder that keeps link notifications with their
// arrival times, and short IPv6 timers for claims about the order of DAD's events.
import { SysctlReadOnlyError, type Link, type LinkState, type Netns } from '../src/index.ts';
import type { ClaimRecorder } from '../src/report/claim.ts';
import { linkStatus } from '../src/devices/state.ts';
import { waitForState } from '../src/wait/state.ts';
import * as C from '../src/sys/constants.ts';

/**
 * The device's state once its operational state has caught up with its carrier. The carrier bit
 * changes at once; the operstate, and IFF_RUNNING which is derived from it, only when linkwatch
 * gets to the device, up to a second later (for a bridge whose carrier follows a port: after the
 * port's run, then its own). Recent kernels (6.18) run that pending work on a targeted read, so
 * there the first read is already settled; older ones (6.1) do not, and a read right after a
 * change can show a device without carrier as RUNNING. Settled means: an admin-up device is
 * RUNNING exactly when it has carrier. Returns the last state read, settled or not (after the
 * timeout), for the test to assert on or record.
 */
export async function settledState(link: Link, timeoutMs?: number): Promise<LinkState> {
  const settled = (s: LinkState): boolean => !s.adminUp || s.carrier === undefined || s.carrier === s.running;
  return (await waitForState(link, settled, { timeout: timeoutMs })).value;
}

/** A link notification as the suites look at it. */
export interface LinkNote {
  /** performance.now() ms when it was read from the socket. */
  at: number;
  name: string;
  index: number;
  /** Raw ifi_flags. */
  ifiFlags: number;
  flags: string[];
  adminUp: boolean;
  running: boolean;
  operstate: string;
  carrier: boolean | undefined;
}

export interface LinkRecorder {
  readonly notes: LinkNote[];
  /** Notifications were lost (socket overrun): what is missing cannot be known. */
  readonly overflowed: boolean;
  stop(): void;
}

/**
 * Collects RTM_NEWLINK notifications about the named devices from now on, decoded the way a
 * subscriber would (ifi_flags bits, IFLA_OPERSTATE, IFLA_CARRIER), without sending a request
 * about them: a request flushes their pending linkwatch work and would change what is watched.
 * "From now on": notifications queued during set-up are flushed before subscribing. The bridge's
 * per-port messages (ifi_family AF_BRIDGE) describe the port as the bridge sees it, not the
 * device itself, and are left out.
 */
export function recordLinks(ns: Netns, names: readonly string[]): LinkRecorder {
  const notes: LinkNote[] = [];
  let overflowed = false;
  ns.events.flush();
  const stop = ns.events.subscribe((event) => {
    if (event.kind === 'overflow') overflowed = true;
    if (event.kind !== 'link' || event.action !== 'new') return;
    const m = event.link;
    if (!names.includes(m.name) || m.family === C.AF_BRIDGE) return;
    notes.push({
      at: event.at,
      name: m.name,
      index: m.index,
      ifiFlags: m.flags,
      ...linkStatus(m),
    });
  });
  return {
    notes,
    get overflowed() {
      return overflowed;
    },
    stop,
  };
}

/**
 * A device's IPv6 timers, shortened where a claim is about the order of DAD's events (tentative
 * without carrier, usable once DAD ran) and not their duration: DAD starts at once instead of
 * after a random delay of up to a second, and its one probe waits 100 ms instead of a second.
 * Set before the device gets its address (a namespace has no neigh "default" of its own to set
 * earlier). The tests' waits are computed from the device's own settings, so they shrink with
 * them. Where /proc/sys is read-only (a container) the kernel's defaults stay. Either way the
 * claim records what was in effect, beside its observations.
 */
export async function shortDadTimers(ns: Netns, dev: string, c: ClaimRecorder): Promise<void> {
  const timers = {
    [`net.ipv6.conf.${dev}.router_solicitation_delay`]: 0,
    [`net.ipv6.neigh.${dev}.retrans_time_ms`]: 100,
  };
  try {
    for (const [key, value] of Object.entries(timers)) await ns.sysctl.set(key, value);
    c.observe('ipv6TimersSet', timers);
  } catch (error) {
    if (!(error instanceof SysctlReadOnlyError)) throw error;
    c.observe('ipv6TimersSet', 'none (/proc/sys is read-only here): the kernel defaults');
  }
}
