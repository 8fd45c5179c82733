import type { MatcherState } from 'vitest';
import { LINK_STATS_FIELDS, type LinkStats } from '../netlink/link.ts';
import { describeValue, matchState, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';

/** How many more of each counter than at the mark: `{ rxPackets: 3 }` is "at least 3 more packets received". */
export type StatsIncrease = Partial<LinkStats>;

function requireMark(mark: unknown): LinkStats {
  const ok =
    typeof mark === 'object' &&
    mark !== null &&
    LINK_STATS_FIELDS.every((f) => Number.isSafeInteger((mark as Record<string, unknown>)[f]));
  if (!ok) {
    throw new TypeError(
      `toHaveStatsSince: the mark must be what link.stats() returned (const mark = await link.stats()), received ${describeValue(mark)}`,
    );
  }
  return mark as LinkStats;
}

function requireIncrease(increase: unknown): Array<[keyof LinkStats, number]> {
  const entries = typeof increase === 'object' && increase !== null ? Object.entries(increase) : [];
  const known = (k: string): k is keyof LinkStats => (LINK_STATS_FIELDS as readonly string[]).includes(k);
  const ok =
    entries.length > 0 &&
    entries.every(([k, v]) => known(k) && typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);
  if (!ok) {
    throw new TypeError(
      `toHaveStatsSince: the increase must name counters (${LINK_STATS_FIELDS.join(', ')}) with whole numbers >= 0, ` +
        `like { rxPackets: 3 }, received ${describeValue(increase)}`,
    );
  }
  return entries as Array<[keyof LinkStats, number]>;
}

/**
 * The device's counters went up by at least this much since the mark (`await link.stats()`):
 * "traffic went through this port" without a fixed count. Under `.not`, that they have not (yet).
 */
export async function toHaveStatsSince(
  this: MatcherState,
  received: unknown,
  mark: LinkStats,
  increase: StatsIncrease,
  options?: WaitOption,
): Promise<MatcherResult> {
  const base = requireMark(mark);
  const wanted = requireIncrease(increase);
  const { timeout } = requireOptions('toHaveStatsSince', options);
  const delta = (s: LinkStats): Partial<LinkStats> => Object.fromEntries(wanted.map(([k]) => [k, s[k] - base[k]]));
  return matchState(this, 'toHaveStatsSince', received, {
    holds: (s) => s.stats !== undefined && wanted.every(([k, n]) => s.stats![k] - base[k] >= n),
    expected: `at least ${wanted.map(([k, n]) => `${n} more ${k}`).join(', ')} than at the mark`,
    takesExpected: true,
    received: (s) => (s.stats ? delta(s.stats) : 'no statistics'),
    timeout,
  });
}
