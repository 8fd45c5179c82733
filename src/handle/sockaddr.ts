// struct sockaddr_in / sockaddr_in6, both ways: what bind(), connect() and sendto() take, and
// what recvfrom() and getsockname() fill in.
import { isIP } from 'node:net';
import * as C from '../sys/constants.ts';
import { formatIp, ipBytes } from '../values/ip.ts';

/** The size of the buffer recvfrom() and getsockname() write either family's address into. */
export const SOCKADDR_MAX = 28;

/** An address and port as a socket reports them. */
export interface Endpoint {
  /** Canonical text; an IPv4-mapped IPv6 address (a dual-stack socket's IPv4 peer) as plain IPv4. */
  address: string;
  /** The port (0 for ICMP). */
  port: number;
}

/** The sockaddr of address and port (and, for IPv6, the interface index of a link-local address). */
export function sockaddr(address: string, port: number, scopeId = 0): Buffer {
  if (isIP(address) === 4) {
    const sa = Buffer.alloc(16);
    sa.writeUInt16LE(C.AF_INET, 0);
    sa.writeUInt16BE(port, 2);
    ipBytes(address).copy(sa, 4);
    return sa;
  }
  const sa = Buffer.alloc(28);
  sa.writeUInt16LE(C.AF_INET6, 0);
  sa.writeUInt16BE(port, 2);
  ipBytes(address).copy(sa, 8);
  sa.writeUInt32LE(scopeId, 24);
  return sa;
}

/** The endpoint a sockaddr names. */
export function endpointOf(sa: Buffer): Endpoint {
  const port = sa.readUInt16BE(2);
  if (sa.readUInt16LE(0) === C.AF_INET) return { address: formatIp(sa.subarray(4, 8)), port };
  const bytes = sa.subarray(8, 24);
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return { address: formatIp(mapped ? bytes.subarray(12) : bytes), port };
}
