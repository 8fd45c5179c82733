import type { MatcherState } from 'vitest';
import { isOperstate, OPERSTATE_NAMES, type Operstate } from '../values/operstate.ts';
import { matchState, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';

/** The device's RFC 2863 operational state (IFLA_OPERSTATE), in iproute2's spelling: "up", "down", "unknown", ... */
export async function toHaveOperstate(
  this: MatcherState,
  received: unknown,
  operstate: Operstate,
  options?: WaitOption,
): Promise<MatcherResult> {
  if (!isOperstate(operstate)) {
    throw new TypeError(
      `toHaveOperstate: unknown operstate ${JSON.stringify(operstate)}; the kernel reports one of ${OPERSTATE_NAMES.join(', ')}`,
    );
  }
  const { timeout } = requireOptions('toHaveOperstate', options);
  return matchState(this, 'toHaveOperstate', received, {
    holds: (s) => s.operstate === operstate,
    expected: operstate,
    takesExpected: true,
    received: (s) => s.operstate,
    timeout,
  });
}
