// ICMP for IPv4 and ICMPv6, with Neighbour Discovery (RFC 4861): the target of NS, NA and
// redirects, the NA flags, and the link-layer address options.
import { formatIp } from '../values/ip.ts';
import { formatMac } from '../values/mac.ts';
import type { IcmpHeader, Icmpv6Header } from './layers.ts';

const ICMP_NAMES: Record<number, string> = {
  0: 'echo-reply',
  3: 'dest-unreachable',
  5: 'redirect',
  8: 'echo-request',
  11: 'time-exceeded',
};
const ICMP_ECHO = [0, 8];

const ICMPV6_NAMES: Record<number, string> = {
  1: 'dest-unreachable',
  2: 'packet-too-big',
  3: 'time-exceeded',
  128: 'echo-request',
  129: 'echo-reply',
  130: 'mld-query',
  131: 'mld-report',
  133: 'router-solicitation',
  134: 'router-advertisement',
  135: 'neighbor-solicitation',
  136: 'neighbor-advertisement',
  137: 'redirect',
  143: 'mld2-report',
};
const ICMPV6_ECHO = [128, 129];
const NS = 135;
const NA = 136;
const REDIRECT = 137;
/** Where ND options start after the 4-byte ICMPv6 header, by type. */
const ND_OPTIONS_AT: Record<number, number> = { 133: 8, 134: 16, [NS]: 24, [NA]: 24, [REDIRECT]: 40 };
const OPT_SOURCE_LLADDR = 1;
const OPT_TARGET_LLADDR = 2;

function common(b: Buffer, names: Record<number, string>, echo: number[]): IcmpHeader {
  const type = b[0]!;
  const header: IcmpHeader = { type, code: b[1]! };
  if (names[type]) header.name = names[type];
  if (echo.includes(type) && b.length >= 8) {
    header.id = b.readUInt16BE(4);
    header.seq = b.readUInt16BE(6);
  }
  return header;
}

export function decodeIcmp(b: Buffer): IcmpHeader | undefined {
  return b.length < 4 ? undefined : common(b, ICMP_NAMES, ICMP_ECHO);
}

/** The ND options, each a type, a length in units of 8 bytes, and a value. */
function ndOptions(b: Buffer, at: number, header: Icmpv6Header): void {
  while (at + 8 <= b.length) {
    const units = b[at + 1]!;
    if (units === 0) return; // a zero length is invalid, and would loop forever
    if (units === 1 && b[at] === OPT_SOURCE_LLADDR) header.sourceLladdr = formatMac(b.subarray(at + 2, at + 8));
    if (units === 1 && b[at] === OPT_TARGET_LLADDR) header.targetLladdr = formatMac(b.subarray(at + 2, at + 8));
    at += units * 8;
  }
}

export function decodeIcmpv6(b: Buffer): Icmpv6Header | undefined {
  if (b.length < 4) return undefined;
  const header: Icmpv6Header = common(b, ICMPV6_NAMES, ICMPV6_ECHO);
  const optionsAt = ND_OPTIONS_AT[header.type];
  if (optionsAt === undefined || b.length < optionsAt) return header;
  if (header.type === NS || header.type === NA || header.type === REDIRECT) header.target = formatIp(b.subarray(8, 24));
  if (header.type === NA) {
    header.router = (b[4]! & 0x80) !== 0;
    header.solicited = (b[4]! & 0x40) !== 0;
    header.override = (b[4]! & 0x20) !== 0;
  }
  ndOptions(b, optionsAt, header);
  return header;
}
