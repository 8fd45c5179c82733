// The matchers, for expect.extend(); one per file.
import { toBeAdminUp } from './to-be-admin-up.ts';
import { toBeAttachedTo } from './to-be-attached-to.ts';
import { toBeRunning } from './to-be-running.ts';
import { toHaveAddress, type AddressOptions } from './to-have-address.ts';
import { toHaveNeighbour, type NeighbourOptions } from './to-have-neighbour.ts';
import { toHaveBridgeId } from './to-have-bridge-id.ts';
import { toHaveCarrier } from './to-have-carrier.ts';
import { toHaveFlags } from './to-have-flags.ts';
import { toHaveMac } from './to-have-mac.ts';
import { toHaveOperstate } from './to-have-operstate.ts';
import { toHavePorts } from './to-have-ports.ts';
import { toHaveMtu } from './to-have-mtu.ts';
import { toHaveVlans, type VlanExpectation } from './to-have-vlans.ts';
import { toHaveFdbEntry, type FdbEntryOptions } from './to-have-fdb-entry.ts';
import { toHavePortState } from './to-have-port-state.ts';
import type { PortState } from '../values/bridge.ts';
import { toHaveStatsSince, type StatsIncrease } from './to-have-stats-since.ts';
import type { LinkStats } from '../netlink/link.ts';
import { toHaveRoute, type RouteOptions } from './to-have-route.ts';
import { toRoute, type LookupOptions } from './to-route.ts';
import { toReach, type ReachOptions } from './to-reach.ts';
import { toHaveSeen, type SeenOptions } from './to-have-seen.ts';
import type { PacketPattern } from '../packet/pattern.ts';
import type { WaitOption } from './match-state.ts';
import type { Link } from '../devices/link.ts';
import type { BridgeId } from '../values/bridge-id.ts';
import type { Operstate } from '../values/operstate.ts';

/** The matchers whose receiver is a device handle. */
export const deviceMatchers = {
  toHaveCarrier,
  toBeAdminUp,
  toBeRunning,
  toHaveOperstate,
  toHaveFlags,
  toHaveMac,
  toHaveBridgeId,
  toHavePorts,
  toBeAttachedTo,
  toHaveAddress,
  toHaveMtu,
  toHaveStatsSince,
  toHaveNeighbour,
  toHaveVlans,
  toHaveFdbEntry,
  toHavePortState,
};

/** The matchers whose receiver is a namespace. */
export const namespaceMatchers = { toHaveRoute, toRoute, toReach };

/** The matchers whose receiver is a capture (ns.capture()). */
export const captureMatchers = { toHaveSeen };

export const matchers = { ...deviceMatchers, ...namespaceMatchers, ...captureMatchers };

/** The matchers as they read on expect(device) and expect(ns): all wait for the kernel, so all are awaited. */
export interface NslabMatchers<R = unknown> {
  /** Waits until the device has carrier (IFLA_CARRIER). */
  toHaveCarrier(options?: WaitOption): Promise<R>;
  /** Waits until the device is administratively up (IFF_UP). */
  toBeAdminUp(options?: WaitOption): Promise<R>;
  /** Waits until IFF_RUNNING is set. */
  toBeRunning(options?: WaitOption): Promise<R>;
  /** Waits until the device's operstate is this one. */
  toHaveOperstate(operstate: Operstate, options?: WaitOption): Promise<R>;
  /** Waits until all these IFF_* flags ("UP", "LOWER_UP", ...) are set; others may be too. */
  toHaveFlags(flags: string[], options?: WaitOption): Promise<R>;
  /** Waits until the device has this MAC address (any case). */
  toHaveMac(mac: string, options?: WaitOption): Promise<R>;
  /** Waits until the bridge has this bridge ID ("8000.525400000001", or priority and MAC). */
  toHaveBridgeId(id: string | BridgeId, options?: WaitOption): Promise<R>;
  /** Waits until the bridge's ports are exactly these (handles or names, any order). */
  toHavePorts(ports: Array<Link | string>, options?: WaitOption): Promise<R>;
  /** Waits until the device is a port of this bridge. */
  toBeAttachedTo(bridge: Link, options?: WaitOption): Promise<R>;
  /** Waits until the device has this address ("192.0.2.1/24"), in the DAD state asked for if any. */
  toHaveAddress(cidr: string, options?: AddressOptions): Promise<R>;
  /** Waits until the device's MTU is this many bytes. */
  toHaveMtu(mtu: number, options?: WaitOption): Promise<R>;
  /**
   * Waits until the device's counters are up by at least this much since the mark:
   * `const mark = await port.stats(); ...; await expect(port).toHaveStatsSince(mark, { rxPackets: 3 })`.
   */
  toHaveStatsSince(mark: LinkStats, increase: StatsIncrease, options?: WaitOption): Promise<R>;
  /** On a namespace: waits until it has a route to dst ("198.51.100.0/24", "default"), with the gateway, device, table, metric and type asked for. */
  toHaveRoute(dst: string, options?: RouteOptions): Promise<R>;
  /** On a namespace: waits until the kernel routes a packet to this address (`ip route get`) via the gateway and device asked for. */
  toRoute(dst: string, options?: LookupOptions): Promise<R>;
  /**
   * On a namespace: waits until the target answers a probe sent from it: an ICMP echo, a TCP connect
   * (`{ tcp: 53 }`) or a UDP request (`{ udp: 5353, payload }`). `.not` passes once the target stayed
   * unanswering for a whole window (`{ for: ms }`, default 1000) begun within the timeout.
   */
  toReach(dst: string, options?: ReachOptions): Promise<R>;
  /** Waits until the device has a neighbour entry for this address ("192.0.2.2"), with the lladdr and state asked for if any. */
  toHaveNeighbour(to: string, options?: NeighbourOptions): Promise<R>;
  /**
   * Waits until the port (or the bridge itself) has exactly these VLANs with these flags, in any
   * order: `[{ vid: 10, pvid: true, untagged: true }, 20]` (a bare id: tagged, not the pvid).
   */
  toHaveVlans(vlans: VlanExpectation[], options?: WaitOption): Promise<R>;
  /** On a bridge: waits until its FDB has an entry for this MAC, with the VLAN, port and state asked for if any. */
  toHaveFdbEntry(mac: string, options?: FdbEntryOptions): Promise<R>;
  /** Waits until the bridge port's STP state is this one ("forwarding", "learning", ...). */
  toHavePortState(state: PortState, options?: WaitOption): Promise<R>;
  /**
   * On a capture: waits until it has seen a packet like pattern (`{ udp: { dport: 67 } }`, a
   * partial match); `.not.toHaveSeen(pattern, { for: ms })` fails if one comes within the window.
   */
  toHaveSeen(pattern: PacketPattern, options?: SeenOptions): Promise<R>;
}

export type {
  WaitOption,
  AddressOptions,
  RouteOptions,
  LookupOptions,
  NeighbourOptions,
  Operstate,
  StatsIncrease,
  VlanExpectation,
  FdbEntryOptions,
  PortState,
  ReachOptions,
  SeenOptions,
  PacketPattern,
};
