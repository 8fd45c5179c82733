// RFC 2863 operational states, as the kernel reports them in IFLA_OPERSTATE, in iproute2's spelling.
import * as C from '../sys/constants.ts';

/** The name of each IF_OPER_* value. */
export const OPERSTATES = {
  [C.IF_OPER_UNKNOWN]: 'unknown',
  [C.IF_OPER_NOTPRESENT]: 'notpresent',
  [C.IF_OPER_DOWN]: 'down',
  [C.IF_OPER_LOWERLAYERDOWN]: 'lowerlayerdown',
  [C.IF_OPER_TESTING]: 'testing',
  [C.IF_OPER_DORMANT]: 'dormant',
  [C.IF_OPER_UP]: 'up',
} as const satisfies Record<number, string>;

/** IFLA_OPERSTATE in iproute2's spelling (lower case). */
export type Operstate = (typeof OPERSTATES)[keyof typeof OPERSTATES];

export const OPERSTATE_NAMES: readonly Operstate[] = Object.values(OPERSTATES);

export const isOperstate = (value: unknown): value is Operstate => OPERSTATE_NAMES.includes(value as Operstate);

/**
 * The state an IF_OPER_* value names. The kernel's uapi defines no others, and a device that
 * sends none (IFLA_OPERSTATE absent) is, in RFC 2863's words, of unknown state.
 */
export function operstateOf(code: number | undefined): Operstate {
  return (OPERSTATES as Record<number, Operstate>)[code ?? C.IF_OPER_UNKNOWN] ?? 'unknown';
}
