// IFLA_INFO_DATA of a vxlan device (IFLA_VXLAN_*, include/uapi/linux/if_link.h). A remote and a
// group share one attribute (IFLA_VXLAN_GROUP or GROUP6): the address says which it is, as in
// iproute2, a multicast one being a group.
import * as C from '../../sys/constants.ts';
import { attrBe16, attrU32, attrU8, parseAttrs } from '../codec.ts';
import { formatIp } from '../../values/ip.ts';
import type { KindData } from './kind-data.ts';

/** The options as the encoder takes them, checked: addresses as 4 or 16 bytes, the device as its index. */
export interface VxlanSpec {
  vni: number;
  /** The unicast peer or the multicast group (IFLA_VXLAN_GROUP/GROUP6). */
  destination?: Buffer | undefined;
  local?: Buffer | undefined;
  dstport?: number | undefined;
  learning: boolean;
  /** IFLA_VXLAN_LINK: the index of the device the tunnel's packets leave by. */
  device?: number | undefined;
}

/** What a vxlan device reports about itself. */
export interface VxlanDetails {
  /** The kind, which tells the details apart. */
  kind: 'vxlan';
  /** IFLA_VXLAN_ID: the VXLAN network identifier. */
  vni: number;
  /** The unicast peer (IFLA_VXLAN_GROUP/GROUP6 holding a unicast address); undefined when none. */
  remote: string | undefined;
  /** The multicast group (IFLA_VXLAN_GROUP/GROUP6 holding a multicast address); undefined when none. */
  group: string | undefined;
  /** IFLA_VXLAN_LOCAL/LOCAL6: the source address; undefined when the kernel picks one per packet. */
  local: string | undefined;
  /** IFLA_VXLAN_PORT: the UDP destination port. */
  dstport: number;
  /** IFLA_VXLAN_LEARNING: whether source addresses of received packets fill the FDB. */
  learning: boolean;
  /** IFLA_VXLAN_LINK: the ifindex of the device the tunnel is bound to; undefined when unbound. */
  device: number | undefined;
}

const isMulticast = (ip: Uint8Array): boolean => (ip.length === 4 ? (ip[0]! & 0xf0) === 0xe0 : ip[0] === 0xff);

// In iproute2's order, so that the request reads byte for byte like `ip link add ... type vxlan`.
export function vxlanData(s: VxlanSpec): KindData {
  const six = (ip: Buffer): boolean => ip.length === 16;
  const words = [`id ${s.vni}`];
  if (s.destination) words.push(`${isMulticast(s.destination) ? 'group' : 'remote'} ${formatIp(s.destination)}`);
  if (s.local) words.push(`local ${formatIp(s.local)}`);
  if (s.device !== undefined) words.push(`dev index ${s.device}`);
  if (s.dstport !== undefined) words.push(`dstport ${s.dstport}`);
  words.push(s.learning ? 'learning' : 'nolearning');
  return {
    write: (w) => {
      if (s.device !== undefined) w.u32(C.IFLA_VXLAN_LINK, s.device);
      w.u32(C.IFLA_VXLAN_ID, s.vni);
      if (s.local) w.bytes(six(s.local) ? C.IFLA_VXLAN_LOCAL6 : C.IFLA_VXLAN_LOCAL, s.local);
      if (s.destination) w.bytes(six(s.destination) ? C.IFLA_VXLAN_GROUP6 : C.IFLA_VXLAN_GROUP, s.destination);
      // Always, as iproute2 sends it: the request says what the device will do.
      w.u8(C.IFLA_VXLAN_LEARNING, s.learning ? 1 : 0);
      if (s.dstport !== undefined) w.be16(C.IFLA_VXLAN_PORT, s.dstport);
    },
    words: words.join(' '),
  };
}

const ATTRS = new Set([
  C.IFLA_VXLAN_ID,
  C.IFLA_VXLAN_GROUP,
  C.IFLA_VXLAN_GROUP6,
  C.IFLA_VXLAN_LOCAL,
  C.IFLA_VXLAN_LOCAL6,
  C.IFLA_VXLAN_PORT,
  C.IFLA_VXLAN_LEARNING,
  C.IFLA_VXLAN_LINK,
]);

/** An address attribute, or undefined when absent or all zeros (the kernel sends 0.0.0.0 for "none"). */
function address(a: Map<number, Buffer>, v4: number, v6: number): Buffer | undefined {
  const b = a.get(v4) ?? a.get(v6);
  return b && (b.length === 4 || b.length === 16) && b.some((x) => x !== 0) ? b : undefined;
}

export function decodeVxlan(data: Buffer): VxlanDetails {
  const a = parseAttrs(data, 0, ATTRS);
  const destination = address(a, C.IFLA_VXLAN_GROUP, C.IFLA_VXLAN_GROUP6);
  const local = address(a, C.IFLA_VXLAN_LOCAL, C.IFLA_VXLAN_LOCAL6);
  const multicast = destination !== undefined && isMulticast(destination);
  return {
    kind: 'vxlan',
    vni: attrU32(a, C.IFLA_VXLAN_ID) ?? 0,
    remote: destination && !multicast ? formatIp(destination) : undefined,
    group: destination && multicast ? formatIp(destination) : undefined,
    local: local && formatIp(local),
    dstport: attrBe16(a, C.IFLA_VXLAN_PORT) ?? 0,
    learning: attrU8(a, C.IFLA_VXLAN_LEARNING) === 1,
    device: attrU32(a, C.IFLA_VXLAN_LINK) || undefined,
  };
}
