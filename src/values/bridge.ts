// Bridge values as iproute2 spells them (`bridge vlan`, `bridge fdb`, `bridge link`, `ip link
// ... type bridge`): VLAN ids, port STP states, VLAN protocols, FDB entry states, and times.
import * as C from '../sys/constants.ts';
import { namedCodes, requireInteger, shown } from './checks.ts';
import { InvalidArgumentError } from '../errors.ts';

/**
 * An 802.1Q VLAN id: 1 to 4094. 0 means "no VLAN" (priority tags) and 4095 is reserved, so the
 * kernel refuses both ("Vlan id is invalid").
 */
export function parseVid(where: string, value: unknown): number {
  return requireInteger(
    value,
    1,
    4094,
    (v) => `${where}: a VLAN id is an integer from 1 to 4094 (802.1Q reserves 0 and 4095), received ${v}`,
  );
}

/** A bridge port's STP state: disabled, listening, learning, forwarding or blocking. */
export type PortState = 'disabled' | 'listening' | 'learning' | 'forwarding' | 'blocking';

/** The STP state of a bridge port (BR_STATE_*), as `bridge link` prints it. */
export const PORT_STATES: Readonly<Record<PortState, number>> = {
  disabled: C.BR_STATE_DISABLED,
  listening: C.BR_STATE_LISTENING,
  learning: C.BR_STATE_LEARNING,
  forwarding: C.BR_STATE_FORWARDING,
  blocking: C.BR_STATE_BLOCKING,
};

const portStates = namedCodes(PORT_STATES, 'the port state');
export const parsePortState: (where: string, value: unknown) => number = portStates.parse;
export const portStateName: (code: number) => PortState | undefined = portStates.name;

/**
 * How an FDB entry lives, in `bridge fdb` words: permanent (a local address: frames to it are
 * the bridge's own), static (forwarded to its port, never aged out), dynamic (aged out like a
 * learned entry).
 */
export const FDB_STATES: Readonly<Record<FdbState, number>> = {
  // The bits iproute2 sends: the kernel reads PERMANENT first, then NOARP, and anything else as dynamic.
  permanent: C.NUD_NOARP | C.NUD_PERMANENT,
  static: C.NUD_NOARP | C.NUD_REACHABLE,
  dynamic: C.NUD_REACHABLE,
};

/** How an FDB entry lives: permanent (the bridge's own address), static (never aged out) or dynamic (aged out). */
export type FdbState = 'permanent' | 'static' | 'dynamic';

export const parseFdbState: (where: string, value: unknown) => number = namedCodes(FDB_STATES, 'the FDB state').parse;

/** The state of an entry the kernel reported: NUD_STALE is a learned entry that aged a while, still dynamic. */
export function fdbStateName(nud: number): FdbState {
  if (nud & C.NUD_PERMANENT) return 'permanent';
  if (nud & C.NUD_NOARP) return 'static';
  return 'dynamic';
}

/** USER_HZ: the kernel takes and reports the bridge's times in clock_t, hundredths of a second. */
const TICKS_PER_SECOND = 100;

/** A time in seconds, to the hundredth, as the centiseconds the kernel takes (a u32). */
export function parseSeconds(where: string, name: string, value: unknown): number {
  const max = 0xffffffff / TICKS_PER_SECOND;
  const ticks = typeof value === 'number' ? Math.round(value * TICKS_PER_SECOND) : Number.NaN;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    value > max ||
    Math.abs(ticks - value * TICKS_PER_SECOND) > 1e-6
  ) {
    throw new InvalidArgumentError(
      `${where}: ${name} is a time in seconds from 0 to ${Math.floor(max)}, to the hundredth (the kernel counts hundredths), received ${shown(value)}`,
      value,
    );
  }
  return ticks;
}

/** Centiseconds the kernel reported, as seconds. */
export const secondsOf = (ticks: number): number => ticks / TICKS_PER_SECOND;
