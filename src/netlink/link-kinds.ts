// The IFLA_INFO_DATA of the kinds nslab creates beyond bridge and tun (whose fields decodeLink
// reads itself), decoded by each kind's file in kinds/.
import { decodeBond, type BondDetails } from './kinds/bond.ts';
import { decodeIpvlan, type IpvlanDetails } from './kinds/ipvlan.ts';
import { decodeMacvlan, type MacvlanDetails } from './kinds/macvlan.ts';
import { decodeNetkit, type NetkitDetails } from './kinds/netkit.ts';
import { decodeVlan, type VlanDetails } from './kinds/vlan.ts';
import { decodeVrf, type VrfDetails } from './kinds/vrf.ts';
import { decodeVxlan, type VxlanDetails } from './kinds/vxlan.ts';

/** A device's decoded IFLA_INFO_DATA, told apart by kind: `if (s.details?.kind === 'vlan') s.details.id`. */
export type KindDetails =
  VlanDetails | MacvlanDetails | IpvlanDetails | VxlanDetails | BondDetails | VrfDetails | NetkitDetails;

// A Map: a kind is the kernel's text, and an object's lookup would find "constructor".
const DECODERS = new Map<string, (data: Buffer) => KindDetails>([
  ['vlan', decodeVlan],
  ['macvlan', decodeMacvlan],
  ['ipvlan', decodeIpvlan],
  ['vxlan', decodeVxlan],
  ['bond', decodeBond],
  ['vrf', decodeVrf],
  ['netkit', decodeNetkit],
]);

/** The details of a kind this table knows; undefined for any other. */
export const decodeKindData = (kind: string, data: Buffer): KindDetails | undefined => DECODERS.get(kind)?.(data);
