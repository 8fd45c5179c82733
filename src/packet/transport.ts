// UDP and TCP headers, and where their payload starts.
import type { TcpHeader, UdpHeader } from './layers.ts';

export function decodeUdp(b: Buffer): { header: UdpHeader; payload: Buffer } | undefined {
  if (b.length < 8) return undefined;
  const header = { sport: b.readUInt16BE(0), dport: b.readUInt16BE(2), length: b.readUInt16BE(4) };
  return { header, payload: b.subarray(8, Math.max(8, Math.min(b.length, header.length))) };
}

export function decodeTcp(b: Buffer): TcpHeader | undefined {
  if (b.length < 20) return undefined;
  const flags = b[13]!;
  return {
    sport: b.readUInt16BE(0),
    dport: b.readUInt16BE(2),
    seq: b.readUInt32BE(4),
    ack: b.readUInt32BE(8),
    fin: (flags & 0x01) !== 0,
    syn: (flags & 0x02) !== 0,
    rst: (flags & 0x04) !== 0,
    psh: (flags & 0x08) !== 0,
    acked: (flags & 0x10) !== 0,
    urg: (flags & 0x20) !== 0,
    window: b.readUInt16BE(14),
  };
}
