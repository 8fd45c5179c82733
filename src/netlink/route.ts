// RTM_*ROUTE messages: struct rtmsg followed by RTA_* attributes, with the metrics and the
// multipath next hops nested inside. Pure encoders and decoders, checked against golden bytes.
import * as C from '../sys/constants.ts';
import { attrU32, parseAttrs, type Attrs } from './codec.ts';
import { MalformedMessageError } from '../errors.ts';
import { formatIp } from '../values/ip.ts';

export const RTMSG_LEN = 12;
export const RTNEXTHOP_LEN = 8;
const RTA_HDRLEN = 4;

/** struct rtmsg: family, dst_len, src_len, tos, table (low byte), protocol, scope, type, flags. */
export interface Rtmsg {
  family: number;
  dstLength?: number;
  srcLength?: number;
  tos?: number;
  table?: number;
  protocol?: number;
  scope?: number;
  type?: number;
  flags?: number;
}

/**
 * rtm_table is one byte: a table id above 255 is written as RT_TABLE_COMPAT, as the kernel
 * itself reports it, and the whole id travels in RTA_TABLE.
 */
export const rtmTable = (table: number): number => (table < 256 ? table : C.RT_TABLE_COMPAT);

export function encodeRtmsg(m: Rtmsg): Buffer {
  const b = Buffer.alloc(RTMSG_LEN);
  b.writeUInt8(m.family, 0);
  b.writeUInt8(m.dstLength ?? 0, 1);
  b.writeUInt8(m.srcLength ?? 0, 2);
  b.writeUInt8(m.tos ?? 0, 3);
  b.writeUInt8(rtmTable(m.table ?? 0), 4);
  b.writeUInt8(m.protocol ?? 0, 5);
  b.writeUInt8(m.scope ?? 0, 6);
  b.writeUInt8(m.type ?? 0, 7);
  b.writeUInt32LE(m.flags ?? 0, 8);
  return b;
}

/** One next hop of a multipath route, as written in RTA_MULTIPATH. */
export interface NexthopSpec {
  /** The gateway's bytes (same family as the route), if the hop has one. */
  gateway?: Buffer | undefined;
  /** The output device's index. */
  index: number;
  /** 1 to 256: the kernel stores weight - 1 in rtnh_hops. */
  weight: number;
}

const rta = (type: number, data: Buffer): Buffer => {
  const b = Buffer.alloc((RTA_HDRLEN + data.length + 3) & ~3);
  b.writeUInt16LE(RTA_HDRLEN + data.length, 0);
  b.writeUInt16LE(type, 2);
  data.copy(b, RTA_HDRLEN);
  return b;
};

/**
 * The payload of RTA_MULTIPATH: a struct rtnexthop per hop (length, flags, hops = weight - 1,
 * ifindex), each followed by its own RTA_GATEWAY. Not a nest of attributes but an array of
 * structs, so it is written without NLA_F_NESTED, as iproute2 does.
 */
export function encodeMultipath(hops: readonly NexthopSpec[]): Buffer {
  return Buffer.concat(
    hops.map((h) => {
      const gateway = h.gateway ? rta(C.RTA_GATEWAY, h.gateway) : Buffer.alloc(0);
      const head = Buffer.alloc(RTNEXTHOP_LEN);
      head.writeUInt16LE(RTNEXTHOP_LEN + gateway.length, 0);
      head.writeUInt8(0, 2);
      head.writeUInt8(h.weight - 1, 3);
      head.writeInt32LE(h.index, 4);
      return Buffer.concat([head, gateway]);
    }),
  );
}

/** The RTA_METRICS payload with RTAX_MTU (written without NLA_F_NESTED, as iproute2 does). */
export const encodeMtuMetric = (mtu: number): Buffer => {
  const v = Buffer.alloc(4);
  v.writeUInt32LE(mtu);
  return rta(C.RTAX_MTU, v);
};

/** One next hop of a multipath route as the kernel reports it. */
export interface NexthopMessage {
  index: number;
  /** 1 to 256 (rtnh_hops + 1). */
  weight: number;
  flags: number;
  gateway?: string;
}

/** A route as the kernel reports it: the rtmsg fields and the attributes nslab reads. */
export interface RouteMessage {
  family: 4 | 6;
  /** The destination prefix's address; undefined for a default route (dst_len 0, no RTA_DST). */
  dst?: string;
  dstLength: number;
  srcLength: number;
  tos: number;
  /** The whole table id (RTA_TABLE when present, else rtm_table). */
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
  gateway?: string;
  /** RTA_OIF: the output device's index. */
  index?: number;
  /** RTA_IIF: the input device's index (lookups with an input interface). */
  inputIndex?: number;
  prefsrc?: string;
  /** RTA_PRIORITY, the metric. */
  priority?: number;
  /** RTAX_MTU, when the route locks one. */
  mtu?: number;
  /** RTA_MARK, in a lookup's answer. */
  mark?: number;
  nexthops?: NexthopMessage[];
}

const FAMILIES: Record<number, 4 | 6> = { [C.AF_INET]: 4, [C.AF_INET6]: 6 };
const ADDRESS_BYTES = { 4: 4, 6: 16 } as const;

function malformed(what: string, payload: Buffer): never {
  throw new MalformedMessageError(what, 0, payload.length);
}

function addressOf(a: Attrs, type: number, family: 4 | 6, payload: Buffer): string | undefined {
  const raw = a.get(type);
  if (!raw) return undefined;
  if (raw.length !== ADDRESS_BYTES[family])
    malformed(`an IPv${family} address of ${raw.length} bytes in attribute ${type}`, payload);
  return formatIp(raw);
}

function decodeNexthops(raw: Buffer, family: 4 | 6, payload: Buffer): NexthopMessage[] {
  const hops: NexthopMessage[] = [];
  let at = 0;
  while (at + RTNEXTHOP_LEN <= raw.length) {
    const len = raw.readUInt16LE(at);
    if (len < RTNEXTHOP_LEN || at + len > raw.length)
      malformed(`a next hop of ${len} bytes in ${raw.length} bytes of RTA_MULTIPATH`, payload);
    const attrs = parseAttrs(raw.subarray(at, at + len), RTNEXTHOP_LEN);
    hops.push({
      index: raw.readInt32LE(at + 4),
      weight: raw.readUInt8(at + 3) + 1,
      flags: raw.readUInt8(at + 2),
      gateway: addressOf(attrs, C.RTA_GATEWAY, family, payload),
    });
    at += (len + 3) & ~3;
  }
  return hops;
}

export function decodeRoute(payload: Buffer): RouteMessage {
  if (payload.length < RTMSG_LEN)
    malformed(`a route message of ${payload.length} bytes, shorter than struct rtmsg (${RTMSG_LEN})`, payload);
  const rtmFamily = payload.readUInt8(0);
  const family = FAMILIES[rtmFamily];
  if (!family)
    malformed(
      `a route of family ${rtmFamily}; nslab reads AF_INET (${C.AF_INET}) and AF_INET6 (${C.AF_INET6}) routes`,
      payload,
    );
  const a = parseAttrs(payload, RTMSG_LEN);
  const metrics = a.get(C.RTA_METRICS);
  const multipath = a.get(C.RTA_MULTIPATH);
  return {
    family,
    dst: addressOf(a, C.RTA_DST, family, payload),
    dstLength: payload.readUInt8(1),
    srcLength: payload.readUInt8(2),
    tos: payload.readUInt8(3),
    table: attrU32(a, C.RTA_TABLE) ?? payload.readUInt8(4),
    protocol: payload.readUInt8(5),
    scope: payload.readUInt8(6),
    type: payload.readUInt8(7),
    flags: payload.readUInt32LE(8),
    gateway: addressOf(a, C.RTA_GATEWAY, family, payload),
    index: attrU32(a, C.RTA_OIF),
    inputIndex: attrU32(a, C.RTA_IIF),
    prefsrc: addressOf(a, C.RTA_PREFSRC, family, payload),
    priority: attrU32(a, C.RTA_PRIORITY),
    mtu: metrics ? attrU32(parseAttrs(metrics), C.RTAX_MTU) : undefined,
    mark: attrU32(a, C.RTA_MARK),
    nexthops: multipath ? decodeNexthops(multipath, family, payload) : undefined,
  };
}
