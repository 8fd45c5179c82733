// ARP for IPv4 over Ethernet (htype 1, ptype 0x0800, 6- and 4-byte addresses); other ARP is not decoded.
import { formatIp } from '../values/ip.ts';
import { formatMac } from '../values/mac.ts';
import type { ArpHeader } from './layers.ts';

const ARP_LEN = 28;

export function decodeArp(b: Buffer): ArpHeader | undefined {
  if (b.length < ARP_LEN || b.readUInt16BE(0) !== 1 || b.readUInt16BE(2) !== 0x0800 || b[4] !== 6 || b[5] !== 4)
    return undefined;
  const code = b.readUInt16BE(6);
  return {
    op: code === 1 ? 'request' : code === 2 ? 'reply' : code,
    senderMac: formatMac(b.subarray(8, 14)),
    senderIp: formatIp(b.subarray(14, 18)),
    targetMac: formatMac(b.subarray(18, 24)),
    targetIp: formatIp(b.subarray(24, 28)),
  };
}
