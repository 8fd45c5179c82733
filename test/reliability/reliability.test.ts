// The reliability harness: kill trials, the host untouched, the bad-input table, the flake rate
// of the suites and of the whole test run (some runs under a CPU hog), and the codec's fuzzers
// with many more cases than `npm test` gives them. In `npm test` it runs small counts;
// `npm run reliability` (NSLAB_RELIABILITY=full) runs the full counts and writes
// docs/reliability.md. The variables below change the counts, and NSLAB_RELIABILITY_PARTS picks
// parts (`npm run reliability:runs` runs the whole-run part alone). NSLAB_RELIABILITY_SEED
// replays a run's kill timings, NSLAB_FUZZ_SEED its fuzz cases.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { containerEnv } from '../containers/helpers.ts';
import { hostNetwork } from '../global-setup.ts';
import { hostSysctls, sysctlChanges } from '../helpers/host.ts';
import { NODE } from '../helpers/fixture.ts';
import { BAD_INPUTS, runRow, type RowResult } from './bad-inputs.ts';
import { flakeRun, type FlakeRun, type RunOptions } from './flake.ts';
import { envCount, type FuzzFigure } from '../fuzz/property.ts';
import { headline, writeReport, type Figures } from './report.ts';
import { Keeper, rng, ROOT, VITEST } from './runner.ts';
import { killTrial, type TrialKind, type TrialOptions, type TrialResult } from './trials.ts';

const FULL = process.env.NSLAB_RELIABILITY === 'full';
const PARTS = ['bad-inputs', 'kills', 'flakes', 'runs', 'fuzz'] as const;
type Part = (typeof PARTS)[number];
const chosen = (process.env.NSLAB_RELIABILITY_PARTS ?? PARTS.join(',')).split(',').map((p) => p.trim());
const unknownParts = chosen.filter((p) => !(PARTS as readonly string[]).includes(p));
if (unknownParts.length) {
  throw new Error(
    `NSLAB_RELIABILITY_PARTS: unknown part(s) ${unknownParts.join(', ')}; choose among ${PARTS.join(', ')}`,
  );
}
const runs = (part: Part): boolean => chosen.includes(part);
const ALL_PARTS = PARTS.every(runs);

/** A count from the environment, else the full or the CI default. */
const count = (name: string, full: number, ci: number): number => envCount(name, FULL ? full : ci);
const COUNTS = {
  stress: count('NSLAB_RELIABILITY_STRESS', 30, 3),
  suites: count('NSLAB_RELIABILITY_SUITE_KILLS', 20, 2),
  forking: count('NSLAB_RELIABILITY_FORKING', 3, 1),
  flakes: count('NSLAB_RELIABILITY_FLAKES', 50, 1),
  flakesMany: count('NSLAB_RELIABILITY_FLAKES_MANY', 1, 1),
  // The whole test run takes minutes, so `npm test` (which runs this file) runs none.
  wholeRuns: count('NSLAB_RELIABILITY_RUNS', 30, 0),
  hogRuns: count('NSLAB_RELIABILITY_HOG_RUNS', 10, 0),
  fuzzRuns: count('NSLAB_FUZZ_RUNS', 20_000, 0),
  topologies: count('NSLAB_DIFF_TOPOLOGIES', 100, 0),
  // Whole runs wait on the kernel more than they compute (under half the two cores' time), so two at once.
  lanes: count('NSLAB_RELIABILITY_LANES', 2, 1),
};
/**
 * In a full run the parts after the bad inputs run at once, each in a mount namespace of its
 * own (see runner.ts), so their censuses cannot see each other's pins: the kill trials mostly
 * wait out deadlines, and one after the other the parts take longer than a working session.
 * Each part is then also run under the others' load. `npm test` runs them one after the other.
 */
const CONCURRENT_PARTS = FULL && process.env.NSLAB_RELIABILITY_SEQUENTIAL !== '1';
const PART = { concurrent: CONCURRENT_PARTS };
if (COUNTS.hogRuns > COUNTS.wholeRuns) {
  throw new Error(
    `NSLAB_RELIABILITY_HOG_RUNS (${COUNTS.hogRuns}) cannot exceed NSLAB_RELIABILITY_RUNS (${COUNTS.wholeRuns})`,
  );
}
/** More workers than this machine has cores. */
const MANY_WORKERS = 6;
const SEED = Number(process.env.NSLAB_RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const FUZZ_SEED = Number(process.env.NSLAB_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const MINUTE = 60_000;
/** The longest a whole test run may take (also the longest a CPU hog can live). */
const WHOLE_RUN_MAX_MS = 30 * MINUTE;

const figures: Figures = {
  mode: FULL ? 'full' : 'ci',
  seed: SEED,
  trials: [],
  forkingTrials: [],
  containers: 'not counted',
  rows: [],
  flakes: [],
  wholeRuns: [],
  fuzz: { seed: FUZZ_SEED, properties: [] },
  parts: chosen,
  concurrency: { parts: CONCURRENT_PARTS, lanes: COUNTS.lanes },
  host: { network: 'identical', sysctls: 0, sysctlChanges: [] },
  wallMs: {},
};
let keeper: Keeper;
const keepers: Keeper[] = [];
/** A mount namespace of its own for one part, or one lane of whole runs; stopped after all. */
async function newKeeper(): Promise<Keeper> {
  const k = await Keeper.start();
  keepers.push(k);
  return k;
}
let trialOptions: TrialOptions;
let docker = false;
let hostBefore: string;
let sysctlsBefore: Map<string, string>;
let harnessStarted = false;
const started = performance.now();

const runOptions = (target: RunOptions['target'], keeper: Keeper): RunOptions => ({
  target,
  maxWorkers: 2,
  keeper,
  docker,
  maxMs: WHOLE_RUN_MAX_MS,
});

/** One line a test run, as it ends, and a line for each failure and each leftover. */
function sayRun(label: string, r: FlakeRun): void {
  const details = [...r.failures, ...r.leftovers.map((l) => `left behind: ${l}`)];
  const counts = `${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped in ${(r.wallMs / 1000).toFixed(1)} s`;
  const left = r.leftovers.length ? `${r.leftovers.length} left behind` : 'nothing left';
  const lines = details.map((d) => `\n    ${d}`).join('');
  process.stdout.write(
    `${label} ${r.run} (${r.maxWorkers} workers${r.hog ? ', CPU hog' : ''}): ${counts}, ${left}${lines}\n`,
  );
}

/** Every failure and leftover of these runs, each labelled with its run. */
const problemsOf = (runs: FlakeRun[], label: (r: FlakeRun) => string): string[] =>
  runs.flatMap((r) => [...r.failures, ...r.leftovers].map((f) => `${label(r)}: ${f}`));

/** One line a kill trial, as it ends. */
function sayTrial(label: string, r: TrialResult): void {
  process.stdout.write(
    `${label} ${r.trial} ${r.kind} killed ${r.killed} after ${r.delayMs} ms (${r.progress}): ${r.leaks.length ? `LEAKS ${r.leaks.join('; ')}` : 'nothing left'}\n`,
  );
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
  const mode = `${FULL ? 'full' : 'CI'} counts ${JSON.stringify(COUNTS)}`;
  process.stdout.write(`reliability harness: ${mode}, parts ${chosen.join(',')}, seed ${SEED}\n`);
  hostBefore = hostNetwork();
  sysctlsBefore = hostSysctls();
  keeper = await newKeeper();
  const env = await containerEnv().catch((e: unknown) => ({
    skip: `container support not usable: ${String(e)}`,
    image: undefined,
  }));
  figures.containers = env.image ? `counted (Docker engine, image ${env.image})` : `skipped: ${env.skip}`;
  docker = env.image !== undefined;
  trialOptions = {
    keeper,
    random: rng(SEED),
    windowMs: { stress: 3000, suites: [500, 14_000] },
    docker,
    image: env.image,
  };
  harnessStarted = true;
}, 5 * MINUTE);

afterAll(async () => {
  await Promise.all(keepers.map((k) => k.stop()));
  figures.host.network = hostNetwork() === hostBefore ? 'identical' : 'changed';
  const after = hostSysctls();
  figures.host.sysctls = after.size;
  figures.host.sysctlChanges = sysctlChanges(sysctlsBefore, after);
  figures.wallMs.total = Math.round(performance.now() - started);
  process.stdout.write(
    `\nreliability figures:\n${headline(figures)
      .map((l) => `  ${l}`)
      .join('\n')}\n`,
  );
  if (FULL) {
    // Only a run of every part has all the figures docs/reliability.md shows; a partial run's go to
    // report/, and so do the zeros of a harness that never started.
    const path = fileURLToPath(
      new URL(
        ALL_PARTS && harnessStarted ? '../../docs/reliability.md' : '../../report/reliability-partial.md',
        import.meta.url,
      ),
    );
    mkdirSync(join(path, '..'), { recursive: true });
    writeReport(figures, path);
    process.stdout.write(`written to ${path}\n`);
  }
  expect(figures.host).toEqual({ network: 'identical', sysctls: after.size, sysctlChanges: [] });
}, MINUTE);

describe.runIf(runs('bad-inputs'))('bad inputs', () => {
  const record = (r: RowResult): RowResult => (figures.rows.push(r), r);
  for (const row of BAD_INPUTS) {
    const title = `[${row.area}] ${row.input}`;
    // A row that found a bug not fixed yet is expected to fail, so the day it is fixed the test says so.
    (row.knownBug ? test.fails : test)(
      title,
      async (ctx) => {
        const r = record(await timed('bad inputs', () => runRow(row)));
        if (r.skipped) ctx.skip(r.skipped);
        expect(r.problems).toEqual([]);
      },
      MINUTE,
    );
  }
});

describe.runIf(runs('kills'))('kill trials', PART, () => {
  // One after the other: the trials share the part's mount namespace, and each counts its pins.
  test(
    `SIGKILL at random moments leaves nothing behind once the next start has swept (seed ${SEED})`,
    { concurrent: false, timeout: 60 * MINUTE },
    async () => {
      // The two kinds interleaved evenly, so a slowly accumulating leak shows in either kind's later trials.
      const spread = (kind: TrialKind, n: number): Array<{ kind: TrialKind; at: number }> =>
        Array.from({ length: n }, (_, i) => ({ kind, at: (i + 0.5) / n }));
      const order = [...spread('stress', COUNTS.stress), ...spread('suites', COUNTS.suites)]
        .sort((a, b) => a.at - b.at)
        .map((t) => t.kind);
      for (const [i, kind] of order.entries()) {
        const r = await timed('kill trials', () => killTrial(i + 1, kind, trialOptions));
        figures.trials.push(r);
        sayTrial('trial', r);
      }
      const leaky = figures.trials.filter((t) => t.leaks.length);
      expect(
        leaky.map((t) => ({ trial: t.trial, kind: t.kind, killed: t.killed, delayMs: t.delayMs, leaks: t.leaks })),
      ).toEqual([]);
    },
  );

  // setpriv's parent-death signal reaches only the program itself; what it forks must die too
  // (ns.exec() gives each program a process group that the reaper kills).
  test(
    'a forking program run with ns.exec() does not outlive its SIGKILLed runner',
    { concurrent: false, timeout: 10 * MINUTE },
    async () => {
      for (let i = 0; i < COUNTS.forking; i++) {
        const r = await timed('forking program', () =>
          killTrial(i + 1, 'stress', {
            ...trialOptions,
            kill: 'process',
            forkingProgram: true,
            afterFirstCycle: true,
            image: undefined,
          }),
        );
        figures.forkingTrials.push(r);
        sayTrial('forking trial', r);
      }
      expect(figures.forkingTrials.flatMap((t) => t.leaks)).toEqual([]);
    },
  );
});

describe.runIf(runs('flakes'))('flake rate', PART, () => {
  test(
    `vitest run suites/ ${COUNTS.flakes} times with 2 workers and ${COUNTS.flakesMany} with ${MANY_WORKERS}: no failures`,
    async () => {
      const plan = [...Array<number>(COUNTS.flakes).fill(2), ...Array<number>(COUNTS.flakesMany).fill(MANY_WORKERS)];
      const own = CONCURRENT_PARTS ? await newKeeper() : keeper;
      for (const [i, workers] of plan.entries()) {
        const r = await timed('flake runs', () =>
          flakeRun(i + 1, { ...runOptions('suites', own), maxWorkers: workers }),
        );
        figures.flakes.push(r);
        sayRun('flake run', r);
      }
      expect(problemsOf(figures.flakes, (r) => `run ${r.run} (${r.maxWorkers} workers)`)).toEqual([]);
    },
    60 * MINUTE,
  );
});

describe.runIf(runs('runs'))('the whole test run', PART, () => {
  test.skipIf(COUNTS.wholeRuns === 0)(
    `vitest run without the guest and this harness ${COUNTS.wholeRuns} times, ${COUNTS.hogRuns} under a CPU hog: no failure, nothing left`,
    async () => {
      // The hog runs spread evenly among the others, so a load-only failure shows wherever the run order puts it.
      const hogAt = new Set(
        Array.from({ length: COUNTS.hogRuns }, (_, i) => Math.floor(((i + 0.5) * COUNTS.wholeRuns) / COUNTS.hogRuns)),
      );
      // As `npm test` does first: the runs' downstream test would otherwise build a stale dist/
      // itself, in two lanes at once, each reading the other's half-written files.
      execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
      const next = Array.from({ length: COUNTS.wholeRuns }, (_, i) => i);
      const lane = async (): Promise<void> => {
        const own = CONCURRENT_PARTS || COUNTS.lanes > 1 ? await newKeeper() : keeper;
        for (let i = next.shift(); i !== undefined; i = next.shift()) {
          const r = await flakeRun(i + 1, { ...runOptions('whole', own), hog: hogAt.has(i) });
          figures.wholeRuns.push(r);
          sayRun('whole run', r);
        }
      };
      const lanes = Math.min(COUNTS.lanes, COUNTS.wholeRuns);
      await timed('whole runs', () => Promise.all(Array.from({ length: lanes }, lane)));
      figures.wholeRuns.sort((a, b) => a.run - b.run);
      expect(problemsOf(figures.wholeRuns, (r) => `run ${r.run}${r.hog ? ' (CPU hog)' : ''}`)).toEqual([]);
    },
    COUNTS.wholeRuns * WHOLE_RUN_MAX_MS + MINUTE,
  );
});

describe.runIf(runs('fuzz'))('fuzzing', PART, () => {
  test.skipIf(COUNTS.fuzzRuns === 0 && COUNTS.topologies === 0)(
    `the codec's properties, ${COUNTS.fuzzRuns} cases each, and ${COUNTS.topologies} differential topologies (seed ${FUZZ_SEED})`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'nslab-fuzz-'));
      try {
        const out = join(dir, 'figures.jsonl');
        const env = {
          NSLAB_FUZZ_RUNS: String(COUNTS.fuzzRuns),
          NSLAB_DIFF_TOPOLOGIES: String(COUNTS.topologies),
          NSLAB_FUZZ_SEED: String(FUZZ_SEED),
          NSLAB_FUZZ_FIGURES: out,
        };
        const own = CONCURRENT_PARTS ? await newKeeper() : keeper;
        // A property's time grows with its case count, and the other parts load the machine: 20,000
        // cases took 9 s alone and over the 30 s default beside them, so the limit is the part's own.
        const limit = `--testTimeout=${30 * MINUTE}`;
        const child = own.spawn(NODE, [VITEST, 'run', 'test/fuzz/', '--reporter=dot', limit], env);
        const exit = await timed('fuzzing', () => child.exited);
        let lines: string[] = [];
        try {
          lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
        } catch {
          lines = [];
        }
        figures.fuzz.properties = lines.map((l) => JSON.parse(l) as FuzzFigure);
        for (const p of figures.fuzz.properties) {
          process.stdout.write(`fuzz ${p.property}: ${p.runs} cases${p.failure ? `, FAILED: ${p.failure}` : ''}\n`);
        }
        expect(
          { exit, failures: figures.fuzz.properties.flatMap((p) => p.failure ?? []) },
          // The dot reporter prints the failures themselves on stderr.
          [...child.lines.slice(-20), ...child.stderr().split('\n').slice(-200)].join('\n'),
        ).toEqual({
          exit: { code: 0, signal: null },
          failures: [],
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120 * MINUTE,
  );
});
