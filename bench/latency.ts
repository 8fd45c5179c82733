// Section 3: wait latency; the measuring is done by bench/wait-latency.test.ts under Vitest
// (the matchers are measured as tests use them), this runs it and summarises.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './lib/procs.ts';
import { summarize, type Summary } from './lib/stats.ts';
import type { LatencySample } from './wait-latency.test.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface LatencyRow {
  observer: string;
  n: number;
  carrier: Summary;
  operDown: Summary;
  /** operstate down minus carrier loss, per sample. */
  gap: Summary;
  missed: number;
  closeFd: Summary;
}

export interface LatencyResult {
  reps: number;
  rows: LatencyRow[];
  samples: LatencySample[];
  wallS: number;
}

export async function latencySection(reps: number, log: (line: string) => void): Promise<LatencyResult> {
  const dir = mkdtempSync(join(tmpdir(), 'nslab-bench-latency-'));
  try {
    const out = join(dir, 'latency.json');
    const env = {
      ...process.env,
      NSLAB_BENCH_SECTION: 'latency',
      NSLAB_BENCH_OUT: out,
      NSLAB_BENCH_REPS: String(reps),
      PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
    };
    const r = await run(
      process.execPath,
      [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'bench/vitest.config.ts'],
      { cwd: ROOT, env, timeoutMs: 600_000 },
    );
    let samples: LatencySample[];
    try {
      samples = JSON.parse(readFileSync(out, 'utf8')) as LatencySample[];
    } catch {
      throw new Error(
        `wait-latency run wrote nothing (exit ${r.code ?? r.signal}): ${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`,
      );
    }
    if (r.code !== 0)
      log(
        `  wait-latency test failed (exit ${r.code}); the samples are kept: ${r.stdout
          .split('\n')
          .filter((l) => /FAIL|Error/.test(l))
          .slice(0, 3)
          .join(' | ')}`,
      );
    const rows = ['matchers', 'listener', 'sysfs'].map((observer): LatencyRow => {
      const s = samples.filter((x) => x.observer === observer);
      const seen = s.filter((x) => x.carrierMs !== null && x.operDownMs !== null);
      return {
        observer,
        n: s.length,
        carrier: summarize(seen.map((x) => x.carrierMs!)),
        operDown: summarize(seen.map((x) => x.operDownMs!)),
        gap: summarize(seen.map((x) => x.operDownMs! - x.carrierMs!)),
        missed: s.length - seen.length,
        closeFd: summarize(s.map((x) => x.closeFdMs)),
      };
    });
    for (const row of rows) {
      log(
        `  ${row.observer.padEnd(9)} carrier loss ${row.carrier.median.toFixed(1)} ms, operstate down ${row.operDown.median.toFixed(1)} ms (medians of ${row.n}${row.missed ? `, ${row.missed} missed` : ''})`,
      );
    }
    return { reps, rows, samples, wallS: (r.endedAt - r.startedAt) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
