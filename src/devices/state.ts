// A device's state as one plain object, read from the kernel over rtnetlink: what matchers
// compare, what failure reports print, what the claims report records.
import type { LinkMessage, LinkStats, TunInfo } from '../netlink/link.ts';
import type { AddrMessage } from '../netlink/addr.ts';
import type { KindDetails } from '../netlink/link-kinds.ts';
import { decodeAddrFlags, decodeFlags, type AddressFlag, type LinkFlag } from '../values/flags.ts';
import { operstateOf, type Operstate } from '../values/operstate.ts';
import { linkFind, linkList } from '../rtnl/link.ts';
import { addrList } from '../rtnl/addr.ts';
import { formatBridgeId } from '../values/bridge-id.ts';
import type { NetlinkSocket } from '../netlink/socket.ts';
import { DeviceNotFoundError } from '../errors.ts';
import * as C from '../sys/constants.ts';
import { bridgeOptionsState, type BridgeOptionsState } from './bridge-options.ts';
import { bridgePortState, type BridgePortState } from './bridge-port.ts';

/** One address on a device as the kernel reports it (RTM_GETADDR), as `ip addr show` lists it. */
export interface AddressState {
  /** "192.0.2.1/24" */
  cidr: string;
  /** The address alone, without the prefix length: "192.0.2.1", "2001:db8::1". */
  address: string;
  /** The prefix length in bits: 24 for "192.0.2.1/24". */
  prefixLength: number;
  /** 4 for AF_INET, 6 for AF_INET6. */
  family: 4 | 6;
  /** ifa_scope as a number: 0 global, 253 link, 254 host. */
  scope: number;
  /** IFA_F_* names set on the address: permanent, tentative, nodad, ... */
  flags: AddressFlag[];
  /** IFA_F_TENTATIVE: IPv6 duplicate address detection has not finished. */
  tentative: boolean;
  /** IFA_F_DADFAILED: IPv6 duplicate address detection found the address in use. */
  dadfailed: boolean;
}

/** Everything the kernel reports about one device, read over rtnetlink (what Link.state() returns). */
export interface LinkState {
  /** IFLA_IFNAME: the interface name. */
  name: string;
  /** The ifindex. */
  index: number;
  /** IFLA_INFO_KIND ("bridge", "veth", "tun", ...), "loopback" for lo; undefined when the kernel reports none. */
  kind: string | undefined;
  /** IFLA_ADDRESS as lowercase colon-separated hex; undefined for a device without one. */
  mac: string | undefined;
  /** IFLA_MTU, in bytes. */
  mtu: number | undefined;
  /** IFLA_MIN_MTU: the smallest MTU the device takes (setMtu() refuses less). */
  minMtu: number | undefined;
  /** IFLA_MAX_MTU: the largest MTU the device takes (setMtu() refuses more). */
  maxMtu: number | undefined;
  /** IFLA_TXQLEN: the transmit queue's length, in packets (`ip link set DEV txqueuelen N`). */
  txQueueLen: number | undefined;
  /** IFLA_IFALIAS: the device's description; undefined when none is set. */
  alias: string | undefined;
  /** The device's alternative names (`ip link property add dev DEV altname NAME`), in the kernel's order. */
  altNames: string[];
  /** IFF_* names set in ifi_flags: UP, RUNNING, LOWER_UP, ... */
  flags: LinkFlag[];
  /** IFF_UP: the administrative state. */
  adminUp: boolean;
  /** IFF_RUNNING: the operational state as a flag. */
  running: boolean;
  /** IFLA_OPERSTATE in iproute2's spelling: up, down, unknown, lowerlayerdown, ... */
  operstate: Operstate;
  /** IFLA_CARRIER: whether the device has carrier; undefined when the kernel does not report it. */
  carrier: boolean | undefined;
  /** IFLA_CARRIER_CHANGES: how many times carrier went up or down since the device was created. */
  carrierChanges: number | undefined;
  /** IFLA_CARRIER_UP_COUNT: how many times carrier came up. */
  carrierUpCount: number | undefined;
  /** IFLA_CARRIER_DOWN_COUNT: how many times carrier went down. */
  carrierDownCount: number | undefined;
  /** IFLA_MASTER: the bridge (or other master) this device is a port of; undefined if none. */
  master:
    | {
        /** The master's ifindex. */
        index: number;
        /** The master's name; undefined if it could not be read. */
        name: string | undefined;
      }
    | undefined;
  /** For bridges: the ID in sysfs notation ("8000.525400000001"). */
  bridgeId: string | undefined;
  /** For bridges: names of the ports. */
  ports: string[] | undefined;
  /** For bridges: their options (VLAN filtering, STP, forward delay, ageing time, VLAN protocol, default pvid). */
  bridge: BridgeOptionsState | undefined;
  /** For bridge ports: the port's STP state and options (IFLA_INFO_SLAVE_DATA); undefined for other devices. */
  bridgePort: BridgePortState | undefined;
  /** For tun and tap devices: what IFLA_INFO_DATA reports (IFLA_TUN_TYPE, IFLA_TUN_PERSIST, ...); undefined for other kinds. */
  tun: TunInfo | undefined;
  /** The decoded IFLA_INFO_DATA of a vlan, macvlan, ipvlan, vxlan, bond, vrf or netkit (told apart by details.kind); undefined for other kinds. */
  details: KindDetails | undefined;
  /** The addresses on the device, as `ip addr show dev DEV` lists them. */
  addresses: AddressState[];
  /** IFLA_STATS64: packets, bytes, errors and drops since the device was created (undefined only in a message without them). */
  stats: LinkStats | undefined;
}

export function addressState(a: AddrMessage): AddressState {
  const flags = decodeAddrFlags(a.flags);
  return {
    cidr: `${a.address}/${a.prefixLength}`,
    address: a.address,
    prefixLength: a.prefixLength,
    family: a.family,
    scope: a.scope,
    flags,
    tentative: flags.includes('tentative'),
    dadfailed: flags.includes('dadfailed'),
  };
}

/** What a single link message says about the device's state: flags, operstate, carrier. */
export function linkStatus(m: LinkMessage): Pick<LinkState, 'flags' | 'adminUp' | 'running' | 'operstate' | 'carrier'> {
  const { flags, adminUp, running, operstate, carrier } = linkSnapshot(m);
  return { flags, adminUp, running, operstate, carrier };
}

/** LinkState without what takes more than the device's own message (ports, addresses, the master's name), or what read() does not ask for (statistics). */
export type LinkSnapshot = Omit<LinkState, 'master' | 'ports' | 'addresses' | 'stats'> & {
  /** IFLA_MASTER: the bridge (or other master) this device is a port of; undefined if none. */
  master:
    | {
        /** The master's ifindex. */
        index: number;
      }
    | undefined;
};

/** What one link message says about the device. */
export function linkSnapshot(m: LinkMessage): LinkSnapshot {
  return {
    name: m.name,
    index: m.index,
    kind: m.kind ?? (m.type === C.ARPHRD_LOOPBACK ? 'loopback' : undefined),
    mac: m.mac,
    mtu: m.mtu,
    minMtu: m.minMtu,
    maxMtu: m.maxMtu,
    txQueueLen: m.txQueueLen,
    alias: m.alias,
    altNames: m.altNames ?? [],
    flags: decodeFlags(m.flags),
    adminUp: (m.flags & C.IFF_UP) !== 0,
    running: (m.flags & C.IFF_RUNNING) !== 0,
    operstate: operstateOf(m.operstate),
    carrier: m.carrier,
    carrierChanges: m.carrierChanges,
    carrierUpCount: m.carrierUpCount,
    carrierDownCount: m.carrierDownCount,
    master: m.master ? { index: m.master } : undefined,
    bridgeId: m.bridge?.bridgeId ? formatBridgeId(m.bridge.bridgeId) : undefined,
    bridge: m.bridge && bridgeOptionsState(m.bridge),
    bridgePort: m.bridgePort && bridgePortState(m.bridgePort),
    tun: m.tun,
    details: m.details,
  };
}

export function linkState(
  m: LinkMessage,
  extra: { masterName?: string | undefined; ports?: string[] | undefined; addresses: AddrMessage[] },
): LinkState {
  const s = linkSnapshot(m);
  return {
    ...s,
    master: s.master ? { index: s.master.index, name: extra.masterName } : undefined,
    ports: extra.ports,
    addresses: extra.addresses.map(addressState),
    stats: m.stats,
  };
}

/**
 * Reads one device's whole state. A bridge's ports are read one by one first: each targeted
 * read flushes that port's pending linkwatch event, which is what updates the bridge's
 * carrier, so the bridge read that follows sees settled state rather than state a second old.
 * kind: what the caller already knows the device to be; for a bridge that saves the first read.
 */
export function readLinkState(sock: NetlinkSocket, index: number, kind?: string): LinkState | undefined {
  const withStats = { stats: true };
  let link = kind === 'bridge' ? undefined : linkFind(sock, index, withStats);
  if (kind !== 'bridge' && !link) return undefined;
  let ports: string[] | undefined;
  if (kind === 'bridge' || link?.kind === 'bridge') {
    const members = linkList(sock, { master: index });
    for (const p of members) linkFind(sock, p.index);
    link = linkFind(sock, index, withStats);
    if (!link) return undefined;
    if (link.kind === 'bridge') ports = members.map((p) => p.name);
  }
  if (!link) return undefined;
  const masterName = link.master ? linkFind(sock, link.master)?.name : undefined;
  return linkState(link, { masterName, ports, addresses: addrList(sock, index) });
}

/** The state of every device in the namespace. */
export function readAllLinkStates(sock: NetlinkSocket): LinkState[] {
  return linkList(sock).flatMap((m) => readLinkState(sock, m.index, m.kind) ?? []);
}

export function mustReadLinkState(sock: NetlinkSocket, index: number, name: string, kind?: string): LinkState {
  const s = readLinkState(sock, index, kind);
  if (!s) throw new DeviceNotFoundError(name);
  return s;
}
