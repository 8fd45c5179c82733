// The netlink wire format: nlmsghdr framing and type-length-value attributes, nested or not.
// Pure functions over bytes (host byte order, as netlink is), kept apart from sockets so that
// the unit tests can check them against golden bytes.
import { AF_INET, AF_INET6, NLA_F_NESTED, NLA_TYPE_MASK } from '../sys/constants.ts';
import { MalformedMessageError } from '../errors.ts';

export const NLMSG_HDRLEN = 16;
const NLA_HDRLEN = 4;

export const align4 = (n: number): number => (n + 3) & ~3;

/** Builds one netlink message: header, fixed family header, then attributes. */
export class MessageWriter {
  private buf: Buffer;
  private len = NLMSG_HDRLEN;
  private readonly nests: number[] = [];

  constructor(type: number, flags: number, capacity = 256) {
    // The header is written at once, so the buffer holds at least that. From Node's shared pool,
    // zeroed (padding and nlmsg_pid are never written): Buffer.alloc() makes an ArrayBuffer per
    // message, which in a batch of 10,000 routes cost more than everything else the builder does.
    this.buf = Buffer.allocUnsafe(Math.max(capacity, NLMSG_HDRLEN)).fill(0);
    this.buf.writeUInt16LE(type, 4);
    this.buf.writeUInt16LE(flags, 6);
  }

  private reserve(n: number): number {
    const at = this.len;
    const need = at + align4(n);
    if (need > this.buf.length) {
      const grown = Buffer.alloc(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    this.len = need;
    return at;
  }

  /** The fixed header after nlmsghdr (ifinfomsg, ifaddrmsg): raw bytes, padded. */
  header(bytes: Uint8Array): this {
    const at = this.reserve(bytes.length);
    this.buf.set(bytes, at);
    return this;
  }

  /** An attribute's header for a payload of len bytes; returns where the payload goes. */
  private attr(type: number, len: number): number {
    const at = this.reserve(NLA_HDRLEN + len);
    this.buf.writeUInt16LE(NLA_HDRLEN + len, at);
    this.buf.writeUInt16LE(type, at + 2);
    return at + NLA_HDRLEN;
  }

  // Each reserves first, then reads this.buf: reserving may have replaced it with a larger one.

  bytes(type: number, data: Uint8Array): this {
    const at = this.attr(type, data.length);
    this.buf.set(data, at);
    return this;
  }

  u8(type: number, value: number): this {
    const at = this.attr(type, 1);
    this.buf.writeUInt8(value, at);
    return this;
  }

  u16(type: number, value: number): this {
    const at = this.attr(type, 2);
    this.buf.writeUInt16LE(value, at);
    return this;
  }

  /** A 16-bit value in network byte order: ports, Ethernet protocol numbers. */
  be16(type: number, value: number): this {
    const at = this.attr(type, 2);
    this.buf.writeUInt16BE(value, at);
    return this;
  }

  u32(type: number, value: number): this {
    const at = this.attr(type, 4);
    this.buf.writeUInt32LE(value >>> 0, at);
    return this;
  }

  s32(type: number, value: number): this {
    const at = this.attr(type, 4);
    this.buf.writeInt32LE(value, at);
    return this;
  }

  /** A NUL-terminated string, as the kernel's NLA_STRING/NLA_NUL_STRING policies expect. */
  string(type: number, value: string): this {
    return this.bytes(type, Buffer.from(`${value}\0`, 'utf8'));
  }

  /**
   * A nested attribute: everything written inside fn becomes its payload. flagged: false leaves
   * NLA_F_NESTED off, as iproute2 sends the nests the kernel walks without a policy (IFLA_AF_SPEC).
   */
  nest(type: number, fn: (w: this) => void, { flagged = true }: { flagged?: boolean } = {}): this {
    const at = this.reserve(NLA_HDRLEN);
    this.buf.writeUInt16LE(flagged ? type | NLA_F_NESTED : type, at + 2);
    this.nests.push(at);
    fn(this);
    this.nests.pop();
    this.buf.writeUInt16LE(this.len - at, at);
    return this;
  }

  /** The nlmsghdr flags the message was built with. */
  get flags(): number {
    return this.buf.readUInt16LE(6);
  }

  /** The finished message with its length and sequence number filled in. */
  finish(seq: number): Buffer {
    this.buf.writeUInt32LE(this.len, 0);
    this.buf.writeUInt32LE(seq >>> 0, 8);
    return this.buf.subarray(0, this.len);
  }
}

export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  /** Everything after the 16-byte header. */
  payload: Buffer;
}

/** Splits a datagram into its netlink messages; a truncated tail is an error, not data. */
export function parseMessages(buf: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  let at = 0;
  while (at + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(at);
    if (len < NLMSG_HDRLEN || at + len > buf.length) throw new MalformedMessageError(`length ${len}`, at, buf.length);
    out.push({
      type: buf.readUInt16LE(at + 4),
      flags: buf.readUInt16LE(at + 6),
      seq: buf.readUInt32LE(at + 8),
      pid: buf.readUInt32LE(at + 12),
      payload: buf.subarray(at + NLMSG_HDRLEN, at + len),
    });
    at += align4(len);
  }
  if (at < buf.length) throw new MalformedMessageError(`${buf.length - at} trailing bytes`, at, buf.length);
  return out;
}

/** Attributes by type (flags masked off); a repeated type keeps the last value, as the kernel's nla_parse does. */
export type Attrs = Map<number, Buffer>;

/**
 * only: the attribute types the caller reads. A link message carries ~60 attributes and a
 * Buffer view per attribute is most of the decoding cost, so the others are skipped.
 */
export function parseAttrs(buf: Buffer, offset = 0, only?: ReadonlySet<number>): Attrs {
  // offset is where the fixed header before the attributes ends: a message shorter than that is cut.
  if (offset > buf.length) throw new MalformedMessageError(`a ${offset}-byte fixed header`, 0, buf.length);
  const attrs: Attrs = new Map();
  walkAttrs(buf, offset, (type, start, end) => {
    if (!only || only.has(type)) attrs.set(type, buf.subarray(start, end));
  });
  return attrs;
}

/** Visits each attribute from offset: its type (flags masked off) and where its payload starts and ends. */
function walkAttrs(buf: Buffer, offset: number, visit: (type: number, start: number, end: number) => void): void {
  let at = offset;
  while (at + NLA_HDRLEN <= buf.length) {
    const len = buf.readUInt16LE(at);
    if (len < NLA_HDRLEN || at + len > buf.length) break;
    visit(buf.readUInt16LE(at + 2) & NLA_TYPE_MASK, at + NLA_HDRLEN, at + len);
    at += align4(len);
  }
}

/** Every attribute of one type, in order: for lists the kernel sends as repeated attributes (IFLA_PROP_LIST's names). */
export function parseAttrList(buf: Buffer, type: number): Buffer[] {
  const out: Buffer[] = [];
  walkAttrs(buf, 0, (t, start, end) => {
    if (t === type) out.push(buf.subarray(start, end));
  });
  return out;
}

/** An attribute's payload, checked to hold a value of `size` bytes. */
function sized(a: Attrs, t: number, size: number): Buffer | undefined {
  const b = a.get(t);
  if (b && b.length < size) {
    throw new MalformedMessageError(`attribute ${t} of ${b.length} bytes, read as a ${size}-byte value,`, 0, b.length);
  }
  return b;
}

export const attrU8 = (a: Attrs, t: number): number | undefined => sized(a, t, 1)?.readUInt8(0);
export const attrU16 = (a: Attrs, t: number): number | undefined => sized(a, t, 2)?.readUInt16LE(0);
export const attrBe16 = (a: Attrs, t: number): number | undefined => sized(a, t, 2)?.readUInt16BE(0);
export const attrU32 = (a: Attrs, t: number): number | undefined => sized(a, t, 4)?.readUInt32LE(0);
export const attrS32 = (a: Attrs, t: number): number | undefined => sized(a, t, 4)?.readInt32LE(0);
export const attrNested = (a: Attrs, t: number, only?: ReadonlySet<number>): Attrs | undefined => {
  const b = a.get(t);
  return b ? parseAttrs(b, 0, only) : undefined;
};
export const attrString = (a: Attrs, t: number): string | undefined => {
  const b = a.get(t);
  return b ? cString(b) : undefined;
};

/** A string attribute's text, up to its NUL (the kernel sends some without one, IFLA_IFALIAS). */
export const cString = (b: Buffer): string => {
  const nul = b.indexOf(0);
  return b.toString('utf8', 0, nul < 0 ? b.length : nul);
};

/**
 * 4 or 6 for an rtnetlink message whose fixed header starts with an AF_INET or AF_INET6 family
 * byte (ndmsg, fib_rule_hdr, ...), undefined for any other family. Notification groups mix
 * families (a bridge's FDB on RTNLGRP_NEIGH, multicast routing rules on RTNLGRP_IPV4_RULE).
 */
export function ipFamilyOf(payload: Buffer): 4 | 6 | undefined {
  const family = payload.length ? payload.readUInt8(0) : undefined;
  return family === AF_INET ? 4 : family === AF_INET6 ? 6 : undefined;
}
