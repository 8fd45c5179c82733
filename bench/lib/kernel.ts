// What the kernel has left to do, and what it holds: live network namespaces (through
// bench/baselines/wait-netns-freed.sh, which explains why counting them takes care) and slab memory.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { run } from './procs.ts';

const WAIT = fileURLToPath(new URL('../baselines/wait-netns-freed.sh', import.meta.url));
const SLAB = '/sys/kernel/slab/net_namespace';

export interface Drain {
  elapsed_ms: number;
  first_idle_ms: number;
  baseline: number;
  count: number;
  polls: number;
  probes: number;
  timed_out: boolean;
}

/** $EPOCHREALTIME of a performance.now() instant (seconds, 6 decimals), for wait-netns-freed's SINCE. */
export function epochRealtime(at = performance.now()): string {
  return ((performance.timeOrigin + at) / 1000).toFixed(6);
}

/** Settles the kernel and returns the live-namespace count to wait for ("live + 1"). */
export async function netnsBaseline(): Promise<number> {
  const r = await run('bash', [WAIT, '--count'], { timeoutMs: 60_000 });
  const n = Number(r.stdout.trim());
  if (r.code !== 0 || !Number.isInteger(n)) throw new Error(`wait-netns-freed.sh --count failed: ${r.stderr}`);
  return n;
}

/** Waits until the namespace count is back to baseline; times are from since (a performance.now() instant). */
export async function waitNetnsFreed(baseline: number, deadlineS: number, since: number): Promise<Drain> {
  const r = await run('bash', [WAIT, String(baseline), String(deadlineS), epochRealtime(since)], {
    timeoutMs: (deadlineS + 30) * 1000,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Drain;
  } catch {
    throw new Error(`wait-netns-freed.sh: no result (exit ${r.code}): ${r.stderr}`);
  }
}

/** Live struct net objects right now (per-CPU slabs flushed first, see wait-netns-freed.sh). */
export function netnsObjects(): number {
  writeFileSync(`${SLAB}/shrink`, '1');
  return Number(readFileSync(`${SLAB}/objects`, 'utf8').split(' ')[0]);
}

export interface SlabMemory {
  /** /proc/meminfo Slab, SReclaimable, SUnreclaim in KiB. */
  slabKiB: number;
  reclaimableKiB: number;
  unreclaimableKiB: number;
}

export function slabMemory(): SlabMemory {
  const info = readFileSync('/proc/meminfo', 'utf8');
  const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(info)?.[1] ?? Number.NaN);
  return { slabKiB: kib('Slab'), reclaimableKiB: kib('SReclaimable'), unreclaimableKiB: kib('SUnreclaim') };
}
