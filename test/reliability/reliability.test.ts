// The reliability harness: kill trials, the host untouched, the bad-input table, the flake rate.
// In `npm test` it runs small counts; `npm run reliability` (NSLAB_RELIABILITY=full) runs the
// full counts and writes docs/reliability.md. NSLAB_RELIABILITY_SEED replays a run's kill timings.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { containerEnv } from '../containers/helpers.ts';
import { hostNetwork } from '../global-setup.ts';
import { hostSysctls, sysctlChanges } from '../helpers/host.ts';
import { BAD_INPUTS, runRow, type RowResult } from './bad-inputs.ts';
import { flakeRun, type FlakeRun } from './flake.ts';
import { headline, writeReport, type Figures } from './report.ts';
import { Keeper, rng } from './runner.ts';
import { killTrial, type TrialKind, type TrialOptions, type TrialResult } from './trials.ts';

const FULL = process.env.NSLAB_RELIABILITY === 'full';
const COUNTS = FULL ? { stress: 30, suites: 20, forking: 3, flakes: 50, flakesMany: 1 } : { stress: 3, suites: 2, forking: 1, flakes: 1, flakesMany: 1 };
/** More workers than this machine has cores. */
const MANY_WORKERS = 6;
const SEED = Number(process.env.NSLAB_RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const MINUTE = 60_000;

const figures: Figures = {
  mode: FULL ? 'full' : 'ci',
  seed: SEED,
  trials: [],
  forkingTrials: [],
  containers: 'not counted',
  rows: [],
  flakes: [],
  host: { network: 'identical', sysctls: 0, sysctlChanges: [] },
  wallMs: {},
};
let keeper: Keeper;
let trialOptions: TrialOptions;
let hostBefore: string;
let sysctlsBefore: Map<string, string>;
const started = performance.now();

/** One line a kill trial, as it ends. */
function sayTrial(label: string, r: TrialResult): void {
  process.stdout.write(`${label} ${r.trial} ${r.kind} killed ${r.killed} after ${r.delayMs} ms (${r.progress}): ${r.leaks.length ? `LEAKS ${r.leaks.join('; ')}` : 'nothing left'}\n`);
}

async function timed<T>(section: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await fn();
  } finally {
    figures.wallMs[section] = Math.round((figures.wallMs[section] ?? 0) + performance.now() - t);
  }
}

beforeAll(async () => {
  process.stdout.write(`reliability harness: ${FULL ? 'full' : 'CI'} counts, seed ${SEED}\n`);
  hostBefore = hostNetwork();
  sysctlsBefore = hostSysctls();
  keeper = await Keeper.start();
  const env = await containerEnv().catch((e: unknown) => ({ skip: `container support not usable: ${String(e)}`, image: undefined }));
  figures.containers = env.image ? `counted (Docker engine, image ${env.image})` : `skipped: ${env.skip}`;
  trialOptions = { keeper, random: rng(SEED), windowMs: { stress: 3000, suites: [500, 14_000] }, docker: env.image !== undefined, image: env.image };
}, 5 * MINUTE);

afterAll(async () => {
  await keeper?.stop();
  figures.host.network = hostNetwork() === hostBefore ? 'identical' : 'changed';
  const after = hostSysctls();
  figures.host.sysctls = after.size;
  figures.host.sysctlChanges = sysctlChanges(sysctlsBefore, after);
  figures.wallMs.total = Math.round(performance.now() - started);
  process.stdout.write(`\nreliability figures:\n${headline(figures).map((l) => `  ${l}`).join('\n')}\n`);
  if (FULL) {
    const path = fileURLToPath(new URL('../../docs/reliability.md', import.meta.url));
    writeReport(figures, path);
    process.stdout.write(`written to ${path}\n`);
  }
  expect(figures.host).toEqual({ network: 'identical', sysctls: after.size, sysctlChanges: [] });
}, MINUTE);

describe('bad inputs', () => {
  const record = (r: RowResult): RowResult => (figures.rows.push(r), r);
  for (const row of BAD_INPUTS) {
    const title = `[${row.area}] ${row.input}`;
    // A row that found a bug not fixed yet is expected to fail, so the day it is fixed the test says so.
    (row.knownBug ? test.fails : test)(title, async (ctx) => {
      const r = record(await timed('bad inputs', () => runRow(row)));
      if (r.skipped) ctx.skip(r.skipped);
      expect(r.problems).toEqual([]);
    }, MINUTE);
  }
});

describe('kill trials', () => {
  test(`SIGKILL at random moments leaves nothing behind once the next start has swept (seed ${SEED})`, async () => {
    // The two kinds interleaved evenly, so a slowly accumulating leak shows in either kind's later trials.
    const spread = (kind: TrialKind, n: number): Array<{ kind: TrialKind; at: number }> => Array.from({ length: n }, (_, i) => ({ kind, at: (i + 0.5) / n }));
    const order = [...spread('stress', COUNTS.stress), ...spread('suites', COUNTS.suites)].sort((a, b) => a.at - b.at).map((t) => t.kind);
    for (const [i, kind] of order.entries()) {
      const r = await timed('kill trials', () => killTrial(i + 1, kind, trialOptions));
      figures.trials.push(r);
      sayTrial('trial', r);
    }
    const leaky = figures.trials.filter((t) => t.leaks.length);
    expect(leaky.map((t) => ({ trial: t.trial, kind: t.kind, killed: t.killed, delayMs: t.delayMs, leaks: t.leaks }))).toEqual([]);
  }, 60 * MINUTE);

  // setpriv's parent-death signal reaches only the program itself; what it forks must die too
  // (ns.exec() gives each program a process group that the reaper kills).
  test('a forking program run with ns.exec() does not outlive its SIGKILLed runner', async () => {
    for (let i = 0; i < COUNTS.forking; i++) {
      const r = await timed('forking program', () =>
        killTrial(i + 1, 'stress', { ...trialOptions, kill: 'process', forkingProgram: true, afterFirstCycle: true, settleTimeoutMs: 5000, image: undefined }),
      );
      figures.forkingTrials.push(r);
      sayTrial('forking trial', r);
    }
    expect(figures.forkingTrials.flatMap((t) => t.leaks)).toEqual([]);
  }, 10 * MINUTE);
});

describe('flake rate', () => {
  test(`vitest run suites/ ${COUNTS.flakes} times with 2 workers and ${COUNTS.flakesMany} with ${MANY_WORKERS}: no failures`, async () => {
    const plan = [...Array<number>(COUNTS.flakes).fill(2), ...Array<number>(COUNTS.flakesMany).fill(MANY_WORKERS)];
    for (const [i, workers] of plan.entries()) {
      const r: FlakeRun = await timed('flake runs', () => flakeRun(i + 1, workers, keeper));
      figures.flakes.push(r);
      process.stdout.write(`flake run ${r.run} (${workers} workers): ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped in ${(r.wallMs / 1000).toFixed(1)} s${r.failures.length ? `\n    ${r.failures.join('\n    ')}` : ''}\n`);
    }
    expect(figures.flakes.flatMap((r) => r.failures.map((f) => `run ${r.run} (${r.maxWorkers} workers): ${f}`))).toEqual([]);
  }, 60 * MINUTE);
});
