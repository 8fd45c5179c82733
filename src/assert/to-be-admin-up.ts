import type { MatcherState } from 'vitest';
import { matchState, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';

/** The device is administratively up (IFF_UP in ifi_flags). */
export async function toBeAdminUp(this: MatcherState, received: unknown, options?: WaitOption): Promise<MatcherResult> {
  const { timeout } = requireOptions('toBeAdminUp', options);
  return matchState(this, 'toBeAdminUp', received, {
    holds: (s) => s.adminUp,
    expected: 'IFF_UP',
    takesExpected: false,
    received: (s) => ({ flags: s.flags }),
    timeout,
  });
}
