// Section 1: the fixture cycle, nslab against the baselines, interleaved. Each round runs every
// contender once for a chunk of cycles (after a few warm-up cycles), in an order that rotates
// from round to round; before each chunk the kernel is settled and after it the bench waits
// until the kernel has torn down every namespace the chunk left (teardown is asynchronous and
// serialised: without the wait, one contender's teardown would land on the next one's time).
import { fileURLToPath } from 'node:url';
import { netnsBaseline, waitNetnsFreed, type Drain } from './lib/kernel.ts';
import { run, stopRequested, Interrupted } from './lib/procs.ts';
import { mean, median, summarize, type Summary } from './lib/stats.ts';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
export const C_FLOOR = 'c-rtnetlink';

export interface Contender {
  name: string;
  /** How the report describes it. */
  what: string;
  file: string;
  args: (n: number, warmup: number) => string[];
  /** Runs on a JIT (node): its warm-up is FixtureOptions.jitWarmup. */
  jit?: boolean;
}

export const CONTENDERS: Contender[] = [
  {
    name: 'nslab',
    what: 'nslab, one process; the read is `Link.read()` (one targeted RTM_GETLINK, like every baseline)',
    file: process.execPath,
    jit: true,
    args: (n, w) => [here('./nslab-cycle.ts'), String(n), String(w)],
  },
  {
    name: 'nslab-state',
    what: 'nslab with `Bridge.state()` as the read: ports read first (settled operstate/carrier), addresses too',
    file: process.execPath,
    jit: true,
    args: (n, w) => [here('./nslab-cycle.ts'), String(n), String(w), '--state'],
  },
  {
    name: 'ip-steps',
    what: '`ip`, one process per step (9 per cycle), like shell/execa harnesses',
    file: 'bash',
    args: (n, w) => [here('./baselines/ip-steps.sh'), String(n), String(w)],
  },
  {
    name: 'ip-batch',
    what: '`ip netns add` + one `ip -batch` for all link steps and the read + `ip netns del`',
    file: 'bash',
    args: (n, w) => [here('./baselines/ip-batch.sh'), String(n), String(w)],
  },
  {
    name: 'pyroute2-netns',
    what: 'pyroute2 0.7 the idiomatic way: `NetNS` (a proxy process per namespace)',
    file: '/usr/bin/python3',
    args: (n, w) => [here('./baselines/pyroute2_cycle.py'), String(n), String(w), '--mode', 'netns'],
  },
  {
    name: 'pyroute2-pushns',
    what: 'pyroute2 with `pushns` + plain `IPRoute` (no proxy process)',
    file: '/usr/bin/python3',
    args: (n, w) => [here('./baselines/pyroute2_cycle.py'), String(n), String(w), '--mode', 'pushns'],
  },
  {
    name: C_FLOOR,
    what: 'raw rtnetlink in C: the floor',
    file: here('./bin/fixture_cycle'),
    args: (n, w) => [String(n), String(w)],
  },
];

export interface FixtureOptions {
  rounds: number;
  chunk: number;
  warmup: number;
  /** Warm-up of contenders on a JIT (V8 optimises a function after some hundreds of calls). */
  jitWarmup: number;
  contenders?: string[];
  /** Instead of CONTENDERS (e.g. to compare two versions of nslab). */
  list?: Contender[];
  log: (line: string) => void;
}

export interface Chunk {
  round: number;
  position: number;
  cycles: number[];
  wallMs: number;
  drain: Drain;
  error?: string;
}

export interface ContenderResult {
  name: string;
  what: string;
  cycles: Summary;
  /** Median of each chunk's cycles (shows the spread between rounds). */
  chunkMedians: number[];
  /**
   * Per chunk: mean cycle + (time from the program's exit until the kernel was idle) / (cycles
   * incl. warm-up): the cost per cycle of a long run, the kernel's catching up included.
   */
  sustainedMs: number[];
  /** Over all chunks: (all cycle time + all time until idle) / all cycles, warm-up included. */
  sustained: number;
  /** Median time from the end of a chunk until the kernel was idle / had freed everything. */
  idleAfterMs: number;
  freedAfterMs: number;
  timeouts: number;
  errors: string[];
  chunks: Chunk[];
}

export interface FixtureResult {
  rounds: number;
  chunk: number;
  warmup: number;
  jitWarmup: number;
  contenders: ContenderResult[];
  wallS: number;
}

function parseCycles(stdout: string): number[] {
  const line = stdout.trim().split('\n').pop() ?? '';
  const parsed = JSON.parse(line) as { cycles_ms: number[] };
  return parsed.cycles_ms;
}

export async function fixtureSection(options: FixtureOptions): Promise<FixtureResult> {
  const t0 = performance.now();
  const chosen = (options.list ?? CONTENDERS).filter((c) => !options.contenders || options.contenders.includes(c.name));
  const chunks = new Map<string, Chunk[]>(chosen.map((c) => [c.name, []]));
  const warmupOf = (c: Contender): number => (c.jit ? options.jitWarmup : options.warmup);
  // The drain is for measuring when the kernel went idle (teardown runs at ~20 ms a namespace).
  // Namespaces of other users keep the count up indefinitely, so the deadline is short: on a
  // time-out the idle time is still known, and the next chunk starts only once the kernel is
  // settled anyway (netnsBaseline waits for that).
  for (let round = 0; round < options.rounds; round++) {
    const order = chosen.map((_, i) => chosen[(i + round) % chosen.length]!);
    const line: string[] = [];
    for (const [position, c] of order.entries()) {
      if (stopRequested()) throw new Interrupted(stopRequested()!);
      const perChunk = options.chunk + warmupOf(c);
      const deadlineS = Math.ceil(4 + perChunk * 0.06);
      const baseline = await netnsBaseline();
      const r = await run(c.file, c.args(options.chunk, warmupOf(c)), { timeoutMs: 120_000 + perChunk * 1000 });
      const drain = await waitNetnsFreed(baseline, deadlineS, r.endedAt);
      const chunk: Chunk = { round, position, cycles: [], wallMs: r.endedAt - r.startedAt, drain };
      try {
        if (r.code !== 0)
          throw new Error(`exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
        chunk.cycles = parseCycles(r.stdout);
      } catch (error) {
        chunk.error = String(error instanceof Error ? error.message : error);
        options.log(`  ${c.name}: ${chunk.error}`);
      }
      chunks.get(c.name)!.push(chunk);
      line.push(`${c.name} ${chunk.cycles.length ? median(chunk.cycles).toFixed(2) : 'ERR'}`);
    }
    options.log(`  round ${round + 1}/${options.rounds} (chunk medians, ms): ${line.join(', ')}`);
  }
  const contenders = chosen.map((c): ContenderResult => {
    const cs = chunks.get(c.name)!;
    const ok = cs.filter((k) => !k.error && k.cycles.length);
    // A timed-out drain still says when the kernel first went idle, unless it never did.
    // Warm-up cycles are taken to cost what measured ones do (their times are not reported);
    // process start-up and exit are left out, as they are not part of a cycle.
    const drained = ok.filter((k) => !(k.drain.timed_out && k.drain.first_idle_ms >= k.drain.elapsed_ms));
    const sustainedMs = drained.map((k) => mean(k.cycles) + k.drain.first_idle_ms / (options.chunk + warmupOf(c)));
    // Pooled rather than a median of chunks: a stall (the cleanup worker holding RTNL) lands in
    // one chunk's cycles or in its drain, and only the sum over a run counts both the same way.
    return {
      name: c.name,
      what: c.what,
      cycles: summarize(ok.flatMap((k) => k.cycles)),
      chunkMedians: ok.map((k) => median(k.cycles)),
      sustainedMs,
      sustained: sustainedMs.reduce((a, b) => a + b, 0) / sustainedMs.length,
      idleAfterMs: median(ok.map((k) => k.drain.first_idle_ms)),
      freedAfterMs: median(ok.map((k) => k.drain.elapsed_ms)),
      timeouts: cs.filter((k) => k.drain.timed_out).length,
      errors: cs.flatMap((k) => (k.error ? [k.error] : [])),
      chunks: cs,
    };
  });
  return {
    rounds: options.rounds,
    chunk: options.chunk,
    warmup: options.warmup,
    jitWarmup: options.jitWarmup,
    contenders,
    wallS: (performance.now() - t0) / 1000,
  };
}
