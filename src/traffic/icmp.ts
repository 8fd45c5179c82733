// ICMP and ICMPv6 as the probes see them on a raw socket: echo requests to send, and the echo
// replies and errors that come back. An error quotes the start of the packet it is about (its
// IP header and first 8 bytes, RFC 792 and 4443), which is how a probe knows an error is its own.
import * as C from '../sys/constants.ts';
import { formatIp } from '../values/ip.ts';

/** An echo reply. */
export interface EchoReply {
  kind: 'reply';
  id: number;
  seq: number;
}

/** The packet an ICMP error is about, as far as its quote shows it. */
export interface Quoted {
  /** IPPROTO_ICMP, IPPROTO_TCP, ... (for IPv6, the first next header). */
  protocol: number;
  src: string;
  dst: string;
  /** TCP and UDP: the ports. */
  sport?: number;
  dport?: number;
  /** An echo request: its identifier. */
  echoId?: number;
}

/** An ICMP error (destination unreachable, time exceeded, ...). */
export interface IcmpError {
  kind: 'error';
  type: number;
  code: number;
  /** "host unreachable", "port unreachable", ...: the RFC's words. */
  name: string;
  quoted: Quoted;
}

const unreachable4: Record<number, string> = {
  [C.ICMP_NET_UNREACH]: 'net unreachable',
  [C.ICMP_HOST_UNREACH]: 'host unreachable',
  [C.ICMP_PROT_UNREACH]: 'protocol unreachable',
  [C.ICMP_PORT_UNREACH]: 'port unreachable',
  [C.ICMP_FRAG_NEEDED]: 'fragmentation needed',
  [C.ICMP_NET_ANO]: 'net administratively prohibited',
  [C.ICMP_HOST_ANO]: 'host administratively prohibited',
  [C.ICMP_PKT_FILTERED]: 'communication administratively prohibited',
};

const unreachable6: Record<number, string> = {
  [C.ICMPV6_NOROUTE]: 'no route to destination',
  [C.ICMPV6_ADM_PROHIBITED]: 'administratively prohibited',
  [C.ICMPV6_NOT_NEIGHBOUR]: 'beyond scope of source address',
  [C.ICMPV6_ADDR_UNREACH]: 'address unreachable',
  [C.ICMPV6_PORT_UNREACH]: 'port unreachable',
  [C.ICMPV6_POLICY_FAIL]: 'source address failed policy',
  [C.ICMPV6_REJECT_ROUTE]: 'reject route',
};

function errorName(family: 4 | 6, type: number, code: number): string | undefined {
  if (family === 4) {
    if (type === C.ICMP_DEST_UNREACH) return unreachable4[code] ?? `destination unreachable (code ${code})`;
    if (type === C.ICMP_TIME_EXCEEDED) return code === C.ICMP_EXC_TTL ? 'TTL exceeded' : 'reassembly time exceeded';
    if (type === C.ICMP_PARAMETERPROB) return 'parameter problem';
    return undefined;
  }
  if (type === C.ICMPV6_DEST_UNREACH) return unreachable6[code] ?? `destination unreachable (code ${code})`;
  if (type === C.ICMPV6_PKT_TOOBIG) return 'packet too big';
  if (type === C.ICMPV6_TIME_EXCEED)
    return code === C.ICMPV6_EXC_HOPLIMIT ? 'hop limit exceeded' : 'reassembly time exceeded';
  if (type === C.ICMPV6_PARAMPROB) return 'parameter problem';
  return undefined;
}

/** The Internet checksum (RFC 1071). ICMPv6's covers a pseudo-header, which the kernel fills in for raw ICMPv6 sockets. */
function checksum(data: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < data.length; i += 2) sum += data.readUInt16BE(i);
  if (data.length % 2) sum += data[data.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An echo request carrying payload. */
export function echoRequest(family: 4 | 6, id: number, seq: number, payload: Buffer): Buffer {
  const packet = Buffer.alloc(8 + payload.length);
  packet[0] = family === 4 ? C.ICMP_ECHO : C.ICMPV6_ECHO_REQUEST;
  packet.writeUInt16BE(id, 4);
  packet.writeUInt16BE(seq, 6);
  payload.copy(packet, 8);
  if (family === 4) packet.writeUInt16BE(checksum(packet), 2);
  return packet;
}

function quotedPacket(family: 4 | 6, q: Buffer): Quoted | undefined {
  const header = family === 4 ? (q[0]! & 0x0f) * 4 : 40;
  if (q.length < header + 8 || header < 20) return undefined;
  const [protocol, src, dst] =
    family === 4
      ? [q[9]!, formatIp(q.subarray(12, 16)), formatIp(q.subarray(16, 20))]
      : [q[6]!, formatIp(q.subarray(8, 24)), formatIp(q.subarray(24, 40))];
  const l4 = q.subarray(header);
  if (protocol === C.IPPROTO_TCP || protocol === C.IPPROTO_UDP)
    return { protocol, src, dst, sport: l4.readUInt16BE(0), dport: l4.readUInt16BE(2) };
  const echo = family === 4 ? C.ICMP_ECHO : C.ICMPV6_ECHO_REQUEST;
  if (protocol === (family === 4 ? C.IPPROTO_ICMP : C.IPPROTO_ICMPV6) && l4[0] === echo)
    return { protocol, src, dst, echoId: l4.readUInt16BE(4) };
  return { protocol, src, dst };
}

/**
 * What a raw ICMP socket read: an echo reply, an error with what it quotes, or undefined for
 * anything else (requests, NDP, a truncated message). IPv4 raw sockets deliver the IP header
 * too; IPv6 ones start at the ICMPv6 header.
 */
export function parseIcmp(family: 4 | 6, packet: Buffer): EchoReply | IcmpError | undefined {
  const icmp = family === 4 ? packet.subarray((packet[0]! & 0x0f) * 4) : packet;
  if (icmp.length < 8) return undefined;
  const [type, code] = [icmp[0]!, icmp[1]!];
  if (type === (family === 4 ? C.ICMP_ECHOREPLY : C.ICMPV6_ECHO_REPLY))
    return { kind: 'reply', id: icmp.readUInt16BE(4), seq: icmp.readUInt16BE(6) };
  const name = errorName(family, type, code);
  const quoted = name === undefined ? undefined : quotedPacket(family, icmp.subarray(8));
  return quoted && name ? { kind: 'error', type, code, name, quoted } : undefined;
}
