// IFLA_INFO_DATA of a macvlan device (IFLA_MACVLAN_*, include/uapi/linux/if_link.h).
import * as C from '../../sys/constants.ts';
import { attrU32, parseAttrs } from '../codec.ts';
import { namedCodes } from '../../values/checks.ts';
import type { KindData } from './kind-data.ts';

/** A macvlan mode by iproute2's name. */
export type MacvlanMode = 'private' | 'vepa' | 'bridge' | 'passthru' | 'source';

/** The modes by iproute2's names: how the macvlans of one parent reach each other. */
export const MACVLAN_MODES = namedCodes<MacvlanMode>(
  {
    private: C.MACVLAN_MODE_PRIVATE,
    vepa: C.MACVLAN_MODE_VEPA,
    bridge: C.MACVLAN_MODE_BRIDGE,
    passthru: C.MACVLAN_MODE_PASSTHRU,
    source: C.MACVLAN_MODE_SOURCE,
  },
  'mode',
);

/** What a macvlan device reports about itself. */
export interface MacvlanDetails {
  /** The kind, which tells the details apart. */
  kind: 'macvlan';
  /** IFLA_MACVLAN_MODE; undefined for a mode this table does not name. */
  mode: MacvlanMode | undefined;
}

/** mode: a MACVLAN_MODE_* value, sent only when given (the kernel's default is vepa). */
export function macvlanData(mode: number | undefined): KindData {
  return {
    write: (w) => {
      if (mode !== undefined) w.u32(C.IFLA_MACVLAN_MODE, mode);
    },
    words: mode === undefined ? '' : `mode ${MACVLAN_MODES.name(mode)}`,
  };
}

const ATTRS = new Set([C.IFLA_MACVLAN_MODE]);

export function decodeMacvlan(data: Buffer): MacvlanDetails {
  const mode = attrU32(parseAttrs(data, 0, ATTRS), C.IFLA_MACVLAN_MODE);
  return { kind: 'macvlan', mode: mode === undefined ? undefined : MACVLAN_MODES.name(mode) };
}
