import type { MatcherState } from 'vitest';
import { IFF_FLAGS, type LinkFlag } from '../values/flags.ts';
import { matchState, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';

/** All the given IFF_* flags are set (names without the prefix: "UP", "RUNNING", "LOWER_UP"); others may be too. */
export async function toHaveFlags(
  this: MatcherState,
  received: unknown,
  flags: string[],
  options?: WaitOption,
): Promise<MatcherResult> {
  const unknown = Array.isArray(flags)
    ? flags.filter((f) => typeof f !== 'string' || !Object.hasOwn(IFF_FLAGS, f.replace(/^IFF_/, '')))
    : [flags];
  if (!Array.isArray(flags) || flags.length === 0 || unknown.length) {
    throw new TypeError(
      `toHaveFlags: expected a non-empty array of flag names among ${Object.keys(IFF_FLAGS).join(', ')}; unknown: ${JSON.stringify(unknown)}`,
    );
  }
  const wanted = flags.map((f) => f.replace(/^IFF_/, '') as LinkFlag);
  const { timeout } = requireOptions('toHaveFlags', options);
  return matchState(this, 'toHaveFlags', received, {
    holds: (s) => wanted.every((f) => s.flags.includes(f)),
    expected: wanted.join(','),
    takesExpected: true,
    received: (s) => s.flags.join(','),
    timeout,
  });
}
