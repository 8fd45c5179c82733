// Section 2: scale. 1, 100 and 500 namespaces, each with a bridge and two taps, created and
// destroyed by one process (bench/scale-worker.ts, one process per run so memory is its own),
// with and without notification streams (the Vitest fixture starts one per namespace).
import { fileURLToPath } from 'node:url';
import { run, Interrupted, stopRequested } from './lib/procs.ts';
import { median } from './lib/stats.ts';
import type { ScaleResult } from './scale-worker.ts';

const WORKER = fileURLToPath(new URL('./scale-worker.ts', import.meta.url));

export interface ScalePoint {
  count: number;
  events: boolean;
  reps: number;
  /** Median over reps of create time / count. */
  createPerNsMs: number;
  destroyPerNsMs: number;
  /** Kernel: from the end of destroy until every namespace was freed, per namespace. */
  freedPerNsMs: number;
  /** Within the (last) run: mean per-namespace create time of the first and last tenth. */
  firstTenthMs: number;
  lastTenthMs: number;
  rssDeltaMiB: number;
  heapDeltaMiB: number;
  slabPerNsKiB: number;
  unreclaimablePerNsKiB: number;
  netnsAtPeak: number;
  /** What is left after the drain: namespaces above the baseline, descriptors, pins. */
  netnsLeft: number;
  slabLeftKiB: number;
  fdsLeft: number;
  pinsLeft: string[];
  /** Namespaces of the run still held by a process or a mount afterwards. */
  heldLeft: number;
  drainTimedOut: boolean;
  raw: ScaleResult;
}

export interface ScaleOptions {
  counts: Array<{ count: number; reps: number }>;
  modes: boolean[];
  log: (line: string) => void;
}

const tenth = (xs: number[], last: boolean): number => {
  const k = Math.max(1, Math.floor(xs.length / 10));
  const part = last ? xs.slice(-k) : xs.slice(0, k);
  return part.reduce((a, b) => a + b, 0) / part.length;
};

export async function scaleSection(options: ScaleOptions): Promise<ScalePoint[]> {
  const points: ScalePoint[] = [];
  for (const { count, reps } of options.counts) {
    for (const events of options.modes) {
      if (stopRequested()) throw new Interrupted(stopRequested()!);
      const args = ['--expose-gc', WORKER, String(count), String(reps), ...(events ? ['--events'] : [])];
      const r = await run(process.execPath, args, { timeoutMs: 600_000 });
      if (r.code !== 0)
        throw new Error(
          `scale worker ${count}${events ? ' --events' : ''}: exit ${r.code ?? r.signal}: ${r.stderr.trim()}`,
        );
      const raw = JSON.parse(r.stdout.trim().split('\n').pop()!) as ScaleResult;
      const lastRep = raw.reps[raw.reps.length - 1]!;
      const m = raw.memory;
      const point: ScalePoint = {
        count,
        events,
        reps: raw.reps.length,
        createPerNsMs: median(raw.reps.map((x) => x.createMs / count)),
        destroyPerNsMs: median(raw.reps.map((x) => x.destroyMs / count)),
        freedPerNsMs: median(raw.reps.map((x) => x.drain.elapsed_ms / count)),
        firstTenthMs: tenth(lastRep.perNsMs, false),
        lastTenthMs: tenth(lastRep.perNsMs, true),
        rssDeltaMiB: m.peak.rssMiB - m.before.rssMiB,
        heapDeltaMiB: m.peak.heapUsedMiB - m.before.heapUsedMiB,
        slabPerNsKiB: (m.peak.slab.slabKiB - m.before.slab.slabKiB) / count,
        unreclaimablePerNsKiB: (m.peak.slab.unreclaimableKiB - m.before.slab.unreclaimableKiB) / count,
        netnsAtPeak: m.peak.netns - m.before.netns,
        netnsLeft: m.after.netns - m.before.netns,
        slabLeftKiB: m.after.slab.slabKiB - m.before.slab.slabKiB,
        fdsLeft: raw.leftovers.fds,
        pinsLeft: raw.leftovers.pins,
        heldLeft: raw.leftovers.held.length,
        drainTimedOut: raw.reps.some((x) => x.drain.timed_out),
        raw,
      };
      points.push(point);
      options.log(
        `  ${String(count).padStart(3)} namespaces${events ? ' + events' : '         '}: create ${point.createPerNsMs.toFixed(2)} ms/ns, destroy ${point.destroyPerNsMs.toFixed(2)} ms/ns, ` +
          `then freed in ${point.freedPerNsMs.toFixed(1)} ms/ns${point.drainTimedOut ? ' (drain timed out)' : ''}; slab ${point.slabPerNsKiB.toFixed(0)} KiB/ns; left: ${point.heldLeft} held, ${point.fdsLeft} fds, ${point.pinsLeft.length} pins`,
      );
    }
  }
  return points;
}
