import type { MatcherState } from 'vitest';
import { formatBridgeId, parseBridgeId } from '../values/bridge-id.ts';
import type { BridgeId } from '../values/bridge-id.ts';
import { matchState, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';

/** A bridge's ID (IFLA_BR_BRIDGE_ID): "8000.525400000001", "8000.52:54:00:00:00:01" or { priority, mac }. */
export async function toHaveBridgeId(
  this: MatcherState,
  received: unknown,
  id: string | BridgeId,
  options?: WaitOption,
): Promise<MatcherResult> {
  const expected = formatBridgeId(parseBridgeId(id));
  const { timeout } = requireOptions('toHaveBridgeId', options);
  return matchState(this, 'toHaveBridgeId', received, {
    holds: (s) => s.bridgeId === expected,
    expected,
    takesExpected: true,
    received: (s) => s.bridgeId ?? `no bridge ID: ${s.name} is a ${s.kind ?? 'device without a kind'}`,
    timeout,
  });
}
