// The two VLAN tag protocols, by iproute2's names: one table for vlan devices (`type vlan
// protocol P`) and VLAN-filtering bridges (`vlan_protocol P`).
import * as C from '../sys/constants.ts';
import { namedCodes } from './checks.ts';

/** The tag protocols by iproute2's names: 802.1Q (C-tags, EtherType 0x8100) or 802.1ad (S-tags, 0x88a8, QinQ's outer tag). */
export type VlanProtocol = '802.1Q' | '802.1ad';

/** Their EtherTypes. */
export const VLAN_PROTOCOLS: Readonly<Record<VlanProtocol, number>> = {
  '802.1Q': C.ETH_P_8021Q,
  '802.1ad': C.ETH_P_8021AD,
};

const vlanProtocols = namedCodes(VLAN_PROTOCOLS, 'the VLAN protocol');
export const parseVlanProtocol: (where: string, value: unknown) => number = vlanProtocols.parse;
export const vlanProtocolName: (code: number) => VlanProtocol | undefined = vlanProtocols.name;
