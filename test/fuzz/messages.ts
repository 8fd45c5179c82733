// Random messages as the kernel would send them, for the codec's round-trip properties: each
// arbitrary yields a decoded value and the bytes the kernel would put on the wire for it. The
// fixed headers are written from the UAPI layouts (if_link.h, if_addr.h, rtnetlink.h, netlink.h) with plain
// Buffer writes, not with nslab's encoders; attributes with MessageWriter, which the golden-byte
// tests (test/unit/codec.test.ts) pin to the wire format.
import fc from 'fast-check';
import { MessageWriter, NLMSG_HDRLEN } from '../../src/netlink/codec.ts';
import type { AddrMessage } from '../../src/netlink/addr.ts';
import {
  LINK_STATS_FIELDS,
  type BridgeInfo,
  type LinkMessage,
  type LinkStats,
  type TunInfo,
} from '../../src/netlink/link.ts';
import type { RouteMessage } from '../../src/netlink/route.ts';
import type { NeighMessage } from '../../src/netlink/neigh.ts';
import type { RuleMessage } from '../../src/netlink/rule.ts';
import type { BridgeId } from '../../src/values/bridge-id.ts';
import { formatMac } from '../../src/values/mac.ts';
import * as C from '../../src/sys/constants.ts';

export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const s32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

/** A string the kernel could carry in an NLA_STRING: no NUL (it would end the string). */
const text = (maxLength: number, minLength = 0): fc.Arbitrary<string> =>
  fc.string({ minLength, maxLength, unit: 'grapheme' }).filter((s) => !s.includes('\0'));

const macBytes = fc.uint8Array({ minLength: 6, maxLength: 6 });
const mac = macBytes.map((b) => formatMac(b));
/** A MAC nslab accepts as a device address: unicast, not all zero, in either case. */
export const unicastMac = fc
  .tuple(macBytes, fc.boolean())
  .filter(([b]) => (b[0]! & 1) === 0 && b.some((x) => x !== 0))
  .map(([b, upper]) => (upper ? formatMac(b).toUpperCase() : formatMac(b)));
/** A device name validateName() accepts. */
export const deviceName = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,14}$/).filter((n) => n !== '..');

const bridgeId: fc.Arbitrary<BridgeId> = fc.record({ priority: u16, mac });

/** Bytes of struct ifinfomsg: family, pad, type (u16), index (s32), flags (u32), change (u32). */
function ifinfomsg(m: LinkMessage): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(m.family, 0);
  b.writeUInt16LE(m.type, 2);
  b.writeInt32LE(m.index, 4);
  b.writeUInt32LE(m.flags, 8);
  return b;
}

/** struct ifla_bridge_id: priority big-endian (as the kernel's bridge_id struct holds it), then the MAC. */
function bridgeIdBytes(id: BridgeId): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16BE(id.priority, 0);
  Buffer.from(id.mac.split(':').map((h) => Number.parseInt(h, 16))).copy(b, 2);
  return b;
}

/** struct rtnl_link_stats64 as a 6.x kernel sends it: 25 __u64 counters, the ten LinkStats names first. */
function stats64Bytes(stats: LinkStats): Buffer {
  const b = Buffer.alloc(25 * 8);
  LINK_STATS_FIELDS.forEach((f, i) => b.writeBigUInt64LE(BigInt(stats[f]), i * 8));
  return b;
}

const macOf = (text: string): Buffer => Buffer.from(text.split(':').map((h) => Number.parseInt(h, 16)));

/** The payload (after nlmsghdr) of an RTM_NEWLINK the kernel would send for m. */
export function encodeLinkMessage(m: LinkMessage): Buffer {
  const w = new MessageWriter(C.RTM_NEWLINK, 0).header(ifinfomsg(m));
  // The kernel sends attributes nslab does not read too (here IFLA_GROUP): the decoder skips them.
  w.u32(C.IFLA_GROUP, 0);
  w.string(C.IFLA_IFNAME, m.name);
  if (m.mtu !== undefined) w.u32(C.IFLA_MTU, m.mtu);
  if (m.minMtu !== undefined) w.u32(C.IFLA_MIN_MTU, m.minMtu);
  if (m.maxMtu !== undefined) w.u32(C.IFLA_MAX_MTU, m.maxMtu);
  if (m.txQueueLen !== undefined) w.u32(C.IFLA_TXQLEN, m.txQueueLen);
  if (m.alias !== undefined) w.string(C.IFLA_IFALIAS, m.alias);
  const { altNames, stats } = m;
  if (altNames) w.nest(C.IFLA_PROP_LIST, (list) => altNames.forEach((n) => list.string(C.IFLA_ALT_IFNAME, n)));
  if (stats) w.bytes(C.IFLA_STATS64, stats64Bytes(stats));
  if (m.operstate !== undefined) w.u8(C.IFLA_OPERSTATE, m.operstate);
  if (m.carrier !== undefined) w.u8(C.IFLA_CARRIER, m.carrier ? 1 : 0);
  if (m.carrierChanges !== undefined) w.u32(C.IFLA_CARRIER_CHANGES, m.carrierChanges);
  if (m.carrierUpCount !== undefined) w.u32(C.IFLA_CARRIER_UP_COUNT, m.carrierUpCount);
  if (m.carrierDownCount !== undefined) w.u32(C.IFLA_CARRIER_DOWN_COUNT, m.carrierDownCount);
  if (m.master !== undefined) w.u32(C.IFLA_MASTER, m.master);
  if (m.link !== undefined) w.u32(C.IFLA_LINK, m.link);
  if (m.linkNetnsId !== undefined) w.s32(C.IFLA_LINK_NETNSID, m.linkNetnsId);
  if (m.mac !== undefined) w.bytes(C.IFLA_ADDRESS, macOf(m.mac));
  if (m.kind !== undefined || m.slaveKind !== undefined) {
    w.nest(C.IFLA_LINKINFO, (info) => {
      if (m.kind !== undefined) info.string(C.IFLA_INFO_KIND, m.kind);
      const { bridge, tun } = m;
      if (bridge) {
        info.nest(C.IFLA_INFO_DATA, (d) => {
          // One the decoder does not read: it is skipped.
          d.u32(C.IFLA_BR_HELLO_TIME, 200);
          if (bridge.forwardDelay !== undefined) d.u32(C.IFLA_BR_FORWARD_DELAY, bridge.forwardDelay);
          if (bridge.ageingTime !== undefined) d.u32(C.IFLA_BR_AGEING_TIME, bridge.ageingTime);
          if (bridge.vlanFiltering !== undefined) d.u8(C.IFLA_BR_VLAN_FILTERING, bridge.vlanFiltering ? 1 : 0);
          if (bridge.vlanProtocol !== undefined)
            d.bytes(C.IFLA_BR_VLAN_PROTOCOL, Buffer.from([bridge.vlanProtocol >> 8, bridge.vlanProtocol & 0xff]));
          if (bridge.defaultPvid !== undefined)
            d.bytes(C.IFLA_BR_VLAN_DEFAULT_PVID, Buffer.from(Uint16Array.of(bridge.defaultPvid).buffer));
          if (bridge.bridgeId) d.bytes(C.IFLA_BR_BRIDGE_ID, bridgeIdBytes(bridge.bridgeId));
          if (bridge.rootId) d.bytes(C.IFLA_BR_ROOT_ID, bridgeIdBytes(bridge.rootId));
          if (bridge.stpState !== undefined) d.u32(C.IFLA_BR_STP_STATE, bridge.stpState);
          if (bridge.priority !== undefined)
            d.bytes(C.IFLA_BR_PRIORITY, Buffer.from(Uint16Array.of(bridge.priority).buffer));
        });
      }
      if (tun) {
        info.nest(C.IFLA_INFO_DATA, (d) => {
          d.u8(C.IFLA_TUN_TYPE, tun.mode === 'tun' ? C.IFF_TUN : C.IFF_TAP);
          d.u8(C.IFLA_TUN_PERSIST, tun.persist ? 1 : 0);
          if (tun.queues !== undefined) d.u32(C.IFLA_TUN_NUM_QUEUES, tun.queues);
        });
      }
      if (m.slaveKind !== undefined) info.string(C.IFLA_INFO_SLAVE_KIND, m.slaveKind);
    });
  }
  return Buffer.from(w.finish(1).subarray(NLMSG_HDRLEN));
}

export const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });

/** Drops the keys whose value is undefined: the decoder leaves absent attributes out. */
const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const bridgeInfo: fc.Arbitrary<BridgeInfo> = fc
  .record({
    bridgeId: optional(bridgeId),
    rootId: optional(bridgeId),
    stpState: optional(u32),
    priority: optional(u16),
    forwardDelay: optional(u32),
    ageingTime: optional(u32),
    vlanFiltering: optional(fc.boolean()),
    vlanProtocol: optional(u16),
    defaultPvid: optional(u16),
  })
  .map(defined);

const tunInfo: fc.Arbitrary<TunInfo> = fc
  .record({ mode: fc.constantFrom('tun' as const, 'tap' as const), persist: fc.boolean(), queues: optional(u32) })
  .map(defined);

/** Any link message the kernel could send: the device's own (AF_UNSPEC) or a bridge port's (AF_BRIDGE). */
export const linkMessage: fc.Arbitrary<LinkMessage> = fc
  .record({
    family: fc.constantFrom(C.AF_UNSPEC, C.AF_BRIDGE),
    type: u16,
    index: s32,
    flags: u32,
    name: text(15),
    mtu: optional(u32),
    minMtu: optional(u32),
    maxMtu: optional(u32),
    txQueueLen: optional(u32),
    // The kernel sends IFLA_IFALIAS only when an alias is set (IFALIASZ - 1 bytes at most).
    alias: optional(text(64, 1)),
    altNames: optional(fc.array(text(127, 1), { minLength: 1, maxLength: 3 })),
    stats: optional(
      fc.record(
        Object.fromEntries(
          LINK_STATS_FIELDS.map((f) => [f, fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })]),
        ) as Record<keyof LinkStats, fc.Arbitrary<number>>,
      ),
    ),
    mac: optional(mac),
    operstate: optional(u8),
    carrier: optional(fc.boolean()),
    carrierChanges: optional(u32),
    carrierUpCount: optional(u32),
    carrierDownCount: optional(u32),
    master: optional(u32),
    link: optional(u32),
    linkNetnsId: optional(s32),
    slaveKind: optional(text(16, 1)),
    kindInfo: fc.oneof(
      fc.constant({}),
      fc.record({ kind: text(16, 1).filter((k) => k !== 'bridge' && k !== 'tun') }),
      fc.record({ kind: fc.constant('bridge'), bridge: optional(bridgeInfo) }),
      fc.record({ kind: fc.constant('tun'), tun: optional(tunInfo) }),
    ),
  })
  .map(({ kindInfo, ...rest }) => defined({ ...rest, ...kindInfo }) as LinkMessage);

/** An address message with the raw address bytes it carries (the decoded text is checked by parsing it back). */
export interface AddrCase {
  message: Omit<AddrMessage, 'address'>;
  raw: Buffer;
  /** IPv4 point-to-point: the peer, sent as IFA_ADDRESS beside IFA_LOCAL. */
  peer: Buffer | undefined;
  /** Whether the kernel sent IFA_FLAGS (all 32 bits) or only ifa_flags (the low 8). */
  flagsAttr: boolean;
}

export const addrCase: fc.Arbitrary<AddrCase> = fc.constantFrom(4 as const, 6 as const).chain((family) => {
  const bytes = fc
    .uint8Array({ minLength: family === 4 ? 4 : 16, maxLength: family === 4 ? 4 : 16 })
    .map((b) => Buffer.from(b));
  return fc
    .record({
      family: fc.constant(family),
      index: u32,
      prefixLength: fc.integer({ min: 0, max: family === 4 ? 32 : 128 }),
      scope: u8,
      flagsAttr: fc.boolean(),
      flags: u32,
      label: optional(text(15, 1)),
      raw: bytes,
      peer: family === 4 ? optional(bytes) : fc.constant(undefined),
    })
    .map(({ raw, peer, flagsAttr, flags, ...m }) => ({
      message: defined({ ...m, flags: flagsAttr ? flags : flags & 0xff }),
      raw,
      peer,
      flagsAttr,
    }));
});

/** The payload of an RTM_NEWADDR the kernel would send for c. */
export function encodeAddrMessage(c: AddrCase): Buffer {
  const { message: m } = c;
  const header = Buffer.alloc(8);
  header.writeUInt8(m.family === 4 ? C.AF_INET : C.AF_INET6, 0);
  header.writeUInt8(m.prefixLength, 1);
  header.writeUInt8(m.flags & 0xff, 2);
  header.writeUInt8(m.scope, 3);
  header.writeUInt32LE(m.index, 4);
  const w = new MessageWriter(C.RTM_NEWADDR, 0).header(header);
  // IPv4: IFA_ADDRESS is the peer on point-to-point links, else the address itself; IPv6 sends IFA_ADDRESS only.
  w.bytes(C.IFA_ADDRESS, c.peer ?? c.raw);
  if (m.family === 4) w.bytes(C.IFA_LOCAL, c.raw);
  if (m.label !== undefined) w.string(C.IFA_LABEL, m.label);
  if (c.flagsAttr) w.u32(C.IFA_FLAGS, m.flags);
  return Buffer.from(w.finish(1).subarray(NLMSG_HDRLEN));
}

/** A route message with the raw bytes of its addresses (the decoded text is checked by parsing it back). */
export interface RouteCase {
  message: Omit<RouteMessage, 'dst' | 'gateway' | 'prefsrc' | 'nexthops'>;
  dst: Buffer | undefined;
  gateway: Buffer | undefined;
  prefsrc: Buffer | undefined;
  nexthops: Array<{ index: number; weight: number; flags: number; gateway: Buffer | undefined }> | undefined;
  /** Whether the kernel sent RTA_TABLE (it always does; a table above 255 cannot do without). */
  tableAttr: boolean;
}

export const routeCase: fc.Arbitrary<RouteCase> = fc.constantFrom(4 as const, 6 as const).chain((family) => {
  const bytes = fc
    .uint8Array({ minLength: family === 4 ? 4 : 16, maxLength: family === 4 ? 4 : 16 })
    .map((b) => Buffer.from(b));
  const hop = fc.record({ index: s32, weight: fc.integer({ min: 1, max: 256 }), flags: u8, gateway: optional(bytes) });
  return fc
    .record({
      family: fc.constant(family),
      dstLength: fc.integer({ min: 0, max: family === 4 ? 32 : 128 }),
      srcLength: u8,
      tos: u8,
      table: u32,
      protocol: u8,
      scope: u8,
      type: u8,
      flags: u32,
      index: optional(u32),
      inputIndex: optional(u32),
      priority: optional(u32),
      mtu: optional(u32),
      mark: optional(u32),
      tableAttr: fc.boolean(),
      dst: optional(bytes),
      gateway: optional(bytes),
      prefsrc: optional(bytes),
      nexthops: optional(fc.array(hop, { minLength: 1, maxLength: 4 })),
    })
    .map(({ tableAttr, dst, gateway, prefsrc, nexthops, ...m }) => ({
      // Without RTA_TABLE the table is rtm_table's one byte.
      message: defined({ ...m, table: tableAttr || m.table > 255 ? m.table : m.table & 0xff }),
      tableAttr: tableAttr || m.table > 255,
      dst,
      gateway,
      prefsrc,
      nexthops,
    }));
});

/** The payload of an RTM_NEWROUTE the kernel would send for c (fib_dump_info, rt6_fill_node). */
export function encodeRouteMessage(c: RouteCase): Buffer {
  const { message: m } = c;
  const header = Buffer.alloc(12);
  header.writeUInt8(m.family === 4 ? C.AF_INET : C.AF_INET6, 0);
  header.writeUInt8(m.dstLength, 1);
  header.writeUInt8(m.srcLength, 2);
  header.writeUInt8(m.tos, 3);
  header.writeUInt8(m.table > 255 ? C.RT_TABLE_COMPAT : m.table, 4);
  header.writeUInt8(m.protocol, 5);
  header.writeUInt8(m.scope, 6);
  header.writeUInt8(m.type, 7);
  header.writeUInt32LE(m.flags, 8);
  const w = new MessageWriter(C.RTM_NEWROUTE, 0).header(header);
  if (c.tableAttr) w.u32(C.RTA_TABLE, m.table);
  if (c.dst) w.bytes(C.RTA_DST, c.dst);
  if (m.priority !== undefined) w.u32(C.RTA_PRIORITY, m.priority);
  if (c.prefsrc) w.bytes(C.RTA_PREFSRC, c.prefsrc);
  if (m.mtu !== undefined) w.nest(C.RTA_METRICS, (x) => x.u32(C.RTAX_MTU, m.mtu!));
  if (c.gateway) w.bytes(C.RTA_GATEWAY, c.gateway);
  if (m.index !== undefined) w.u32(C.RTA_OIF, m.index);
  if (m.inputIndex !== undefined) w.u32(C.RTA_IIF, m.inputIndex);
  if (m.mark !== undefined) w.u32(C.RTA_MARK, m.mark);
  if (c.nexthops) {
    // struct rtnexthop: len (u16), flags, hops (weight - 1), ifindex (s32); then the hop's RTA_GATEWAY.
    const hops = c.nexthops.map((h) => {
      const gw = h.gateway ? Buffer.alloc(4 + h.gateway.length) : Buffer.alloc(0);
      if (h.gateway) {
        gw.writeUInt16LE(4 + h.gateway.length, 0);
        gw.writeUInt16LE(C.RTA_GATEWAY, 2);
        h.gateway.copy(gw, 4);
      }
      const head = Buffer.alloc(8);
      head.writeUInt16LE(8 + gw.length, 0);
      head.writeUInt8(h.flags, 2);
      head.writeUInt8(h.weight - 1, 3);
      head.writeInt32LE(h.index, 4);
      return Buffer.concat([head, gw]);
    });
    w.bytes(C.RTA_MULTIPATH, Buffer.concat(hops));
  }
  return Buffer.from(w.finish(1).subarray(NLMSG_HDRLEN));
}

const ipOf = (family: 4 | 6): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ minLength: family === 4 ? 4 : 16, maxLength: family === 4 ? 4 : 16 }).map((b) => Buffer.from(b));

/** A neighbour message with the raw address bytes it carries (the decoded text is checked by parsing it back). */
export interface NeighCase {
  message: Omit<NeighMessage, 'address'>;
  raw: Buffer;
}

export const neighCase: fc.Arbitrary<NeighCase> = fc.constantFrom(4 as const, 6 as const).chain((family) =>
  fc
    .record({
      family: fc.constant(family),
      index: s32,
      state: u16,
      flags: u8,
      lladdr: optional(mac),
      probes: optional(u32),
      raw: ipOf(family),
    })
    .map(({ raw, ...message }) => ({ message, raw })),
);

/** The payload of an RTM_NEWNEIGH the kernel would send for c (struct ndmsg, neighbour.h). */
export function encodeNeighMessage({ message: m, raw }: NeighCase): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt8(m.family === 4 ? C.AF_INET : C.AF_INET6, 0);
  header.writeInt32LE(m.index, 4);
  header.writeUInt16LE(m.state, 8);
  header.writeUInt8(m.flags, 10);
  const w = new MessageWriter(C.RTM_NEWNEIGH, 0).header(header).bytes(C.NDA_DST, raw);
  if (m.lladdr !== undefined) w.bytes(C.NDA_LLADDR, macOf(m.lladdr));
  if (m.probes !== undefined) w.u32(C.NDA_PROBES, m.probes);
  return Buffer.from(w.finish(1).subarray(NLMSG_HDRLEN));
}

/** A rule message with the raw prefix bytes it carries. */
export interface RuleCase {
  message: Omit<RuleMessage, 'from' | 'to'> & {
    from: { prefixLength: number } | undefined;
    to: { prefixLength: number } | undefined;
  };
  src: Buffer | undefined;
  dst: Buffer | undefined;
}

export const ruleCase: fc.Arbitrary<RuleCase> = fc.constantFrom(4 as const, 6 as const).chain((family) => {
  const length = fc.integer({ min: 0, max: family === 4 ? 32 : 128 });
  const prefix = optional(fc.tuple(ipOf(family), length));
  const name = optional(text(15, 1));
  return fc
    .record({
      family: fc.constant(family),
      priority: u32,
      src: prefix,
      dst: prefix,
      fwmark: optional(u32),
      fwmask: optional(u32),
      iif: name,
      oif: name,
      table: u32,
      action: u8,
      goto: optional(u32),
    })
    .map(({ src, dst, ...m }) => ({
      message: {
        ...m,
        from: src && { prefixLength: src[1] },
        to: dst && { prefixLength: dst[1] },
      },
      src: src?.[0],
      dst: dst?.[0],
    }));
});

/** The payload of an RTM_NEWRULE the kernel would send for c (struct fib_rule_hdr, fib_rules.h). */
export function encodeRuleMessage({ message: m, src, dst }: RuleCase): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt8(m.family === 4 ? C.AF_INET : C.AF_INET6, 0);
  header.writeUInt8(m.to?.prefixLength ?? 0, 1);
  header.writeUInt8(m.from?.prefixLength ?? 0, 2);
  // As the kernel does: the id in the byte when it fits, RT_TABLE_COMPAT (252) when not, and always FRA_TABLE.
  header.writeUInt8(m.table < 256 ? m.table : 252, 4);
  header.writeUInt8(m.action, 7);
  const w = new MessageWriter(C.RTM_NEWRULE, 0).header(header);
  // The kernel leaves FRA_PRIORITY out for priority 0.
  if (m.priority) w.u32(C.FRA_PRIORITY, m.priority);
  if (src) w.bytes(C.FRA_SRC, src);
  if (dst) w.bytes(C.FRA_DST, dst);
  if (m.fwmark !== undefined) w.u32(C.FRA_FWMARK, m.fwmark);
  if (m.fwmask !== undefined) w.u32(C.FRA_FWMASK, m.fwmask);
  if (m.iif !== undefined) w.string(C.FRA_IIFNAME, m.iif);
  if (m.oif !== undefined) w.string(C.FRA_OIFNAME, m.oif);
  w.u32(C.FRA_TABLE, m.table);
  if (m.goto !== undefined) w.u32(C.FRA_GOTO, m.goto);
  return Buffer.from(w.finish(1).subarray(NLMSG_HDRLEN));
}

/** An NLMSG_ERROR the kernel would send: errno (0 is an acknowledgement), the echoed request, extack TLVs. */
export interface AckCase {
  errno: number;
  extack: string | undefined;
  offset: number | undefined;
  /** NETLINK_CAP_ACK: only the request's header is echoed. */
  capped: boolean;
  request: Buffer;
}

export const ackCase: fc.Arbitrary<AckCase> = fc.record({
  errno: fc.integer({ min: 0, max: 4095 }),
  extack: optional(text(80, 1)),
  offset: optional(u32),
  capped: fc.boolean(),
  request: fc.uint8Array({ minLength: 0, maxLength: 64 }).map((body) => {
    const b = Buffer.alloc(NLMSG_HDRLEN + body.length);
    b.writeUInt32LE(b.length, 0);
    b.set(body, NLMSG_HDRLEN);
    return b;
  }),
});

/** The whole NLMSG_ERROR message (header included) for c. */
export function encodeAck(c: AckCase): Buffer {
  const tlvs = c.errno !== 0 && (c.extack !== undefined || c.offset !== undefined);
  const flags = (c.capped ? C.NLM_F_CAPPED : 0) | (tlvs ? C.NLM_F_ACK_TLVS : 0);
  const errno = Buffer.alloc(4);
  errno.writeInt32LE(-c.errno);
  const echoed = c.capped ? c.request.subarray(0, NLMSG_HDRLEN) : c.request;
  const w = new MessageWriter(C.NLMSG_ERROR, flags).header(Buffer.concat([errno, echoed]));
  if (tlvs && c.extack !== undefined) w.string(C.NLMSGERR_ATTR_MSG, c.extack);
  if (tlvs && c.offset !== undefined) w.u32(C.NLMSGERR_ATTR_OFFS, c.offset);
  return Buffer.from(w.finish(7));
}
