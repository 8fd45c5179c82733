import type { MatcherState } from 'vitest';
import { isLink, type Link } from '../devices/link.ts';
import { describeValue, matchState, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';

/** A bridge's ports are exactly these devices (handles or names), in any order. */
export async function toHavePorts(
  this: MatcherState,
  received: unknown,
  ports: Array<Link | string>,
  options?: WaitOption,
): Promise<MatcherResult> {
  if (!Array.isArray(ports) || ports.some((p) => typeof p !== 'string' && !isLink(p))) {
    throw new TypeError(`toHavePorts: expected an array of device handles or names, received ${describeValue(ports)}`);
  }
  const expected = ports.map((p) => (typeof p === 'string' ? p : p.name)).sort();
  const { timeout } = requireOptions('toHavePorts', options);
  return matchState(this, 'toHavePorts', received, {
    holds: (s) => s.ports !== undefined && JSON.stringify([...s.ports].sort()) === JSON.stringify(expected),
    expected: `[${expected.join(', ')}]`,
    takesExpected: true,
    received: (s) => s.ports ?? `no ports: ${s.name} is a ${s.kind ?? 'device without a kind'}, not a bridge`,
    timeout,
  });
}
