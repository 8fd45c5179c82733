// Setup file for the bench's run of the claim suites (bench/vitest.config.ts, section "suites"):
// records, per test, the intervals spent waiting for the kernel (every until()/pollUntil(),
// which is also what every matcher waits with) and in child processes (execa: `ip` oracles,
// dnsmasq, ...) and starting tap holder processes, with what waited, and appends one JSON
// line per test to $NSLAB_BENCH_WAITS.
// The rest of a test's time is nslab's own work plus the test's.
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, vi } from 'vitest';

export interface Interval {
  start: number;
  end: number;
  /** The matcher that waited (toHaveAddress, ...), or "until in <file>", or the program run. */
  what: string;
  /** Waits: how many reads it took (1: the state was already there). */
  reads?: number;
}

export interface TestTiming {
  file: string;
  name: string;
  start: number;
  end: number;
  waits: Interval[];
  children: Interval[];
  holders: Interval[];
}

let current: TestTiming | undefined;
const OUT = process.env.NSLAB_BENCH_WAITS;

/** Who called: the nslab matcher file on the stack, else the first test/suite file. */
function caller(stack: string | undefined): string {
  const lines = (stack ?? '').split('\n');
  const matcher = lines.map((l) => /src\/assert\/(to-[\w-]+)\.ts/.exec(l)?.[1]).find(Boolean);
  if (matcher) return matcher.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  const site = lines
    .map((l) => /\/((?:suites|test)\/[\w./-]+\.ts)/.exec(l)?.[1])
    .find((f) => f && !f.endsWith('.setup.ts'));
  return `until in ${site ?? 'unknown'}`;
}

// Every wait (until, waitForState, the matchers, teardown's) runs one pollUntil: timing it times each once.
vi.mock('../src/sys/poll.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/sys/poll.ts')>();
  const timed =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const what = caller(new Error().stack);
      const start = performance.now();
      let reads: number | undefined;
      try {
        const waited = await fn(...args);
        reads = (waited as { reads?: number }).reads;
        return waited;
      } finally {
        current?.waits.push({ start, end: performance.now(), what, ...(reads === undefined ? {} : { reads }) });
      }
    };
  return { ...real, pollUntil: timed(real.pollUntil) };
});

vi.mock('execa', async (importOriginal) => {
  const real = await importOriginal<typeof import('execa')>();
  const execa = ((...args: Parameters<typeof real.execa>) => {
    const child = real.execa(...args);
    const start = performance.now();
    const what = String(args[0] === 'setpriv' && Array.isArray(args[1]) ? (args[1] as string[])[3] : args[0]);
    const record = (): void => void current?.children.push({ start, end: performance.now(), what });
    child.then(record, record);
    return child;
  }) as unknown as typeof real.execa;
  return { ...real, execa };
});

// Holder processes (a shell under setpriv per tap with owner "holder"): nslab's work, mostly process start-up.
vi.mock('../src/devices/holder.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/devices/holder.ts')>();
  const start = real.TapHolder.start.bind(real.TapHolder);
  real.TapHolder.start = async (...args: Parameters<typeof start>) => {
    const t = performance.now();
    try {
      return await start(...args);
    } finally {
      current?.holders.push({ start: t, end: performance.now(), what: 'TapHolder.start' });
    }
  };
  return real;
});

beforeEach(({ task }) => {
  current = {
    file: task.file.name,
    name: task.name,
    start: performance.now(),
    end: 0,
    waits: [],
    children: [],
    holders: [],
  };
});

afterEach(() => {
  if (!current) return;
  current.end = performance.now();
  if (OUT) appendFileSync(OUT, `${JSON.stringify(current)}\n`);
  current = undefined;
});
