// Section 6: time to a reachability verdict; bench/reach.test.ts measures under Vitest (the
// matcher as tests use it), this runs it and summarises.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './lib/procs.ts';
import { summarize, type Summary } from './lib/stats.ts';
import type { ReachSample } from './reach.test.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ReachResult {
  reps: number;
  toReach: Summary;
  ping: Summary;
  /** ping's median over toReach's. */
  ratio: number;
}

export async function reachSection(reps: number, log: (line: string) => void): Promise<ReachResult> {
  const dir = mkdtempSync(join(tmpdir(), 'nslab-bench-reach-'));
  try {
    const out = join(dir, 'reach.json');
    const env = { ...process.env, NSLAB_BENCH_SECTION: 'reach', NSLAB_BENCH_OUT: out, NSLAB_BENCH_REPS: String(reps) };
    const r = await run(
      process.execPath,
      [
        join(ROOT, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--config',
        'bench/vitest.config.ts',
        'bench/reach.test.ts',
      ],
      { cwd: ROOT, env, timeoutMs: 300_000 },
    );
    let samples: ReachSample[];
    try {
      samples = JSON.parse(readFileSync(out, 'utf8')) as ReachSample[];
    } catch {
      throw new Error(
        `the reach run wrote nothing (exit ${r.code ?? r.signal}): ${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`,
      );
    }
    const toReach = summarize(samples.map((s) => s.toReachMs));
    const ping = summarize(samples.map((s) => s.pingMs));
    const result = { reps: samples.length, toReach, ping, ratio: ping.median / toReach.median };
    log(
      `  toReach ${toReach.median.toFixed(2)} ms, ping -c 1 -W 1 through ns.exec ${ping.median.toFixed(2)} ms (medians of ${samples.length}): ${result.ratio.toFixed(1)}×`,
    );
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
