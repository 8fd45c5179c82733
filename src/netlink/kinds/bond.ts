// IFLA_INFO_DATA of a bond device (IFLA_BOND_*, include/uapi/linux/if_link.h, if_bonding.h).
import * as C from '../../sys/constants.ts';
import { attrU32, attrU8, parseAttrs } from '../codec.ts';
import { namedCodes } from '../../values/checks.ts';
import type { KindData } from './kind-data.ts';

/** A bonding mode by iproute2's name. */
export type BondMode =
  'balance-rr' | 'active-backup' | 'balance-xor' | 'broadcast' | '802.3ad' | 'balance-tlb' | 'balance-alb';

/** The modes by the names iproute2 and /sys/class/net/BOND/bonding/mode use. */
export const BOND_MODES = namedCodes<BondMode>(
  {
    'balance-rr': C.BOND_MODE_ROUNDROBIN,
    'active-backup': C.BOND_MODE_ACTIVEBACKUP,
    'balance-xor': C.BOND_MODE_XOR,
    broadcast: C.BOND_MODE_BROADCAST,
    '802.3ad': C.BOND_MODE_8023AD,
    'balance-tlb': C.BOND_MODE_TLB,
    'balance-alb': C.BOND_MODE_ALB,
  },
  'mode',
);

/** What a bond device reports about itself. */
export interface BondDetails {
  /** The kind, which tells the details apart. */
  kind: 'bond';
  /** IFLA_BOND_MODE; undefined for a mode this table does not name. */
  mode: BondMode | undefined;
  /** IFLA_BOND_MIIMON: how often the ports' link state is checked, in milliseconds; 0 is never. */
  miimon: number;
  /** IFLA_BOND_ACTIVE_SLAVE: the ifindex of the port that carries the traffic (active-backup, tlb, alb); undefined when none is. */
  activeSlave: number | undefined;
}

/** mode: a BOND_MODE_* value; miimon in ms. Each sent only when given (the kernel's defaults: balance-rr, 0). */
export function bondData(mode: number | undefined, miimon: number | undefined): KindData {
  return {
    write: (w) => {
      if (mode !== undefined) w.u8(C.IFLA_BOND_MODE, mode);
      if (miimon !== undefined) w.u32(C.IFLA_BOND_MIIMON, miimon);
    },
    words: [mode === undefined ? '' : `mode ${BOND_MODES.name(mode)}`, miimon === undefined ? '' : `miimon ${miimon}`]
      .filter(Boolean)
      .join(' '),
  };
}

const ATTRS = new Set([C.IFLA_BOND_MODE, C.IFLA_BOND_MIIMON, C.IFLA_BOND_ACTIVE_SLAVE]);

export function decodeBond(data: Buffer): BondDetails {
  const a = parseAttrs(data, 0, ATTRS);
  const mode = attrU8(a, C.IFLA_BOND_MODE);
  // The kernel sends the attribute only while a port is active.
  const active = attrU32(a, C.IFLA_BOND_ACTIVE_SLAVE);
  return {
    kind: 'bond',
    mode: mode === undefined ? undefined : BOND_MODES.name(mode),
    miimon: attrU32(a, C.IFLA_BOND_MIIMON) ?? 0,
    activeSlave: active || undefined,
  };
}
