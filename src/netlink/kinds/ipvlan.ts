// IFLA_INFO_DATA of an ipvlan device (IFLA_IPVLAN_*, include/uapi/linux/if_link.h).
import * as C from '../../sys/constants.ts';
import { attrU16, parseAttrs } from '../codec.ts';
import { namedCodes } from '../../values/checks.ts';
import type { KindData } from './kind-data.ts';

/** An ipvlan mode by iproute2's name. */
export type IpvlanMode = 'l2' | 'l3' | 'l3s';

/** The modes by iproute2's names: l2 switches frames, l3 routes packets, l3s routes them through netfilter too. */
export const IPVLAN_MODES = namedCodes<IpvlanMode>(
  { l2: C.IPVLAN_MODE_L2, l3: C.IPVLAN_MODE_L3, l3s: C.IPVLAN_MODE_L3S },
  'mode',
);

/** What an ipvlan device reports about itself. */
export interface IpvlanDetails {
  /** The kind, which tells the details apart. */
  kind: 'ipvlan';
  /** IFLA_IPVLAN_MODE; undefined for a mode this table does not name. */
  mode: IpvlanMode | undefined;
}

/** mode: an IPVLAN_MODE_* value, sent only when given (the kernel's default is l3). */
export function ipvlanData(mode: number | undefined): KindData {
  return {
    write: (w) => {
      if (mode !== undefined) w.u16(C.IFLA_IPVLAN_MODE, mode);
    },
    words: mode === undefined ? '' : `mode ${IPVLAN_MODES.name(mode)}`,
  };
}

const ATTRS = new Set([C.IFLA_IPVLAN_MODE]);

export function decodeIpvlan(data: Buffer): IpvlanDetails {
  const mode = attrU16(parseAttrs(data, 0, ATTRS), C.IFLA_IPVLAN_MODE);
  return { kind: 'ipvlan', mode: mode === undefined ? undefined : IPVLAN_MODES.name(mode) };
}
