import type { MatcherState } from 'vitest';
import { readFdb, type FdbEntry } from '../devices/bridge-fdb.ts';
import { isLink, type Link } from '../devices/link.ts';
import { parseFdbState, parseVid, type FdbState } from '../values/bridge.ts';
import { normalizeMac } from '../values/mac.ts';
import { parseName } from '../values/name.ts';
import { matchRead, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';

/** toHaveFdbEntry's options: the wait, and what the entry must hold besides its MAC. */
export interface FdbEntryOptions extends WaitOption {
  /** The VLAN the entry must be for. */
  vlan?: number;
  /** The port the MAC must be behind (a handle or a name; the bridge itself for its own addresses). */
  port?: Link | string;
  /** How the entry must live: permanent, static or dynamic (learned). */
  state?: FdbState;
}

/** One entry as `bridge fdb show br BRIDGE` prints it. */
const line = (e: Pick<FdbEntry, 'mac' | 'port' | 'vlan'> & { state: FdbState | undefined }): string =>
  [e.mac, e.port && `dev ${e.port}`, e.vlan && `vlan ${e.vlan}`, e.state].filter(Boolean).join(' ');

/** The bridge's database; a receiver that is no bridge has none, which is the caller's mistake. */
function databaseOf(link: Link): FdbEntry[] {
  const entries = readFdb(link);
  if (link.kind !== 'bridge') {
    throw new TypeError(
      `toHaveFdbEntry: ${link} is no bridge: expect the bridge to have the entry, and name the port with { port }`,
    );
  }
  return entries;
}

/**
 * The bridge's forwarding database has an entry for this MAC (any case), on the VLAN, behind the
 * port and in the state asked for, if any: learned from traffic, or added with bridge.fdb.add().
 */
export async function toHaveFdbEntry(
  this: MatcherState,
  received: unknown,
  mac: string,
  options?: FdbEntryOptions,
): Promise<MatcherResult> {
  const address = normalizeMac(mac);
  const { timeout } = requireOptions('toHaveFdbEntry', options);
  const vlan = options?.vlan === undefined ? undefined : parseVid('toHaveFdbEntry', options.vlan);
  const port =
    options?.port === undefined ? undefined : isLink(options.port) ? options.port.name : parseName(options.port);
  const state = options?.state;
  if (state !== undefined) parseFdbState('toHaveFdbEntry', state);
  return matchRead(this, 'toHaveFdbEntry', received, {
    read: databaseOf,
    holds: (table) =>
      table.some(
        (e) =>
          e.mac === address &&
          (vlan === undefined || e.vlan === vlan) &&
          (port === undefined || e.port === port) &&
          (state === undefined || e.state === state),
      ),
    expected: line({ mac: address, port, vlan, state }),
    takesExpected: true,
    received: (table) => table.map(line),
    title: (link) => `The forwarding database of ${link} (bridge fdb show br ${link.name})`,
    timeout,
  });
}
