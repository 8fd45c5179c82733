// `bridge fdb` on one bridge (bridge.fdb): the forwarding database, learned and added entries.
import { DeviceNotFoundError, hasErrno, InvalidArgumentError } from '../errors.ts';
import type { FdbMessage } from '../netlink/neigh.ts';
import { fdbAdd, fdbDel, fdbList, type FdbKey } from '../rtnl/fdb.ts';
import { linkList } from '../rtnl/link.ts';
import * as C from '../sys/constants.ts';
import { fdbStateName, parseFdbState, parseVid, portStateName, type FdbState } from '../values/bridge.ts';
import { requireObject } from '../values/checks.ts';
import { parseMac } from '../values/mac.ts';
import { bridgeMember, explainRefusal, type PortArg } from './bridge-member.ts';
import type { Link } from './link.ts';

/** Which entry: `bridge fdb del MAC dev PORT [vlan VID]`. */
export interface FdbEntryKey {
  /** The MAC, "52:54:00:00:00:0a": a unicast address (the bridge keeps multicast ones in its MDB). */
  mac: string;
  /** The port the MAC is behind; the bridge itself for an address of its own. */
  port: PortArg;
  /** The VLAN the entry is for (1 to 4094); none for the entry of no VLAN. */
  vlan?: number;
}

/** An entry to add: `bridge fdb add MAC dev PORT master STATE [vlan VID]`. */
export interface FdbEntrySpec extends FdbEntryKey {
  /**
   * "static" (the default: forwarded to the port, never aged out), "permanent" (a local address:
   * frames to it are the bridge's own; the only kind the bridge itself takes), or "dynamic"
   * (aged out like a learned entry; only on a port that is learning or forwarding).
   */
  state?: FdbState;
}

/** One entry of the bridge's forwarding database, as `bridge fdb show br BRIDGE` lists it. */
export interface FdbEntry {
  /** The MAC, lower case. */
  mac: string;
  /** The port's name, the bridge's own for its addresses; undefined for a device gone meanwhile. */
  port: string | undefined;
  /** The port's ifindex. */
  index: number;
  /** The VLAN, or undefined for the entry of no VLAN. */
  vlan: number | undefined;
  /** permanent, static, or dynamic (learned from traffic, or added as dynamic). */
  state: FdbState;
}

/** Which entries bridge.fdb.list() returns. */
export interface FdbFilter {
  /** Only the entries of this VLAN. */
  vlan?: number;
  /** Only the entries on this port (or on the bridge itself). */
  port?: PortArg;
}

const entryOf = (m: FdbMessage, names: Map<number, string>): FdbEntry => ({
  mac: m.lladdr,
  port: names.get(m.index),
  index: m.index,
  vlan: m.vlan,
  state: fdbStateName(m.state),
});

/** The bridge's entries now, named by port: what list() and the toHaveFdbEntry matcher read. */
export function readFdb(bridge: Link): FdbEntry[] {
  const sock = bridge.ns.rtnl;
  let entries: FdbMessage[];
  try {
    entries = fdbList(sock, bridge.index);
  } catch (error) {
    // The kernel looks the bridge up first (NDA_MASTER): a bridge that is gone is ENODEV.
    if (hasErrno(error, 'ENODEV')) throw new DeviceNotFoundError(bridge.name, { cause: error });
    throw error;
  }
  const names = new Map(linkList(sock, { master: bridge.index }).map((l) => [l.index, l.name]));
  names.set(bridge.index, bridge.name);
  return entries.map((m) => entryOf(m, names));
}

/** The forwarding database of one bridge: `bridge fdb` bound to it. */
export class BridgeFdb {
  readonly #bridge: Link;

  /** Made by the bridge (bridge.fdb). */
  constructor(bridge: Link) {
    this.#bridge = bridge;
  }

  /** The key, checked: the MAC and VLAN first, the port last (it asks the kernel); with the port's STP state. */
  #key(where: string, key: FdbEntryKey): FdbKey & { portState: number | undefined } {
    requireObject(where, key, '{ mac, port, vlan? }');
    const lladdr = parseMac(key.mac);
    const vlan = key.vlan === undefined ? undefined : parseVid(where, key.vlan);
    const member = bridgeMember(this.#bridge, where, key.port);
    return { index: member.index, dev: member.name, self: member.self, lladdr, vlan, portState: member.portState };
  }

  /** `bridge fdb add`: a new entry; an existing one (same MAC and VLAN) is refused (NetlinkError EEXIST). */
  async add(spec: FdbEntrySpec): Promise<void> {
    requireObject('fdb.add', spec, '{ mac, port, vlan?, state? }');
    const stateName = spec.state ?? 'static';
    const state = parseFdbState('fdb.add', stateName);
    const key = this.#key('fdb.add', spec);
    // Both are bare refusals from the kernel (EINVAL, and an EPERM that reads as a missing capability).
    if (key.self && stateName !== 'permanent') {
      throw new InvalidArgumentError(
        `fdb.add: an entry on the bridge ${this.#bridge.name} itself is an address of its own, so its state is "permanent", received ${JSON.stringify(stateName)}`,
        spec.state,
      );
    }
    if (stateName === 'dynamic' && key.portState !== C.BR_STATE_LEARNING && key.portState !== C.BR_STATE_FORWARDING) {
      const now = key.portState === undefined ? 'unknown' : (portStateName(key.portState) ?? String(key.portState));
      throw new InvalidArgumentError(
        `fdb.add: a dynamic entry needs a port that learns, in the learning or forwarding state, and ${key.dev} is ${now} (up, with carrier, it forwards); add a static one, or bring the port up first`,
        spec.state,
      );
    }
    try {
      fdbAdd(this.#bridge.ns.rtnl, key, state);
    } catch (error) {
      throw explainRefusal(error, {
        ...(key.vlan && {
          EINVAL: `${key.dev} has no VLAN ${key.vlan} (bridge.vlan.add() it first), or the kernel has no VLAN filtering`,
        }),
      });
    }
  }

  /** `bridge fdb del`: a missing entry is refused (NetlinkError ENOENT). */
  async del(key: FdbEntryKey): Promise<void> {
    fdbDel(this.#bridge.ns.rtnl, this.#key('fdb.del', key));
  }

  /** `bridge fdb show br BRIDGE [vlan VID]`: the bridge's entries, learned and added, of every port and the bridge's own. */
  async list(filter: FdbFilter = {}): Promise<FdbEntry[]> {
    requireObject('fdb.list', filter, '{ vlan?, port? }');
    const vlan = filter.vlan === undefined ? undefined : parseVid('fdb.list', filter.vlan);
    const port = filter.port === undefined ? undefined : bridgeMember(this.#bridge, 'fdb.list', filter.port);
    return readFdb(this.#bridge).filter(
      (e) => (vlan === undefined || e.vlan === vlan) && (port === undefined || e.index === port.index),
    );
  }
}
