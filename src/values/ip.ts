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
  // isIP() accepts a zone index ("fe80::1%eth0"), which an interface address cannot carry.
  const family = typeof address !== 'string' || address.includes('%') ? 0 : isIP(address);
  if (family === 4) return Buffer.from((address as string).split('.').map(Number));
  if (family === 6) return ipv6Bytes(address as string);
  throw new InvalidAddressError(`invalid IP address ${JSON.stringify(address)}`, address);
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
  const family = m ? isIP(m[1]!) : 0;
  const prefixLength = m ? Number(m[2]) : NaN;
  if (!m || (family !== 4 && family !== 6) || prefixLength > (family === 4 ? 32 : 128)) {
    throw new InvalidAddressError(
      `invalid address ${JSON.stringify(cidr)}: write an address with its prefix length, like 192.0.2.1/24 or 2001:db8::1/64`,
      cidr,
    );
  }
  const bytes = ipBytes(m[1]!);
  return { family, address: formatIp(bytes), bytes, prefixLength };
}
