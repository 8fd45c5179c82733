import type { MatcherState } from 'vitest';
import { matchState, requireLink, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';

/** The device is a port of this bridge (its IFLA_MASTER is the bridge's index). */
export function toBeAttachedTo(this: MatcherState, received: unknown, bridge: unknown, options?: WaitOption): Promise<MatcherResult> {
  const target = requireLink('toBeAttachedTo (the bridge)', bridge);
  const { timeout } = requireOptions('toBeAttachedTo', options);
  return matchState(this, 'toBeAttachedTo', received, {
    holds: (s) => s.master?.index === target.index,
    expected: `master ${target.name}`,
    received: (s) => (s.master ? `master ${s.master.name ?? `index ${s.master.index}`}` : 'no master'),
    timeout,
  });
}
