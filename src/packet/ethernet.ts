// Ethernet II and its VLAN tags (802.1Q 0x8100, 802.1ad 0x88a8), the frame as it was on the
// wire: a tag the kernel moved into the packet's metadata is put back by the capture first.
import { formatMac } from '../values/mac.ts';
import type { EthHeader, VlanTag } from './layers.ts';

const ETH_HLEN = 14;
const TPID_8021Q = 0x8100;
const TPID_8021AD = 0x88a8;
/** A QinQ frame has two tags; more is not a frame the decoder should spend a loop on. */
const MAX_TAGS = 2;

export interface EthernetFrame {
  eth: EthHeader;
  /** The tags from the outermost in. */
  tags: VlanTag[];
  payload: Buffer;
}

export const isVlanTpid = (type: number): boolean => type === TPID_8021Q || type === TPID_8021AD;

/** The 16-bit tag control information as its fields. */
export function decodeTci(tci: number, tpid: number): VlanTag {
  return { id: tci & 0xfff, pcp: tci >> 13, dei: (tci >> 12) & 1, tpid };
}

/** The Ethernet header and tags; undefined when the frame is shorter than a header. */
export function decodeEthernet(frame: Buffer): EthernetFrame | undefined {
  if (frame.length < ETH_HLEN) return undefined;
  let type = frame.readUInt16BE(12);
  let at = ETH_HLEN;
  const tags: VlanTag[] = [];
  while (isVlanTpid(type) && tags.length < MAX_TAGS && frame.length >= at + 4) {
    tags.push(decodeTci(frame.readUInt16BE(at), type));
    type = frame.readUInt16BE(at + 2);
    at += 4;
  }
  const eth = { dst: formatMac(frame.subarray(0, 6)), src: formatMac(frame.subarray(6, 12)), type };
  return { eth, tags, payload: frame.subarray(at) };
}

/** The frame with a tag inserted after the MAC addresses, as it was before the kernel took it off. */
export function insertTag(frame: Buffer, tci: number, tpid: number): Buffer {
  const tag = Buffer.alloc(4);
  tag.writeUInt16BE(tpid, 0);
  tag.writeUInt16BE(tci, 2);
  return Buffer.concat([frame.subarray(0, 12), tag, frame.subarray(12)]);
}
