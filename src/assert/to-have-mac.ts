import type { MatcherState } from 'vitest';
import { normalizeMac } from '../values/mac.ts';
import { matchState, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';

/** The device's hardware address (IFLA_ADDRESS), compared case-insensitively. */
export async function toHaveMac(
  this: MatcherState,
  received: unknown,
  mac: string,
  options?: WaitOption,
): Promise<MatcherResult> {
  const expected = normalizeMac(mac);
  const { timeout } = requireOptions('toHaveMac', options);
  return matchState(this, 'toHaveMac', received, {
    holds: (s) => s.mac === expected,
    expected,
    takesExpected: true,
    received: (s) => s.mac,
    timeout,
  });
}
