// RTM_*LINK messages: struct ifinfomsg followed by IFLA_* attributes.
import * as C from '../sys/constants.ts';
import { attrNested, attrS32, attrString, attrU32, attrU8, cString, parseAttrList, parseAttrs } from './codec.ts';
import { MalformedMessageError } from '../errors.ts';
import { formatMac } from '../values/mac.ts';
import { decodeKindData, type KindDetails } from './link-kinds.ts';
import { IFINFOMSG_LEN } from './ifinfomsg.ts';
import {
  decodeBridge,
  decodeBridgePort,
  decodeVlans,
  type BridgeInfo,
  type BridgePortInfo,
  type VlanInfo,
} from './bridge.ts';

export { encodeIfinfomsg, IFINFOMSG_LEN, type Ifinfomsg } from './ifinfomsg.ts';
export type { BridgeInfo } from './bridge.ts';

/** What a tun/tap device reports about itself (IFLA_TUN_*, kernel 4.15 and later). */
export interface TunInfo {
  /** IFLA_TUN_TYPE: "tun" (IFF_TUN, layer 3) or "tap" (IFF_TAP, Ethernet frames). */
  mode: 'tun' | 'tap';
  /** IFLA_TUN_PERSIST: the device outlives the descriptor that made it (TUNSETPERSIST). */
  persist: boolean;
  /** Attached queues (open, TUNSETIFF'd descriptors): the kernel reports it for multi-queue devices only. */
  queues?: number;
}

/**
 * The device's counters (IFLA_STATS64, struct rtnl_link_stats64), since it was created. Numbers,
 * not bigints: exact up to 2^53 (8 PiB of bytes), they subtract, compare and print as JSON
 * like every other field of a state.
 */
export interface LinkStats {
  /** Packets received. */
  rxPackets: number;
  /** Packets sent. */
  txPackets: number;
  /** Bytes received. */
  rxBytes: number;
  /** Bytes sent. */
  txBytes: number;
  /** Bad packets received. */
  rxErrors: number;
  /** Packets the device failed to send. */
  txErrors: number;
  /** Packets received and dropped (no space, unwanted protocol, ...). */
  rxDropped: number;
  /** Packets dropped on the way out. */
  txDropped: number;
  /** Multicast packets received. */
  multicast: number;
  /** Collisions (half-duplex media). */
  collisions: number;
}

/** The counters of LinkStats, in struct rtnl_link_stats64's order (each a __u64). */
export const LINK_STATS_FIELDS = [
  'rxPackets',
  'txPackets',
  'rxBytes',
  'txBytes',
  'rxErrors',
  'txErrors',
  'rxDropped',
  'txDropped',
  'multicast',
  'collisions',
] as const satisfies ReadonlyArray<keyof LinkStats>;

/** The leading counters of struct rtnl_link_stats64 (it grows at its end across kernels). */
export function decodeStats64(b: Buffer): LinkStats {
  const size = LINK_STATS_FIELDS.length * 8;
  if (b.length < size)
    throw new MalformedMessageError(`IFLA_STATS64 of ${b.length} bytes, shorter than ${size},`, 0, b.length);
  const stats = {} as LinkStats;
  LINK_STATS_FIELDS.forEach((field, i) => (stats[field] = Number(b.readBigUInt64LE(i * 8))));
  return stats;
}

/** One link as the kernel described it, with no interpretation beyond decoding. */
export interface LinkMessage {
  /**
   * AF_UNSPEC for the device's own messages; AF_BRIDGE for a bridge's per-port notifications,
   * which describe the port as the bridge sees it and carry no IFLA_CARRIER.
   */
  family: number;
  index: number;
  /** ARPHRD_* hardware type. */
  type: number;
  flags: number;
  name: string;
  mtu?: number;
  /** IFLA_MIN_MTU: the smallest MTU the device takes. */
  minMtu?: number;
  /** IFLA_MAX_MTU: the largest MTU the device takes. */
  maxMtu?: number;
  /** IFLA_TXQLEN: the transmit queue's length, in packets. */
  txQueueLen?: number;
  /** IFLA_IFALIAS: the device's description (`ip link set DEV alias TEXT`); absent when none is set. */
  alias?: string;
  /** IFLA_PROP_LIST's IFLA_ALT_IFNAMEs: the device's alternative names, in the kernel's order. */
  altNames?: string[];
  /** IFLA_STATS64, when the request did not skip statistics. */
  stats?: LinkStats;
  mac?: string;
  operstate?: number;
  carrier?: boolean;
  carrierChanges?: number;
  carrierUpCount?: number;
  carrierDownCount?: number;
  master?: number;
  /** Index of the peer for veth and similar (IFLA_LINK), possibly in another namespace. */
  link?: number;
  linkNetnsId?: number;
  kind?: string;
  slaveKind?: string;
  bridge?: BridgeInfo;
  tun?: TunInfo;
  /** IFLA_INFO_DATA of vlan, macvlan, ipvlan, vxlan, bond, vrf and netkit devices, decoded. */
  details?: KindDetails;
  /** A bridge port's options: IFLA_INFO_SLAVE_DATA, or IFLA_PROTINFO in an AF_BRIDGE message. */
  bridgePort?: BridgePortInfo;
  /** The VLANs of an AF_BRIDGE message's IFLA_AF_SPEC, when the request asked for them (RTEXT_FILTER_BRVLAN*). */
  vlans?: VlanInfo[];
}

const TUN_ATTRS = new Set([C.IFLA_TUN_TYPE, C.IFLA_TUN_PERSIST, C.IFLA_TUN_NUM_QUEUES]);

function decodeTun(data: Buffer): TunInfo {
  const a = parseAttrs(data, 0, TUN_ATTRS);
  const info: TunInfo = {
    mode: attrU8(a, C.IFLA_TUN_TYPE) === C.IFF_TUN ? 'tun' : 'tap',
    persist: attrU8(a, C.IFLA_TUN_PERSIST) === 1,
  };
  const queues = attrU32(a, C.IFLA_TUN_NUM_QUEUES);
  // Absent rather than undefined: the decoder returns only what the kernel sent.
  if (queues !== undefined) info.queues = queues;
  return info;
}

// The attributes decodeLink reads (the kernel sends ~60: stats, queues, xdp, ...).
const LINK_ATTRS = new Set([
  C.IFLA_IFNAME,
  C.IFLA_MTU,
  C.IFLA_MIN_MTU,
  C.IFLA_MAX_MTU,
  C.IFLA_TXQLEN,
  C.IFLA_IFALIAS,
  C.IFLA_PROP_LIST,
  C.IFLA_STATS64,
  C.IFLA_OPERSTATE,
  C.IFLA_CARRIER,
  C.IFLA_CARRIER_CHANGES,
  C.IFLA_CARRIER_UP_COUNT,
  C.IFLA_CARRIER_DOWN_COUNT,
  C.IFLA_MASTER,
  C.IFLA_LINK,
  C.IFLA_LINK_NETNSID,
  C.IFLA_ADDRESS,
  C.IFLA_LINKINFO,
  C.IFLA_PROTINFO,
  C.IFLA_AF_SPEC,
]);
const LINKINFO_ATTRS = new Set([C.IFLA_INFO_KIND, C.IFLA_INFO_SLAVE_KIND, C.IFLA_INFO_DATA, C.IFLA_INFO_SLAVE_DATA]);

export function decodeLink(payload: Buffer): LinkMessage {
  const a = parseAttrs(payload, IFINFOMSG_LEN, LINK_ATTRS);
  const msg: LinkMessage = {
    family: payload.readUInt8(0),
    type: payload.readUInt16LE(2),
    index: payload.readInt32LE(4),
    flags: payload.readUInt32LE(8),
    name: attrString(a, C.IFLA_IFNAME) ?? '',
  };
  const optional: Partial<LinkMessage> = {
    mtu: attrU32(a, C.IFLA_MTU),
    minMtu: attrU32(a, C.IFLA_MIN_MTU),
    maxMtu: attrU32(a, C.IFLA_MAX_MTU),
    txQueueLen: attrU32(a, C.IFLA_TXQLEN),
    operstate: attrU8(a, C.IFLA_OPERSTATE),
    carrierChanges: attrU32(a, C.IFLA_CARRIER_CHANGES),
    carrierUpCount: attrU32(a, C.IFLA_CARRIER_UP_COUNT),
    carrierDownCount: attrU32(a, C.IFLA_CARRIER_DOWN_COUNT),
    master: attrU32(a, C.IFLA_MASTER),
    link: attrU32(a, C.IFLA_LINK),
    linkNetnsId: attrS32(a, C.IFLA_LINK_NETNSID),
  };
  for (const [k, v] of Object.entries(optional))
    if (v !== undefined) (msg as unknown as Record<string, unknown>)[k] = v;
  const carrier = attrU8(a, C.IFLA_CARRIER);
  if (carrier !== undefined) msg.carrier = carrier !== 0;
  const mac = a.get(C.IFLA_ADDRESS);
  if (mac) msg.mac = formatMac(mac);
  const alias = a.get(C.IFLA_IFALIAS);
  if (alias) msg.alias = cString(alias);
  const props = a.get(C.IFLA_PROP_LIST);
  if (props) msg.altNames = parseAttrList(props, C.IFLA_ALT_IFNAME).map(cString);
  const stats = a.get(C.IFLA_STATS64);
  if (stats) msg.stats = decodeStats64(stats);
  const info = attrNested(a, C.IFLA_LINKINFO, LINKINFO_ATTRS);
  if (info) {
    const kind = attrString(info, C.IFLA_INFO_KIND);
    const slaveKind = attrString(info, C.IFLA_INFO_SLAVE_KIND);
    if (kind) msg.kind = kind;
    if (slaveKind) msg.slaveKind = slaveKind;
    const data = info.get(C.IFLA_INFO_DATA);
    if (kind === 'bridge' && data) msg.bridge = decodeBridge(data);
    if (kind === 'tun' && data) msg.tun = decodeTun(data);
    const details = kind && data ? decodeKindData(kind, data) : undefined;
    if (details) msg.details = details;
    const slaveData = info.get(C.IFLA_INFO_SLAVE_DATA);
    if (slaveKind === 'bridge' && slaveData) msg.bridgePort = decodeBridgePort(slaveData);
  }
  // An AF_BRIDGE message is about the device as a bridge (or its port) sees it; IFLA_PROTINFO and
  // IFLA_AF_SPEC of the device's own messages hold other families' data (IPv6's, for one).
  if (msg.family === C.AF_BRIDGE) {
    const protinfo = a.get(C.IFLA_PROTINFO);
    if (protinfo) msg.bridgePort = decodeBridgePort(protinfo);
    const spec = a.get(C.IFLA_AF_SPEC);
    if (spec) msg.vlans = decodeVlans(spec);
  }
  return msg;
}
