// DHCP (RFC 2131): the BOOTP fields and the options a test asks about. Recognised by the magic
// cookie, not by the port alone, so any BOOTP traffic on 67/68 that is no DHCP stays undecoded.
import { formatIp } from '../values/ip.ts';
import { formatMac } from '../values/mac.ts';
import type { DhcpHeader } from './layers.ts';

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
const COOKIE_AT = 236;
const MAGIC_COOKIE = 0x63825363;
const MESSAGE_TYPES = ['', 'discover', 'offer', 'request', 'decline', 'ack', 'nak', 'release', 'inform'];
const PAD = 0;
const END = 255;
const OPT_HOSTNAME = 12;
const OPT_REQUESTED_IP = 50;
const OPT_MESSAGE_TYPE = 53;
const OPT_SERVER_ID = 54;

function options(b: Buffer, header: DhcpHeader): void {
  // Each option is at least one byte long, so the walk ends within the payload.
  for (let at = COOKIE_AT + 4; at < b.length;) {
    const code = b[at]!;
    if (code === END) return;
    if (code === PAD) {
      at++;
      continue;
    }
    const len = b[at + 1];
    if (len === undefined || at + 2 + len > b.length) return;
    const value = b.subarray(at + 2, at + 2 + len);
    if (code === OPT_MESSAGE_TYPE && len === 1) header.messageType = MESSAGE_TYPES[value[0]!] || value[0]!;
    if (code === OPT_REQUESTED_IP && len === 4) header.requestedIp = formatIp(value);
    if (code === OPT_SERVER_ID && len === 4) header.serverId = formatIp(value);
    if (code === OPT_HOSTNAME) header.hostname = value.toString('latin1');
    at += 2 + len;
  }
}

/** A UDP payload as DHCP; undefined when it is too short or lacks the magic cookie. */
export function decodeDhcp(b: Buffer): DhcpHeader | undefined {
  if (b.length < COOKIE_AT + 4 || b.readUInt32BE(COOKIE_AT) !== MAGIC_COOKIE || (b[0] !== 1 && b[0] !== 2))
    return undefined;
  const hlen = Math.min(b[2]!, 16);
  const header: DhcpHeader = {
    op: b[0] === 1 ? 'request' : 'reply',
    xid: b.readUInt32BE(4),
    chaddr: formatMac(b.subarray(28, 28 + hlen)),
    ciaddr: formatIp(b.subarray(12, 16)),
    yiaddr: formatIp(b.subarray(16, 20)),
    siaddr: formatIp(b.subarray(20, 24)),
    giaddr: formatIp(b.subarray(24, 28)),
  };
  options(b, header);
  return header;
}
