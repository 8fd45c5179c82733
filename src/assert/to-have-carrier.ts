import type { MatcherState } from 'vitest';
import { matchState, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';

/** The device has carrier (IFLA_CARRIER): its lower layer is up. */
export async function toHaveCarrier(
  this: MatcherState,
  received: unknown,
  options?: WaitOption,
): Promise<MatcherResult> {
  const { timeout } = requireOptions('toHaveCarrier', options);
  return matchState(this, 'toHaveCarrier', received, {
    holds: (s) => s.carrier === true,
    expected: 'carrier',
    takesExpected: false,
    received: (s) => ({ carrier: s.carrier, operstate: s.operstate, flags: s.flags }),
    timeout,
  });
}
