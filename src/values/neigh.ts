// Neighbour entries (ARP and NDP) as `ip neigh` names them: NUD_* states and the NTF_* flags
// users set (router, proxy).
import * as C from '../sys/constants.ts';
import { namedCodes } from './checks.ts';

/** The name of each NUD_* state, as iproute2 spells it after `nud`. */
export const NEIGH_STATES = {
  none: C.NUD_NONE,
  incomplete: C.NUD_INCOMPLETE,
  reachable: C.NUD_REACHABLE,
  stale: C.NUD_STALE,
  delay: C.NUD_DELAY,
  probe: C.NUD_PROBE,
  failed: C.NUD_FAILED,
  noarp: C.NUD_NOARP,
  permanent: C.NUD_PERMANENT,
} as const;

/** A neighbour's NUD state in iproute2's spelling: permanent, noarp, reachable, stale, failed, ... */
export type NeighState = keyof typeof NEIGH_STATES;

const states = namedCodes(NEIGH_STATES, 'the neighbour state');

/** The NUD_* value of a state users wrote; anything else is refused with the list of states. */
export const parseNeighState: (where: string, value: unknown) => number = states.parse;

/**
 * The name of a state the kernel reported, or undefined for a value that is not exactly one
 * NUD_* state (the kernel reports one: ndm_state mirrors the entry's single nud_state).
 */
export const neighStateName: (bits: number) => NeighState | undefined = states.name;
