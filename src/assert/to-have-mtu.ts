import type { MatcherState } from 'vitest';
import { requireInteger } from '../values/checks.ts';
import { matchState, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';

/** The device's MTU (IFLA_MTU) is this many bytes. */
export async function toHaveMtu(
  this: MatcherState,
  received: unknown,
  mtu: number,
  options?: WaitOption,
): Promise<MatcherResult> {
  const expected = requireInteger(
    mtu,
    0,
    0xffffffff,
    (v) => `toHaveMtu: an MTU is a whole number of bytes, received ${v}`,
  );
  const { timeout } = requireOptions('toHaveMtu', options);
  return matchState(this, 'toHaveMtu', received, {
    holds: (s) => s.mtu === expected,
    expected: String(expected),
    takesExpected: true,
    received: (s) => ({ mtu: s.mtu, minMtu: s.minMtu, maxMtu: s.maxMtu }),
    timeout,
  });
}
