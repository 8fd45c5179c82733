// IPv4/IPv6 addresses and prefixes: text to bytes for requests, bytes to canonical text for reads.
import { isIP } from 'node:net';
import { InvalidAddressError } from '../errors.ts';

export interface Cidr {
  family: 4 | 6;
  address: string;
  bytes: Buffer;
  prefixLength: number;
}

function ipv6Bytes(text: string): Buffer {
  let s = text;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const v4 = dotted[1]!.split('.').map(Number);
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    s = s.slice(0, -dotted[1]!.length) + '0:0';
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const groups = (p: string): number[] => (p === '' ? [] : p.split(':').map((g) => Number.parseInt(g, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const all = rest === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  if (tail.length) all.splice(6, 2, ...tail);
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

export function ipBytes(address: unknown): Buffer {
  const bytes = typeof address === 'string' ? addressBytes(address) : undefined;
  if (bytes) return bytes;
  throw new InvalidAddressError(`invalid IP address ${JSON.stringify(address)}`, address);
}

/** An address's bytes, or undefined for text that is none. */
function addressBytes(text: string): Buffer | undefined {
  const v4 = ipv4Bytes(text);
  if (v4) return v4;
  // isIP() accepts a zone index ("fe80::1%eth0"), which an interface address cannot carry.
  return !text.includes('%') && isIP(text) === 6 ? ipv6Bytes(text) : undefined;
}

/**
 * Dotted-quad text to its 4 bytes, by what isIP() accepts: four decimal octets up to 255, none
 * with a leading zero. Read character by character: routes come by the thousand, and the regex,
 * split and array of the plain way were a good part of checking each.
 */
function ipv4Bytes(text: string): Buffer | undefined {
  if (text.length < 7 || text.length > 15) return undefined;
  const out = Buffer.allocUnsafe(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e; // a '.' after the last octet closes it
    if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && value === 0) return undefined; // a leading zero
      value = value * 10 + (c - 0x30);
      if (++digits > 3 || value > 255) return undefined;
    } else if (c === 0x2e && digits > 0 && part < 4) {
      out[part++] = value;
      value = 0;
      digits = 0;
    } else return undefined;
  }
  return part === 4 ? out : undefined;
}

/** RFC 5952 text: lower case, the longest run of two or more zero groups written as "::". */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  // RFC 5952 section 5: IPv4-mapped addresses in mixed notation, as inet_ntop writes them.
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return `::ffff:${Array.from(bytes.subarray(12)).join('.')}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

/** Parses "192.0.2.1/24" or "2001:db8::1/64"; the prefix is required so no default is guessed. */
export function parseCidr(cidr: unknown): Cidr {
  const m = typeof cidr === 'string' ? /^([^/]+)\/(\d{1,3})$/.exec(cidr) : null;
  const bytes = m ? addressBytes(m[1]!) : undefined;
  const prefixLength = m ? Number(m[2]) : NaN;
  if (!bytes || prefixLength > bytes.length * 8) {
    throw new InvalidAddressError(
      `invalid address ${JSON.stringify(cidr)}: write an address with its prefix length, like 192.0.2.1/24 or 2001:db8::1/64`,
      cidr,
    );
  }
  return { family: bytes.length === 4 ? 4 : 6, address: formatIp(bytes), bytes, prefixLength };
}
