// IFLA_INFO_DATA of a vrf device (IFLA_VRF_TABLE, include/uapi/linux/if_link.h).
import * as C from '../../sys/constants.ts';
import { attrU32, parseAttrs } from '../codec.ts';
import type { KindData } from './kind-data.ts';

/** What a vrf device reports about itself. */
export interface VrfDetails {
  /** The kind, which tells the details apart. */
  kind: 'vrf';
  /** IFLA_VRF_TABLE: the routing table its enslaved devices' routes go to. */
  table: number;
}

/** table: already checked to be a table id from 1 (the kernel requires one). */
export function vrfData(table: number): KindData {
  return { write: (w) => w.u32(C.IFLA_VRF_TABLE, table), words: `table ${table}` };
}

const ATTRS = new Set([C.IFLA_VRF_TABLE]);

export function decodeVrf(data: Buffer): VrfDetails {
  return { kind: 'vrf', table: attrU32(parseAttrs(data, 0, ATTRS), C.IFLA_VRF_TABLE) ?? 0 };
}
