import type { MatcherState } from 'vitest';
import { matchState, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';

/** The device is operationally up as a flag (IFF_RUNNING in ifi_flags). */
export async function toBeRunning(this: MatcherState, received: unknown, options?: WaitOption): Promise<MatcherResult> {
  const { timeout } = requireOptions('toBeRunning', options);
  return matchState(this, 'toBeRunning', received, {
    holds: (s) => s.running,
    expected: 'IFF_RUNNING',
    takesExpected: false,
    received: (s) => ({ flags: s.flags, operstate: s.operstate, carrier: s.carrier }),
    timeout,
  });
}
