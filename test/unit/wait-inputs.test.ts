// The deadline of a wait is computed once from its timeout: a timeout that is not a number of
// milliseconds >= 0 would make a deadline no clock reaches (NaN compares false with everything),
// so it is refused before the first read, like configureWaits() and the matchers' { timeout } refuse it.
import { describe, expect, test } from 'vitest';
import { configureWaits, pollUntil, waitDefaults } from '../../src/wait/until.ts';

/** A read that gives up after many rounds, so a wait that would never end fails instead of hanging the run. */
function boundedRead(): { read: () => number; reads: () => number } {
  let n = 0;
  return {
    read: () => {
      if (++n > 1000) throw new Error(`read ${n} times: this wait has no deadline`);
      return n;
    },
    reads: () => n,
  };
}

describe('pollUntil refuses a timeout no deadline can be computed from', () => {
  test.for([
    ['NaN', Number.NaN],
    ['a negative timeout', -1],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a string', '100'],
  ] as Array<[string, unknown]>)('%s: a TypeError before the first read', async ([, timeout]) => {
    const r = boundedRead();
    const outcome = await pollUntil(r.read, () => false, { timeout: timeout as number }).then(
      (w) => `resolved after ${w.reads} reads`,
      (error: Error) => error,
    );
    expect(outcome).toBeInstanceOf(TypeError);
    expect((outcome as Error).message).toMatch(
      /^pollUntil: timeout must be a finite number of milliseconds >= 0, received /,
    );
    expect(r.reads()).toBe(0);
  });

  test.for([
    ['NaN', Number.NaN],
    ['0', 0],
    ['Infinity', Number.POSITIVE_INFINITY],
  ] as Array<[string, number]>)('a recheck interval of %s is refused too', async ([, recheckMs]) => {
    const r = boundedRead();
    const waiting = pollUntil(r.read, () => false, { timeout: 50, recheckMs });
    await expect(waiting).rejects.toThrow(/^pollUntil: recheckMs must be a finite number of milliseconds > 0/);
    expect(r.reads()).toBe(0);
  });

  test('a timeout of 0 reads once and returns the value unmet', async () => {
    const r = boundedRead();
    const w = await pollUntil(r.read, () => false, { timeout: 0 });
    expect({ met: w.met, reads: w.reads, value: w.value }).toEqual({ met: false, reads: 1, value: 1 });
  });

  test('configureWaits keeps its own refusal, in the same words', () => {
    const before = waitDefaults.timeout;
    const words = /^configureWaits: timeout must be a finite number of milliseconds >= 0, received NaN/;
    expect(() => configureWaits({ timeout: Number.NaN })).toThrow(words);
    expect(waitDefaults.timeout).toBe(before);
  });
});
