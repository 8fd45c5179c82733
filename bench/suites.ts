// Section 4: the claim suites. Runs `vitest run` on suites/ (bench/vitest.config.ts adds
// bench/suites-timing.setup.ts) and splits each test's time into: waiting for the kernel
// (until()/matcher waits that needed more than one read: DAD, linkwatch, ...), reads that found
// the state at once, child processes (ip oracles, dnsmasq, sysctl), tap holder starts, and the
// rest (nslab's calls, the test's own code, fixtures).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './lib/procs.ts';
import type { Interval, TestTiming } from './suites-timing.setup.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const CATEGORIES = ['dad', 'linkwatch', 'otherWait', 'immediateReads', 'children', 'holders', 'rest'] as const;
export type Category = (typeof CATEGORIES)[number];
export const CATEGORY_LABELS: Record<Category, string> = {
  dad: 'waiting for DAD (IPv6 duplicate address detection timer)',
  linkwatch: 'waiting for link state (carrier/operstate: linkwatch, notifications)',
  otherWait: 'waiting for other state (dnsmasq leases, sockets)',
  immediateReads: "matcher/until reads that found the state at once (nslab's reads)",
  children: 'child processes the tests run (`ip` oracles, sysctl, dnsmasq, ...)',
  holders: "starting tap holder processes (nslab's, mostly node's startup)",
  rest: "the rest: nslab's calls, the tests' own code, fixtures",
};

export interface FileTiming {
  file: string;
  tests: number;
  failed: number;
  skipped: number;
  /** Per category, summed over the file's tests (ms). */
  ms: Record<Category, number>;
  durationMs: number;
}

export interface SuitesResult {
  command: string;
  wallMs: number;
  exitCode: number | null;
  files: FileTiming[];
  total: FileTiming;
  slowest: Array<{ file: string; name: string; durationMs: number; ms: Record<Category, number> }>;
}

function waitCategory(w: Interval): Category {
  if ((w.reads ?? 2) <= 1) return 'immediateReads';
  if (w.what === 'toHaveAddress' || w.what.startsWith('until in suites/dad')) return 'dad';
  if (
    w.what.startsWith('to') ||
    /until in suites\/(tuntap-carrier|admin-oper|bridge-identity|loopback-dummy)/.test(w.what)
  )
    return 'linkwatch';
  return 'otherWait';
}

type Tagged = { start: number; end: number; cat: Category };

/** Splits [start, end] among the intervals, earlier-listed categories first where they overlap. */
function split(start: number, end: number, intervals: Tagged[]): Record<Category, number> {
  const ms = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  // Elementary segments between all boundaries; each goes to the first category covering it.
  const cuts = [...new Set([start, end, ...intervals.flatMap((i) => [i.start, i.end])])]
    .filter((t) => t >= start && t <= end)
    .sort((a, b) => a - b);
  for (let k = 0; k + 1 < cuts.length; k++) {
    const a = cuts[k]!;
    const b = cuts[k + 1]!;
    const mid = (a + b) / 2;
    const hit = intervals.find((i) => i.start <= mid && mid <= i.end);
    ms[hit?.cat ?? 'rest'] += b - a;
  }
  return ms;
}

interface JsonReport {
  testResults: Array<{
    name: string;
    assertionResults: Array<{ title: string; fullName: string; status: string; duration?: number }>;
  }>;
}

export async function suitesSection(log: (line: string) => void, timeoutMs = 240_000): Promise<SuitesResult> {
  const dir = mkdtempSync(join(tmpdir(), 'nslab-bench-suites-'));
  try {
    const waitsFile = join(dir, 'waits.jsonl');
    const reportFile = join(dir, 'report.json');
    const args = ['run', '--config', 'bench/vitest.config.ts', '--reporter=json', `--outputFile=${reportFile}`];
    const env = {
      ...process.env,
      NSLAB_BENCH_SECTION: 'suites',
      NSLAB_BENCH_WAITS: waitsFile,
      PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
    };
    const vitest = join(ROOT, 'node_modules/vitest/vitest.mjs');
    const r = await run(process.execPath, [vitest, ...args], { cwd: ROOT, env, timeoutMs });
    const wallMs = r.endedAt - r.startedAt;
    let report: JsonReport = { testResults: [] };
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8')) as JsonReport;
    } catch {
      log(
        `  vitest wrote no report (exit ${r.code ?? r.signal}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`,
      );
    }
    let timings: TestTiming[] = [];
    try {
      timings = readFileSync(waitsFile, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as TestTiming);
    } catch {
      // no test ran
    }
    const byTest = new Map(timings.map((t) => [`${t.file}\0${t.name}`, t]));
    const files: FileTiming[] = [];
    const slowest: SuitesResult['slowest'] = [];
    for (const f of report.testResults) {
      const file = relative(ROOT, f.name);
      const ms = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
      let durationMs = 0;
      for (const a of f.assertionResults) {
        const d = a.duration ?? 0;
        durationMs += d;
        const t = byTest.get(`${file}\0${a.title}`);
        if (!t) {
          ms.rest += d;
          continue;
        }
        const tagged: Tagged[] = [
          ...t.waits.map((w) => ({ start: w.start, end: w.end, cat: waitCategory(w) })),
          ...t.holders.map((h) => ({ ...h, cat: 'holders' as const })),
          ...t.children.map((c) => ({ ...c, cat: 'children' as const })),
        ];
        // The reporter's duration also covers hooks and fixtures: what the recorder did not see is "rest".
        const parts = split(t.start, t.end, tagged);
        parts.rest += Math.max(0, d - (t.end - t.start));
        for (const c of CATEGORIES) ms[c] += parts[c];
        slowest.push({ file, name: a.title, durationMs: d, ms: parts });
      }
      files.push({
        file,
        tests: f.assertionResults.length,
        failed: f.assertionResults.filter((a) => a.status === 'failed').length,
        skipped: f.assertionResults.filter((a) => a.status === 'skipped' || a.status === 'pending').length,
        ms,
        durationMs,
      });
    }
    const total: FileTiming = {
      file: 'all',
      tests: files.reduce((a, f) => a + f.tests, 0),
      failed: files.reduce((a, f) => a + f.failed, 0),
      skipped: files.reduce((a, f) => a + f.skipped, 0),
      ms: Object.fromEntries(CATEGORIES.map((c) => [c, files.reduce((a, f) => a + f.ms[c], 0)])) as Record<
        Category,
        number
      >,
      durationMs: files.reduce((a, f) => a + f.durationMs, 0),
    };
    slowest.sort((a, b) => b.durationMs - a.durationMs);
    log(
      `  vitest run suites/: ${(wallMs / 1000).toFixed(1)} s wall, ${total.tests} tests (${total.failed} failed, ${total.skipped} skipped), ${(total.durationMs / 1000).toFixed(1)} s of test time`,
    );
    return {
      command: 'NSLAB_BENCH_SECTION=suites vitest run --config bench/vitest.config.ts',
      wallMs,
      exitCode: r.code,
      files,
      total,
      slowest: slowest.slice(0, 8),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
