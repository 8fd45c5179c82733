import type { MatcherState } from 'vitest';
import { isLink } from '../devices/link.ts';
import { matchState, requireLink, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';

/** The device is a port of this bridge (its IFLA_MASTER is the bridge's index). */
export async function toBeAttachedTo(
  this: MatcherState,
  received: unknown,
  bridge: unknown,
  options?: WaitOption,
): Promise<MatcherResult> {
  const target = requireLink('toBeAttachedTo (the bridge)', bridge);
  const { timeout } = requireOptions('toBeAttachedTo', options);
  // Indices are per namespace: a bridge elsewhere with the same index is another device.
  const sameNs = isLink(received) && received.ns === target.ns;
  return matchState(this, 'toBeAttachedTo', received, {
    holds: (s) => sameNs && s.master?.index === target.index,
    expected: `master ${target.name}`,
    takesExpected: true,
    received: (s) => (s.master ? `master ${s.master.name ?? `index ${s.master.index}`}` : 'no master'),
    timeout,
  });
}
