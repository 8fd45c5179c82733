// IPv4 and IPv6 headers, and where their upper-layer payload starts. IPv6 extension headers
// (hop-by-hop, as MLD has; routing; destination options; fragment) are walked to the protocol.
import { formatIp } from '../values/ip.ts';
import type { Ipv4Header, Ipv6Header } from './layers.ts';

export interface IpPacket<H> {
  header: H;
  /** The upper-layer protocol number. */
  protocol: number;
  /** The upper-layer bytes, or undefined for a fragment other than the first (no header there). */
  payload: Buffer | undefined;
}

export function decodeIpv4(b: Buffer): IpPacket<Ipv4Header> | undefined {
  const ihl = ((b[0] ?? 0) & 0xf) * 4;
  if (b.length < 20 || b[0]! >> 4 !== 4 || ihl < 20 || b.length < ihl) return undefined;
  const frag = b.readUInt16BE(6);
  const header: Ipv4Header = {
    src: formatIp(b.subarray(12, 16)),
    dst: formatIp(b.subarray(16, 20)),
    protocol: b[9]!,
    ttl: b[8]!,
    length: b.readUInt16BE(2),
    id: b.readUInt16BE(4),
    tos: b[1]!,
    fragmentOffset: (frag & 0x1fff) * 8,
    moreFragments: (frag & 0x2000) !== 0,
  };
  // The total length bounds the payload: Ethernet pads short frames to 60 bytes.
  const end = Math.min(b.length, Math.max(header.length, ihl));
  return { header, protocol: header.protocol, payload: header.fragmentOffset ? undefined : b.subarray(ihl, end) };
}

const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const DEST_OPTS = 60;
/** Extension headers a packet may carry before its protocol; more is not a packet to walk on. */
const MAX_EXTENSIONS = 8;

export function decodeIpv6(b: Buffer): IpPacket<Ipv6Header> | undefined {
  if (b.length < 40 || b[0]! >> 4 !== 6) return undefined;
  const word = b.readUInt32BE(0);
  const length = b.readUInt16BE(4);
  let next = b[6]!;
  let at = 40;
  const end = Math.min(b.length, 40 + length);
  let later = false;
  for (let i = 0; i < MAX_EXTENSIONS && [HOP_BY_HOP, ROUTING, FRAGMENT, DEST_OPTS].includes(next); i++) {
    if (end < at + 8) return undefined;
    if (next === FRAGMENT) later ||= (b.readUInt16BE(at + 2) & 0xfff8) !== 0;
    const size = next === FRAGMENT ? 8 : (b[at + 1]! + 1) * 8;
    next = b[at]!;
    at += size;
  }
  const header: Ipv6Header = {
    src: formatIp(b.subarray(8, 24)),
    dst: formatIp(b.subarray(24, 40)),
    nextHeader: next,
    hopLimit: b[7]!,
    length,
    trafficClass: (word >>> 20) & 0xff,
    flowLabel: word & 0xfffff,
  };
  return { header, protocol: next, payload: later || at > end ? undefined : b.subarray(at, end) };
}
