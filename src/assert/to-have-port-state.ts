import type { MatcherState } from 'vitest';
import { parsePortState, type PortState } from '../values/bridge.ts';
import { matchState, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';

/** The bridge port's STP state (IFLA_BRPORT_STATE) is this one: disabled, listening, learning, forwarding or blocking. */
export async function toHavePortState(
  this: MatcherState,
  received: unknown,
  state: PortState,
  options?: WaitOption,
): Promise<MatcherResult> {
  parsePortState('toHavePortState', state);
  const { timeout } = requireOptions('toHavePortState', options);
  return matchState(this, 'toHavePortState', received, {
    holds: (s) => s.bridgePort?.state === state,
    expected: state,
    takesExpected: true,
    received: (s) => s.bridgePort ?? `no port state: ${s.name} is not a port of a bridge`,
    timeout,
  });
}
