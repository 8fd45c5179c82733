// RTM_*NEIGH messages: struct ndmsg followed by NDA_* attributes (include/uapi/linux/neighbour.h).
import * as C from '../sys/constants.ts';
import { attrU16, attrU32, ipFamilyOf, parseAttrs } from './codec.ts';
import { MalformedMessageError } from '../errors.ts';
import { formatIp } from '../values/ip.ts';
import { formatMac } from '../values/mac.ts';

export const NDMSG_LEN = 12;

export interface Ndmsg {
  family: number;
  index: number;
  /** NUD_* bits. */
  state?: number;
  /** NTF_* bits. */
  flags?: number;
}

/** family, pad1, pad2 (u16), ifindex (s32), state (u16), flags, type: the kernel fills ndm_type itself. */
export function encodeNdmsg({ family, index, state = 0, flags = 0 }: Ndmsg): Buffer {
  const b = Buffer.alloc(NDMSG_LEN);
  b.writeUInt8(family, 0);
  b.writeInt32LE(index, 4);
  b.writeUInt16LE(state, 8);
  b.writeUInt8(flags, 10);
  return b;
}

/** A neighbour entry (or proxy entry) as the kernel reports it, without interpretation. */
export interface NeighMessage {
  family: 4 | 6;
  /** The device's ifindex (0 for a proxy entry of no device). */
  index: number;
  /** ndm_state: one NUD_* value (NUD_NONE for proxy entries). */
  state: number;
  /** ndm_flags: NTF_* bits (NTF_ROUTER, NTF_PROXY, ...). */
  flags: number;
  /** NDA_DST: the neighbour's IP address. */
  address: string;
  /** NDA_LLADDR as colon-separated hex, when the entry has one (incomplete and proxy entries do not). */
  lladdr: string | undefined;
  /** NDA_PROBES: the solicitations sent since the entry was last confirmed, when reported. */
  probes: number | undefined;
}

const ADDRESS_BYTES = { 4: 4, 6: 16 } as const;

function malformed(what: string, payload: Buffer): never {
  throw new MalformedMessageError(what, 0, payload.length);
}

/** struct ndmsg's fields, from a message checked to hold one. */
function decodeNdmsg(payload: Buffer, what: string): { index: number; state: number; flags: number } {
  if (payload.length < NDMSG_LEN) {
    malformed(`${what} of ${payload.length} bytes, shorter than struct ndmsg (${NDMSG_LEN})`, payload);
  }
  return { index: payload.readInt32LE(4), state: payload.readUInt16LE(8), flags: payload.readUInt8(10) };
}

export function decodeNeigh(payload: Buffer): NeighMessage {
  const header = decodeNdmsg(payload, 'a neighbour message');
  const family = ipFamilyOf(payload);
  if (!family) {
    malformed(
      `a neighbour of family ${payload.readUInt8(0)}; nslab reads AF_INET (${C.AF_INET}) and AF_INET6 (${C.AF_INET6}) neighbours`,
      payload,
    );
  }
  const a = parseAttrs(payload, NDMSG_LEN);
  const dst = a.get(C.NDA_DST);
  if (!dst || dst.length !== ADDRESS_BYTES[family]) {
    malformed(
      `an IPv${family} neighbour whose NDA_DST has ${dst ? `${dst.length} bytes` : 'no bytes'} (expected ${ADDRESS_BYTES[family]})`,
      payload,
    );
  }
  const lladdr = a.get(C.NDA_LLADDR);
  return {
    family,
    ...header,
    address: formatIp(dst),
    lladdr: lladdr?.length ? formatMac(lladdr) : undefined,
    probes: attrU32(a, C.NDA_PROBES),
  };
}

/** An entry of a bridge's forwarding database (family AF_BRIDGE), as the kernel reports it. */
export interface FdbMessage {
  /** ndm_ifindex: the port the MAC is behind, or the bridge itself for its own addresses. */
  index: number;
  /** ndm_state: NUD_PERMANENT (local), NUD_NOARP (static), NUD_REACHABLE or NUD_STALE (learned or dynamic). */
  state: number;
  /** ndm_flags: NTF_SELF for a device's own address list, NTF_EXT_LEARNED, ... */
  flags: number;
  /** NDA_LLADDR. */
  lladdr: string;
  /** NDA_VLAN: the VLAN the entry is for; undefined for an entry of no VLAN. */
  vlan: number | undefined;
  /** NDA_MASTER: the bridge whose database holds the entry; undefined for a device's own list (NTF_SELF). */
  master: number | undefined;
}

export function decodeFdb(payload: Buffer): FdbMessage {
  const header = decodeNdmsg(payload, 'an FDB entry');
  if (payload.readUInt8(0) !== C.AF_BRIDGE) {
    malformed(`an FDB entry of family ${payload.readUInt8(0)}, not AF_BRIDGE (${C.AF_BRIDGE})`, payload);
  }
  const a = parseAttrs(payload, NDMSG_LEN);
  const lladdr = a.get(C.NDA_LLADDR);
  if (lladdr?.length !== 6) {
    malformed(
      `an FDB entry whose NDA_LLADDR has ${lladdr ? `${lladdr.length} bytes` : 'no bytes'} (expected 6)`,
      payload,
    );
  }
  return {
    ...header,
    lladdr: formatMac(lladdr),
    vlan: attrU16(a, C.NDA_VLAN),
    master: attrU32(a, C.NDA_MASTER),
  };
}
