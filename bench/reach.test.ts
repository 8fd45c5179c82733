// Section 6: the time to a reachability verdict (run by bench/run.ts through
// bench/vitest.config.ts with NSLAB_BENCH_SECTION=reach; skipped in the other sections' runs).
// Two namespaces joined by a veth; each repetition times `await expect(left).toReach(peer)` as a
// test writes it, and `ping -c 1 -W 1 peer` (busybox's, as the tests run it: the image has no
// iputils) started through ns.exec() and awaited, the two in alternating order. Both are warmed
// first, so the neighbour is resolved and V8 has compiled the probe: what is timed is a verdict.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { expect, test } from '../src/vitest.ts';
import { wiredPair } from '../test/helpers/traffic.ts';

export interface ReachSample {
  rep: number;
  toReachMs: number;
  pingMs: number;
}

const WARMUP = 3;

test.runIf(process.env.NSLAB_BENCH_SECTION === 'reach')(
  'toReach against ping -c 1 -W 1',
  async ({ makeNetns, skip }) => {
    const reps = Number(process.env.NSLAB_BENCH_REPS ?? 20);
    const { left } = await wiredPair({ makeNetns, skip });
    const toReach = async (): Promise<number> => {
      const t0 = performance.now();
      await expect(left).toReach('192.0.2.2', { timeout: 2000 });
      return performance.now() - t0;
    };
    const ping = async (): Promise<number> => {
      const t0 = performance.now();
      await left.exec('busybox', ['ping', '-c', '1', '-W', '1', '192.0.2.2']);
      return performance.now() - t0;
    };
    for (let i = 0; i < WARMUP; i++) {
      await toReach();
      await ping();
    }
    const samples: ReachSample[] = [];
    for (let rep = 0; rep < reps; rep++) {
      // Alternating which goes first, so neither always follows the other's cache warming.
      const [a, b] = rep % 2 ? [await ping(), await toReach()] : [await toReach(), await ping()];
      samples.push(rep % 2 ? { rep, pingMs: a, toReachMs: b } : { rep, toReachMs: a, pingMs: b });
    }
    writeFileSync(process.env.NSLAB_BENCH_OUT!, JSON.stringify(samples));
  },
);
