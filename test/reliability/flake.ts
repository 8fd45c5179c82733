// Flake runs: Vitest runs again and again — `vitest run suites/`, or the whole test run but the
// guest and this harness — each with its JSON report, so a failure is recorded with the names of
// the tests that failed and their first message line, and each followed by the census of what
// it left behind (a run that passes but leaves a process or a pin would fail the next one).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NODE } from '../helpers/fixture.ts';
import { pollUntil } from '../helpers/poll.ts';
import { pollUntil as pollEvery } from '../../src/wait/until.ts';
import { census, GroupTracker, hostDevices } from './census.ts';
import { startHog } from './hog.ts';
import { VITEST, type Child, type Keeper } from './runner.ts';
import { leaksOf } from './trials.ts';

/** What a run covers: the suites, or everything `vitest run` runs except the QEMU guest and the reliability harness. */
export type RunTarget = 'suites' | 'whole';

const TARGET_ARGS: Record<RunTarget, string[]> = {
  suites: ['suites/'],
  whole: ['--exclude', 'test/kernel/guest.test.ts', '--exclude', 'test/reliability/reliability.test.ts'],
};

export interface FlakeRun {
  run: number;
  target: RunTarget;
  maxWorkers: number;
  /** Whether a CPU hog (one busy process per core) ran alongside. */
  hog: boolean;
  exit: { code: number | null; signal: string | null };
  passed: number;
  failed: number;
  skipped: number;
  /** "file > test: first line of the message" for each failed test (or the run's own error). */
  failures: string[];
  /** What the run left behind once it had exited (processes, namespaces, pins, host devices, containers). */
  leftovers: string[];
  wallMs: number;
}

export interface RunOptions {
  target: RunTarget;
  maxWorkers: number;
  keeper: Keeper;
  /** Whether a Docker engine answers, so the census counts containers. */
  docker: boolean;
  hog?: boolean;
  /** Upper bound of the run, and so of its hog's life. */
  maxMs: number;
}

interface JsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: Array<{
    name: string;
    message?: string;
    assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }>;
  }>;
}

/** Where a failed run's stderr is kept (the repository's report/, beside the claims). */
const REPORT_DIR = join(import.meta.dirname, '..', '..', 'report');

/** How often the run's processes are looked at, to learn the namespaces they hold. */
const SAMPLE_EVERY_MS = 500;
const SETTLE_TIMEOUT_MS = 20_000;

const firstLine = (s: string | undefined): string => (s ?? '').split('\n')[0]!;

function failuresOf(run: number, report: JsonReport | undefined, child: Child, exit: FlakeRun['exit']): string[] {
  const relative = (name: string): string => name.replace(/^.*?\/(suites|test)\//, '$1/');
  const failures = (report?.testResults ?? []).flatMap((file) => [
    ...(file.message ? [`${relative(file.name)}: ${firstLine(file.message)}`] : []),
    ...file.assertionResults
      .filter((a) => a.status === 'failed')
      .map((a) => `${relative(file.name)} > ${a.fullName}: ${firstLine(a.failureMessages[0])}`),
  ]);
  // A run that failed outside any test (the global setup's host check, an unhandled error, a
  // crash) has no test to blame: its whole stderr is kept for the post-mortem, and the lines that
  // name an error are quoted (warnings around them would hide them in a tail).
  if (exit.code !== 0 && failures.length === 0) {
    const stderr = child.stderr();
    const kept = join(REPORT_DIR, `reliability-run-${run}-stderr.txt`);
    mkdirSync(REPORT_DIR, { recursive: true });
    writeFileSync(kept, stderr);
    const named = stderr.split('\n').filter((l) => /\b(Error|FAIL|Unhandled|failed)\b/.test(l) && !/Warning/.test(l));
    failures.push(
      `the run itself failed (${JSON.stringify(exit)}; stderr in ${kept}): ${(named.length ? named.slice(0, 5) : stderr.trim().split('\n').slice(-5)).join(' | ')}`,
    );
  }
  return failures;
}

/** One `vitest run`, in the keeper's mount namespace (see runner.ts), then the census of what it left. */
export async function flakeRun(run: number, options: RunOptions): Promise<FlakeRun> {
  const { target, maxWorkers, keeper } = options;
  const start = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'nslab-flake-'));
  const out = join(dir, 'report.json');
  const hog = options.hog ? startHog(options.maxMs) : undefined;
  try {
    const hostDevicesBefore = hostDevices();
    const args = [
      VITEST,
      'run',
      ...TARGET_ARGS[target],
      `--maxWorkers=${maxWorkers}`,
      '--reporter=json',
      `--outputFile=${out}`,
    ];
    const child = keeper.spawn(NODE, args);
    const tracker = new GroupTracker(child.pid);
    let exit: FlakeRun['exit'] | undefined;
    void child.exited.then((e) => (exit = e));
    const sampled = await pollEvery(
      () => (tracker.sample(), exit),
      (e) => e !== undefined,
      {
        timeout: options.maxMs,
        recheckMs: SAMPLE_EVERY_MS,
        wake: (notify) => (void child.exited.then(notify), () => undefined),
      },
    );
    if (!sampled.met) process.kill(-child.pid, 'SIGKILL');
    exit = await child.exited;
    await hog?.stop();
    let report: JsonReport | undefined;
    try {
      report = JSON.parse(readFileSync(out, 'utf8')) as JsonReport;
    } catch {
      report = undefined;
    }
    const failures = failuresOf(run, report, child, exit);
    if (!sampled.met) failures.push(`the run did not end within ${options.maxMs} ms and was killed`);
    // Process exit and namespace freeing are asynchronous: leftovers are what is still there at the deadline.
    const scope = { tracker, mountNsPid: keeper.pid, hostDevicesBefore, docker: options.docker };
    const left = await pollUntil(
      () => leaksOf(census(scope, true), []),
      (l) => l.length === 0,
      SETTLE_TIMEOUT_MS,
    );
    return {
      run,
      target,
      maxWorkers,
      hog: hog !== undefined,
      exit,
      passed: report?.numPassedTests ?? 0,
      failed: report?.numFailedTests ?? 0,
      skipped: (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0),
      failures,
      leftovers: left.value,
      wallMs: Math.round(performance.now() - start),
    };
  } finally {
    await hog?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
