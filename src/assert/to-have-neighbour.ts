import type { MatcherState } from 'vitest';
import { DeviceNotFoundError } from '../errors.ts';
import type { Link } from '../devices/link.ts';
import { linkFind } from '../rtnl/link.ts';
import { neighList } from '../rtnl/neigh.ts';
import { neighbourOf, type Neighbour } from '../netns/neigh.ts';
import { formatIp, ipBytes } from '../values/ip.ts';
import { normalizeMac } from '../values/mac.ts';
import { parseNeighState, type NeighState } from '../values/neigh.ts';
import { matchRead, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';

/** toHaveNeighbour's options: the wait, and what the entry must hold besides its address. */
export interface NeighbourOptions extends WaitOption {
  /** The link-layer address the entry must have (any case). */
  lladdr?: string;
  /** The NUD state the entry must be in. */
  state?: NeighState;
}

/** One entry as `ip neigh show dev DEV` prints it, for the failure message. */
const line = (n: Pick<Neighbour, 'to' | 'lladdr' | 'router' | 'state'>): string =>
  [n.to, n.lladdr && `lladdr ${n.lladdr}`, n.router && 'router', n.state].filter(Boolean).join(' ');

/**
 * The device's neighbours. A dump filtered by a device that is gone is empty, not refused, so
 * the device is looked up after it: a deleted device ends the wait as it does in every matcher.
 */
function neighboursOf(link: Link): Neighbour[] {
  const table = neighList(link.ns.rtnl, { index: link.index }).map((m) => neighbourOf(m, link.name));
  if (!linkFind(link.ns.rtnl, link.index)) throw new DeviceNotFoundError(link.name);
  return table;
}

/**
 * The device's neighbour table (ARP or NDP, by the address's family) has an entry for this
 * address ("192.0.2.2", "2001:db8::2"), with this link-layer address and state if asked for.
 */
export async function toHaveNeighbour(
  this: MatcherState,
  received: unknown,
  to: string,
  options?: NeighbourOptions,
): Promise<MatcherResult> {
  const address = formatIp(ipBytes(to));
  const { timeout } = requireOptions('toHaveNeighbour', options);
  const lladdr = options?.lladdr === undefined ? undefined : normalizeMac(options.lladdr);
  const state = options?.state;
  if (state !== undefined) parseNeighState('toHaveNeighbour', state);
  return matchRead(this, 'toHaveNeighbour', received, {
    read: neighboursOf,
    holds: (table) =>
      table.some(
        (n) =>
          n.to === address &&
          (lladdr === undefined || n.lladdr === lladdr) &&
          (state === undefined || n.state === state),
      ),
    expected: line({ to: address, lladdr, state, router: false }),
    takesExpected: true,
    received: (table) => table.map(line),
    title: (link) => `The neighbour table of ${link} (ip neigh show dev ${link.name} nud all)`,
    timeout,
  });
}
