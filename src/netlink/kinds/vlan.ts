// IFLA_INFO_DATA of a vlan device (IFLA_VLAN_*, include/uapi/linux/if_link.h; drivers/net/8021q).
import * as C from '../../sys/constants.ts';
import { attrBe16, attrU16, parseAttrs } from '../codec.ts';
import { vlanProtocolName, type VlanProtocol } from '../../values/vlan-protocol.ts';
import { MalformedMessageError } from '../../errors.ts';
import type { KindData } from './kind-data.ts';

/** What a vlan device reports about itself. */
export interface VlanDetails {
  /** The kind, which tells the details apart. */
  kind: 'vlan';
  /** IFLA_VLAN_ID: the VLAN ID, 1 to 4094. */
  id: number;
  /** IFLA_VLAN_PROTOCOL: the tag's EtherType. */
  protocol: VlanProtocol;
}

/** id: already checked to be 1-4094; protocol: an ETH_P_* value, sent only when given (the kernel's default is 802.1Q). */
export function vlanData(id: number, protocol: number | undefined): KindData {
  const name = protocol === undefined ? undefined : vlanProtocolName(protocol);
  return {
    write: (w) => {
      w.u16(C.IFLA_VLAN_ID, id);
      if (protocol !== undefined) w.be16(C.IFLA_VLAN_PROTOCOL, protocol);
    },
    words: `id ${id}${name ? ` protocol ${name}` : ''}`,
  };
}

const ATTRS = new Set([C.IFLA_VLAN_ID, C.IFLA_VLAN_PROTOCOL]);

export function decodeVlan(data: Buffer): VlanDetails {
  const a = parseAttrs(data, 0, ATTRS);
  const code = attrBe16(a, C.IFLA_VLAN_PROTOCOL) ?? C.ETH_P_8021Q;
  const protocol = vlanProtocolName(code);
  // vlan_validate() accepts only these two.
  if (!protocol) throw new MalformedMessageError(`IFLA_VLAN_PROTOCOL 0x${code.toString(16)}`, 0, data.length);
  return { kind: 'vlan', id: attrU16(a, C.IFLA_VLAN_ID) ?? 0, protocol };
}
