// Flake runs: `vitest run suites/` again and again, each with its JSON report, so a failure is
// recorded with the names of the tests that failed and their first message line.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NODE } from '../helpers/fixture.ts';
import { VITEST, type Keeper } from './runner.ts';

export interface FlakeRun {
  run: number;
  maxWorkers: number;
  exit: { code: number | null; signal: string | null };
  passed: number;
  failed: number;
  skipped: number;
  /** "file > test: first line of the message" for each failed test (or the run's own error). */
  failures: string[];
  wallMs: number;
}

interface JsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: Array<{ name: string; message?: string; assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }> }>;
}

/** One `vitest run suites/ --maxWorkers=N`, in the keeper's mount namespace (see runner.ts). */
export async function flakeRun(run: number, maxWorkers: number, keeper: Keeper): Promise<FlakeRun> {
  const start = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'nslab-flake-'));
  const out = join(dir, 'report.json');
  try {
    const child = keeper.spawn(NODE, [VITEST, 'run', 'suites/', `--maxWorkers=${maxWorkers}`, '--reporter=json', `--outputFile=${out}`]);
    const exit = await child.exited;
    let report: JsonReport | undefined;
    try {
      report = JSON.parse(readFileSync(out, 'utf8')) as JsonReport;
    } catch {
      report = undefined;
    }
    const failures = (report?.testResults ?? []).flatMap((file) => [
      ...(file.message ? [`${file.name}: ${file.message.split('\n')[0]}`] : []),
      ...file.assertionResults.filter((a) => a.status === 'failed').map((a) => `${file.name.replace(/^.*\/suites\//, 'suites/')} > ${a.fullName}: ${(a.failureMessages[0] ?? '').split('\n')[0]}`),
    ]);
    // A run that failed outside any test (the global setup's host check, a crash) has no test to blame.
    if (exit.code !== 0 && failures.length === 0) failures.push(`the run itself failed (${JSON.stringify(exit)}): ${child.stderr().trim().split('\n').slice(-5).join(' | ')}`);
    return {
      run,
      maxWorkers,
      exit,
      passed: report?.numPassedTests ?? 0,
      failed: report?.numFailedTests ?? 0,
      skipped: (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0),
      failures,
      wallMs: Math.round(performance.now() - start),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
