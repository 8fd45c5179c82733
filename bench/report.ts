// Turns the bench's results into the table of ratios printed at the end, docs/benchmarks.md
// and docs/benchmarks.svg. Every number in them comes from the run; the prose around them is
// fixed, and says where each number comes from.
import { C_FLOOR, type FixtureResult } from './fixture.ts';
import type { ScalePoint } from './scale.ts';
import type { LatencyResult } from './latency.ts';
import { captureMarkdown, captureTable, type CaptureResult } from './capture.ts';
import { CATEGORIES, type SuitesResult } from './suites.ts';
import type { RoutesResult } from './routes.ts';
import type { ReachResult } from './reach.ts';
import { fmt, fmtRatio } from './lib/stats.ts';
import { barChartSvg } from './lib/svg.ts';

export interface Meta {
  date: string;
  command: string;
  kernel: string;
  machine: string;
  software: string;
  durationS: number;
  load: string;
  foreign: string;
}

export interface BenchResults {
  meta: Meta;
  fixture?: FixtureResult;
  scale?: ScalePoint[];
  latency?: LatencyResult;
  suites?: SuitesResult;
  routes?: RoutesResult;
  reach?: ReachResult;
  capture?: CaptureResult;
}

export interface RatioRow {
  what: string;
  measured: string;
  target: string;
  /** undefined: informational, no target. */
  met: boolean | undefined;
}

const get = (f: FixtureResult, name: string) => f.contenders.find((c) => c.name === name);

export function ratioRows(r: BenchResults): RatioRow[] {
  const rows: RatioRow[] = [];
  const f = r.fixture;
  const nslab = f && get(f, 'nslab');
  const c = f && get(f, C_FLOOR);
  if (f && nslab && c) {
    const vsC = nslab.cycles.median / c.cycles.median;
    rows.push({
      what: 'fixture cycle: nslab median / C floor median',
      measured: fmtRatio(vsC),
      target: '≤ 1.5×',
      met: vsC <= 1.5,
    });
    for (const [name, target] of [
      ['ip-steps', 10],
      ['ip-batch', undefined],
      ['pyroute2-netns', 5],
      ['pyroute2-pushns', 5],
    ] as const) {
      const other = get(f, name);
      if (!other) continue;
      const x = other.cycles.median / nslab.cycles.median;
      rows.push({
        what: `fixture cycle: ${name} median / nslab median`,
        measured: fmtRatio(x),
        target: target ? `≥ ${target}×` : '–',
        met: target ? x >= target : undefined,
      });
    }
    const sus = nslab.sustained / c.sustained;
    rows.push({
      what: 'sustained (until the kernel is idle): nslab / C floor, per cycle',
      measured: fmtRatio(sus),
      target: '≤ 1.2×',
      met: sus <= 1.2,
    });
    const state = get(f, 'nslab-state');
    if (state)
      rows.push({
        what: 'fixture cycle: nslab with state() / nslab with read(), median',
        measured: fmtRatio(state.cycles.median / nslab.cycles.median),
        target: '–',
        met: undefined,
      });
  }
  const s = r.scale;
  if (s?.length) {
    for (const events of [false, true]) {
      const pts = s.filter((p) => p.events === events).sort((a, b) => a.count - b.count);
      const first = pts[0];
      const last = pts[pts.length - 1];
      if (!first || !last || first === last) continue;
      const x = last.createPerNsMs / first.createPerNsMs;
      rows.push({
        what: `scale${events ? ' (with notification streams)' : ''}: create time per namespace, ${last.count} / ${first.count}`,
        measured: fmtRatio(x),
        target: '≤ 1.2×',
        met: x <= 1.2,
      });
    }
    // Nothing of the run held by any process or mount, no descriptor, no pin. Whether the kernel
    // had freed them all is shown apart: other users' namespaces can keep the count up.
    const left = s.filter((p) => p.heldLeft || p.fdsLeft !== 0 || p.pinsLeft.length);
    rows.push({
      what: 'scale: left after destroy (namespaces held, descriptors, pins)',
      measured: left.length ? `${left.length} run(s) left something` : 'nothing',
      target: 'nothing',
      met: left.length === 0,
    });
    const unfreed = s.filter((p) => p.drainTimedOut).length;
    rows.push({
      what: 'scale: runs after which the kernel was seen to free every namespace',
      measured: `${s.length - unfreed} of ${s.length}`,
      target: '–',
      met: undefined,
    });
  }
  const l = r.latency;
  if (l) {
    const m = l.rows.find((x) => x.observer === 'matchers');
    const lis = l.rows.find((x) => x.observer === 'listener');
    if (m)
      rows.push({
        what: 'wait latency: matchers, operstate down after carrier loss (median gap)',
        measured: `${fmt(m.gap.median)} ms`,
        target: '≤ 50 ms',
        met: m.gap.median <= 50 && m.missed === 0,
      });
    if (m && lis)
      rows.push({
        what: 'wait latency: passive listener / matchers, bridge operstate down (medians)',
        measured: fmtRatio(lis.operDown.median / m.operDown.median),
        target: '> 1× (well before)',
        met: lis.operDown.median > m.operDown.median,
      });
  }
  if (r.routes) rows.push(...routesRatioRows(r.routes));
  if (r.reach)
    rows.push({
      what: `time to a reachability verdict: ping -c 1 -W 1 through ns.exec / toReach, medians of ${r.reach.reps}`,
      measured: `${fmtRatio(r.reach.ratio)} (${fmt(r.reach.ping.median, 2)} ms / ${fmt(r.reach.toReach.median, 2)} ms)`,
      target: '≥ 10×',
      met: r.reach.ratio >= 10,
    });
  if (r.capture)
    rows.push({
      what: 'capture: highest rate on a veth with no drop (tp_drops)',
      measured:
        r.capture.beforeDrops === undefined ? 'none' : `${Math.round(r.capture.beforeDrops).toLocaleString('en')} pps`,
      target: '–',
      met: undefined,
    });
  return rows;
}

/** The routes section's rows: nslab against each baseline, medians over rounds (lookups: per lookup). */
function routesRatioRows(x: RoutesResult): RatioRow[] {
  const of = (name: string) => x.contenders.find((c) => c.name === name);
  const nslab = of('nslab');
  if (!nslab?.addMs.n) return [];
  const rows: RatioRow[] = [];
  const n = x.routes.toLocaleString('en');
  for (const [name, label, target] of [
    ['ip', 'ip -batch', 2],
    ['pyroute2', 'pyroute2', 10],
  ] as const) {
    const other = of(name);
    if (!other?.addMs.n) continue;
    const add = other.addMs.median / nslab.addMs.median;
    rows.push({
      what: `bulk add of ${n} routes: ${label} / nslab`,
      measured: fmtRatio(add),
      target: `≥ ${target}×`,
      met: add >= target,
    });
    rows.push({
      what: `bulk add, V8 warm (nslab's second addAll in the process): ${label} / nslab`,
      measured: fmtRatio(other.addMs.median / x.warmAddMs),
      target: '–',
      met: undefined,
    });
    rows.push({
      what: `dump of the ${n} routes: ${name === 'ip' ? 'ip route show' : label} / nslab`,
      measured: fmtRatio(other.dumpMs.median / nslab.dumpMs.median),
      target: '–',
      met: undefined,
    });
    rows.push({
      what: `lookup: ${name === 'ip' ? 'ip route get, a process per lookup,' : label} / nslab, per lookup`,
      measured: fmtRatio(other.lookupUs.median / nslab.lookupUs.median),
      target: '–',
      met: undefined,
    });
  }
  // The dump's cost per route at all the routes against one table's. Not held to ~1: one table's
  // objects fit V8's young generation and need no GC, 10,000 routes' do (see the section's text).
  rows.push({
    what: `route dump, warm, per route: ${n} routes / one table of ${x.tableRoutes}`,
    measured: fmtRatio(x.warmDumpMs / x.routes / (x.tableDumpMs / x.tableRoutes)),
    target: '–',
    met: undefined,
  });
  rows.push({
    what: `memory: ${n} routes read into JavaScript (heap after GC, RSS)`,
    measured: `${fmt(x.heapMiB, 1)} MiB, ${fmt(x.rssMiB, 1)} MiB`,
    target: '–',
    met: undefined,
  });
  return rows;
}

const table = (head: string[], rows: string[][], align?: string[]): string =>
  [
    `| ${head.join(' | ')} |`,
    `|${(align ?? head.map((_, i) => (i ? '---:' : '---'))).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

const mark = (met: boolean | undefined): string => (met === undefined ? '' : met ? 'yes' : '**no**');

export function ratiosTable(r: BenchResults): string {
  return table(
    ['comparison', 'measured', 'target', 'met'],
    ratioRows(r).map((x) => [x.what, x.measured, x.target, mark(x.met)]),
    ['---', '---:', '---:', '---'],
  );
}

export function fixtureTable(f: FixtureResult): string {
  return table(
    [
      'contender',
      'median ms',
      'p10',
      'p90',
      'mean',
      'chunk medians',
      'sustained ms/cycle',
      'idle after ms',
      'vs nslab (median)',
    ],
    f.contenders.map((c) => {
      const nslab = get(f, 'nslab')!;
      return [
        c.name,
        fmt(c.cycles.median),
        fmt(c.cycles.p10),
        fmt(c.cycles.p90),
        fmt(c.cycles.mean),
        `${fmt(Math.min(...c.chunkMedians))}–${fmt(Math.max(...c.chunkMedians))}`,
        fmt(c.sustained),
        fmt(c.idleAfterMs, 0),
        fmtRatio(c.cycles.median / nslab.cycles.median),
      ];
    }),
  );
}

export function scaleTable(points: ScalePoint[]): string {
  return table(
    [
      'namespaces',
      'streams',
      'create ms/ns',
      'first → last tenth',
      'destroy ms/ns',
      'then freed ms/ns',
      'teardown ms/ns',
      'RSS +MiB',
      'heap +MiB',
      'slab KiB/ns',
      'unreclaimable KiB/ns',
      'freed / held / fds / pins',
    ],
    points.map((p) => [
      String(p.count),
      p.events ? 'yes' : 'no',
      fmt(p.createPerNsMs),
      `${fmt(p.firstTenthMs)} → ${fmt(p.lastTenthMs)}`,
      fmt(p.destroyPerNsMs),
      fmt(p.freedPerNsMs, 1),
      fmt(p.destroyPerNsMs + p.freedPerNsMs, 1),
      fmt(p.rssDeltaMiB, 1),
      fmt(p.heapDeltaMiB, 1),
      // Kernel-wide numbers: other users of the machine swamp a single namespace's share.
      p.count >= 20 ? fmt(p.slabPerNsKiB, 0) : '–',
      p.count >= 20 ? fmt(p.unreclaimablePerNsKiB, 0) : '–',
      `${p.drainTimedOut ? 'not seen' : 'yes'} / ${p.heldLeft} / ${p.fdsLeft} / ${p.pinsLeft.length}`,
    ]),
  );
}

/** "N = 1: a KiB RSS, b KiB heap; N = 100: ..." for the rows with notification streams. */
function perHandleMemory(points: readonly ScalePoint[]): string {
  const kib = (mib: number, n: number): string => fmt(Math.max(0, (mib * 1024) / n), 1);
  return points
    .filter((p) => p.events)
    .map((p) => `N = ${p.count}: ${kib(p.rssDeltaMiB, p.count)} KiB RSS, ${kib(p.heapDeltaMiB, p.count)} KiB heap`)
    .join('; ');
}

export function latencyTable(l: LatencyResult): string {
  return table(
    [
      'observer',
      'n',
      'carrier loss: median ms',
      'p10–p90',
      'bridge operstate down: median ms',
      'p10–p90',
      'gap median ms',
      'not seen',
    ],
    l.rows.map((x) => [
      x.observer,
      String(x.n),
      fmt(x.carrier.median),
      `${fmt(x.carrier.p10)}–${fmt(x.carrier.p90)}`,
      fmt(x.operDown.median),
      `${fmt(x.operDown.p10)}–${fmt(x.operDown.p90)}`,
      fmt(x.gap.median),
      String(x.missed),
    ]),
  );
}

export function suitesTable(s: SuitesResult): string {
  const secs = (ms: number): string => (ms / 1000).toFixed(2);
  const rows = [...s.files, s.total].map((f) => [
    f.file === 'all' ? '**all**' : f.file.replace(/^suites\//, ''),
    `${f.tests}${f.failed ? ` (${f.failed} failed)` : ''}${f.skipped ? ` (${f.skipped} skipped)` : ''}`,
    secs(f.durationMs),
    ...CATEGORIES.map((c) => secs(f.ms[c])),
  ]);
  return table(
    [
      'file',
      'tests',
      'test time s',
      'DAD',
      'link state',
      'other waits',
      'immediate reads',
      'child processes',
      'holder starts',
      'rest',
    ],
    rows,
  );
}

export function routesTable(x: RoutesResult): string {
  return table(
    ['contender', 'add ms', 'p10–p90', 'per route µs', 'dump ms', 'p10–p90', 'lookup µs', 'p10–p90', 'lookups'],
    x.contenders.map((c) => [
      c.name,
      fmt(c.addMs.median),
      `${fmt(c.addMs.p10)}–${fmt(c.addMs.p90)}`,
      fmt((c.addMs.median * 1000) / x.routes),
      fmt(c.dumpMs.median),
      `${fmt(c.dumpMs.p10)}–${fmt(c.dumpMs.p90)}`,
      fmt(c.lookupUs.median),
      `${fmt(c.lookupUs.p10)}–${fmt(c.lookupUs.p90)}`,
      `${c.lookupUs.n}${c.errors.length ? ` (${c.errors.length} runs failed)` : ''}`,
    ]),
  );
}

export function chart(r: BenchResults): string | undefined {
  const f = r.fixture;
  const c = f && get(f, C_FLOOR);
  const nslab = f && get(f, 'nslab');
  if (!f || !c || !nslab) return undefined;
  const ip = get(f, 'ip-steps');
  const py = get(f, 'pyroute2-pushns');
  const bars = f.contenders.map((x) => ({
    label: x.name,
    value: x.cycles.median,
    low: x.cycles.p10,
    high: x.cycles.p90,
    highlight: x.name.startsWith('nslab'),
  }));
  const sustained = f.contenders.map((x) => ({
    label: x.name,
    value: x.sustained,
    highlight: x.name.startsWith('nslab'),
  }));
  return barChartSvg(
    [
      {
        title: 'Fixture cycle: per-cycle median',
        unit: 'ms per cycle, whiskers p10–p90, targets for nslab dashed',
        bars,
        targets: [
          { value: c.cycles.median * 1.5, label: '1.5 × C' },
          ...(ip ? [{ value: ip.cycles.median / 10, label: 'ip-steps ÷ 10' }] : []),
          ...(py ? [{ value: py.cycles.median / 5, label: 'pyroute2-pushns ÷ 5' }] : []),
        ],
      },
      {
        title: 'Sustained, until the kernel is idle',
        unit: 'ms per cycle, target for nslab dashed',
        bars: sustained,
        targets: [{ value: c.sustained * 1.2, label: '1.2 × C' }],
      },
    ],
    `${r.meta.date} · ${r.meta.kernel} · ${f.rounds} rounds × ${f.chunk} cycles per contender (+${f.warmup} warm-up, ${f.jitWarmup} for nslab), interleaved · nslab bars dark`,
  );
}

export function consoleReport(r: BenchResults): string {
  const parts: string[] = [];
  if (r.fixture) parts.push('Fixture cycle (ms):', fixtureTable(r.fixture));
  if (r.scale) parts.push('Scale:', scaleTable(r.scale));
  if (r.latency) parts.push('Wait latency (ms from just before closeFd):', latencyTable(r.latency));
  if (r.suites)
    parts.push(
      `Suites (${(r.suites.wallMs / 1000).toFixed(1)} s wall; seconds of test time by what it went to):`,
      suitesTable(r.suites),
    );
  if (r.routes)
    parts.push(`Routes (${r.routes.routes} routes, medians over ${r.routes.rounds} rounds):`, routesTable(r.routes));
  if (r.capture) parts.push(`Capture (${r.capture.stepS} s a step):`, captureTable(r.capture));
  parts.push('Ratios:', ratiosTable(r));
  return parts.join('\n\n');
}

export function markdown(r: BenchResults, svgName: string | undefined): string {
  const m = r.meta;
  const out: string[] = [];
  out.push(
    '# Benchmarks',
    '',
    `Generated by \`${m.command}\` (bench/run.ts) on ${m.date}; do not edit by hand, re-run it.`,
    '',
    `- machine: ${m.machine}`,
    `- kernel: ${m.kernel}`,
    `- software: ${m.software}`,
    `- run: ${m.durationS.toFixed(0)} s; load average ${m.load}`,
    `- other users of the machine: ${m.foreign}`,
    '',
    '## Ratios',
    '',
    ratiosTable(r),
    '',
  );
  if (svgName)
    out.push(`![fixture cycle: per-cycle medians and sustained cost, log scale, targets dashed](${svgName})`, '');
  const f = r.fixture;
  if (f) {
    out.push(
      '## 1. Fixture cycle',
      '',
      'One cycle: new namespace; bridge `br0`; persistent tap `tap0` with MAC 52:54:00:00:00:01; attach;',
      "both up; read the bridge's flags, operstate, carrier and bridge ID; destroy. Contenders:",
      '',
      ...f.contenders.map((c) => `- **${c.name}**: ${c.what}`),
      '',
      `Interleaved: ${f.rounds} rounds; in each round every contender runs once, ${f.chunk} measured cycles after ${f.warmup} warm-up`,
      `cycles (${f.jitWarmup} for nslab: V8 optimises a function only after it has run a while; in a separate check`,
      'with 20 its median was ~8 % higher), in an order that rotates by one each round. Before each chunk the kernel is settled',
      '(bench/baselines/wait-netns-freed.sh --count) and after it the bench waits until the kernel has',
      "torn down every namespace the chunk left, so no contender's deferred teardown lands on another's time.",
      '*median/p10/p90/mean*: over all measured cycles of all rounds. *chunk medians*: the range of the',
      "per-round medians. *sustained*: (time in cycles + time from each program's exit until the kernel",
      'was idle again) / cycles, over all chunks, warm-up cycles included (taken to cost what measured ones',
      'do): what a long run costs per cycle once the kernel has caught up with it (process start-up is not',
      "counted). Pooled, since a stall lands either in a chunk's cycles or in its drain. *idle after*: from",
      "the program's exit until no namespace cleanup ran any more and the count of live namespaces was stable (median).",
      '',
      fixtureTable(f),
      '',
      'How to read it:',
      '',
      "- **The kernel sets the sustained rate, for everyone.** A namespace's teardown is asynchronous: the",
      "  last reference queues it on the kernel's netns workqueue, where one cleanup worker tears namespaces",
      '  down in batches, serialised, holding the RTNL lock for parts of it (unregistering the bridge and the',
      '  tap, RCU grace periods). That costs about 20 ms of kernel time per namespace with a bridge here, far',
      '  more than creating it. A fast contender (C, nslab) finishes its cycles long before the kernel has',
      '  caught up; its sustained cost per cycle is the teardown cost. No tool can go below that without',
      '  leaving the work behind, and the per-cycle median alone hides it.',
      '- **Stalls.** Requests that need the RTNL lock (every link change, and `unshare`, whose loopback',
      '  registration takes it) wait while the cleanup worker holds it: that is the long tail (p90, mean)',
      '  of every contender, and it grows with the backlog a fast contender builds up in its own chunk,',
      "  warm-up included: nslab's chunks, with their longer warm-up, carry more of it, so compare means",
      '  with care (the sustained cost counts stalls fairly).',
      '- **What nslab adds to the C floor** (see below): the same netlink requests, and a few cheap syscalls',
      '  more; the kernel time of each call is the same as in C (`perf trace`). The difference is JavaScript',
      '  between the calls, ~0.14–0.18 ms a cycle (message building and decoding, objects, promises; inside',
      "  the cycle each costs several times what it does in a hot loop: decoding a bridge's message 3 µs hot, 7–16 µs there),",
      "  and, because the cycle takes longer, more of the kernel's asynchronous work (the linkwatch worker, the",
      '  namespace cleanup worker on the other CPU) landing inside it. JavaScript also suffers more from other',
      '  load on the machine than a program that spends its time in the kernel.',
      "- **nslab-state** reads `state()`: targeted reads of every port first, so the bridge's carrier and",
      '  operstate are settled (the racy read of the others usually says "up"/carrier on for a bridge whose',
      '  only port has no carrier), plus the addresses. The extra cost is mostly kernel work: the port read',
      "  runs the pending linkwatch event, which deactivates the port's queues (an RCU grace period).",
      '',
    );
  }
  out.push(
    '### What was changed in nslab for this',
    '',
    "Profiled with per-syscall timing (wrapping nslab's libc bindings), `perf trace`, `perf record`, V8 CPU",
    'profiles and `strace -c`, while writing this bench (numbers from then, not re-measured by each run).',
    'A cycle went from 15 netlink requests and 24 receives (with `state()`, the only read there was) to',
    "9 and 12 with `state()`, and 6 and 7 with `read()`: the C floor's numbers. What nslab still does on",
    'top: bind and 3 options on its socket, 2 setns() to open /dev/net/tun inside the namespace, 1 ioctl. Changes:',
    '',
    '- one shared 64 KiB receive buffer instead of one per socket (zero-filling it cost ~20 µs a namespace);',
    '- `RTM_NEWLINK` with `NLM_F_ECHO`: the kernel (6.1+) returns the new link, so no GET after it (older',
    '  kernels send nothing back and nslab falls back to the GET);',
    '- tap creation: `TUNSETIFF` with `IFF_TUN_EXCL` instead of a GET to check the name is free (~30 µs,',
    '  and no error object on the way); the index from `SIOCGIFINDEX` instead of a GET (~20 µs: a GET also',
    "  runs the device's pending linkwatch work); no GET at the end;",
    '- `attachTo()`: no GET of a handle already known to be a bridge (the GET now explains a refusal);',
    '- GETs without `NLM_F_ACK` (one receive fewer) and with `RTEXT_FILTER_SKIP_STATS` (a fifth less to build);',
    '- decoding: Buffer views only for the attributes nslab reads, MACs formatted from a table',
    '  (`decodeLink` of a bridge: 11.7 → ~3 µs when hot);',
    '- `state()` of a bridge: one GET fewer (the handle knows it is a bridge);',
    "- `Link.read()`: one targeted GET, the device's own state, for when `state()` is more than needed.",
    '',
    'Interleaved A/B at the time (6 rounds × 30 cycles): the cycle with `state()` 2.55 ms median before,',
    '1.81 after; with `read()` 1.30; the C floor 0.91.',
    '',
  );
  const s = r.scale;
  const big = s?.reduce((a, b) => (b.count > a.count || (b.count === a.count && !b.events) ? b : a));
  if (s && big) {
    out.push(
      '## 2. Scale',
      '',
      'One process (bench/scale-worker.ts, one process per row so its memory is its own) creates N',
      'namespaces, each with a bridge and two taps (descriptors owned by the process, attached, all up),',
      'then destroys them all and waits until the kernel has freed them; N = 1 is repeated and the',
      'median taken. *streams*: each namespace also gets its notification stream, as the Vitest fixture',
      'starts one. *first → last tenth*: mean create time per namespace of the first and last tenth of',
      'the run. *destroy*: `ns.destroy()` of all of them, per namespace; *then freed*: from there until',
      'the kernel had freed them all; *teardown*: the two together. Memory: RSS and V8 heap of the process,',
      "and the kernel's slab (/proc/meminfo Slab, SUnreclaim) at the peak, minus before (kernel-wide, so",
      'not shown for N = 1, where other users of the machine swamp it). *freed*: the count of live',
      'struct nets (net_namespace slab) came back to the settled baseline ("not seen": namespaces of',
      'other users kept it up until the deadline); *held*: namespaces of the last run that any process',
      '(as its namespace or an open descriptor, scanning /proc) or mount still held afterwards; *fds*:',
      'open descriptors of the process after, minus before; *pins*: /run/netns entries left by the process.',
      '',
      scaleTable(s),
      '',
      '- Creating costs about the same per namespace at any count, with or without streams (N = 1 is',
      '  slower: a namespace created on an idle kernel costs more, for the C floor too; the first tenth of',
      "  a run pays the JIT's warm-up). One part does grow with the count when streams are on, small at 500:",
      "  every link notification goes through the kernel's netlink_broadcast(), which walks all of",
      "  NETLINK_ROUTE's multicast listeners in the system, every namespace's, skipping the others' one by",
      '  one, and a new namespace with a bridge and two taps emits a dozen notifications. (Measured while',
      '  writing this: time in syscalls per namespace 0.96 → 1.21 ms from the first to the last tenth of',
      "  500 with streams, flat at 0.8 ms without; JavaScript time flat in both. nslab's poll()-based",
      '  reactor, rewritten on epoll for a test, made no difference, so it stayed.)',
      "- Teardown is the kernel's: `destroy()` only closes descriptors (the namespace's, its socket's, the",
      `  taps'), and the kernel frees the namespace later, in its serialised cleanup worker: ${fmt(big.destroyPerNsMs + big.freedPerNsMs, 0)} ms per`,
      `  namespace with a bridge and two taps at N = ${big.count}. The split between *destroy* and *then freed* moves with`,
      "  the count: closing a tap's descriptor takes the RTNL lock, which the cleanup worker holds while it",
      '  tears down the namespaces destroyed just before, so in a long run the closes wait for it. The',
      "  total per namespace stays at the kernel's rate.",
      `- Each namespace with a bridge and two taps holds ~${fmt(big.slabPerNsKiB, 0)} KiB of kernel slab (${fmt(big.unreclaimablePerNsKiB, 0)} KiB`,
      '  unreclaimable: sysctl tables, sysfs/kernfs nodes, per-device and per-protocol state), returned once',
      `  the teardown is done; the process grows by ${fmt(big.rssDeltaMiB, 1)} MiB RSS (${fmt(big.heapDeltaMiB, 1)} MiB of heap) for ${big.count} namespaces.`,
      `- Memory per live handle with its socket and notification stream (peak minus before, over N): ${perHandleMemory(s)}.`,
      "  RSS moves in the allocator's and V8's chunks, so it is only meaningful at the larger counts; the",
      "  heap is what the handles' objects take (the receive buffer is one per process, not per socket).",
      '',
    );
  }
  const l = r.latency;
  if (l) {
    out.push(
      '## 3. Wait latency',
      '',
      'A bridge whose only port is a tap held open by a holder process; the holder closes its',
      `descriptor. Times from just before \`closeFd()\`, ${l.reps} repetitions per observer, one observer per`,
      "repetition (a matcher's reads would hand the others their notifications early), rotating, each in",
      'a fresh namespace (bench/wait-latency.test.ts, run under Vitest):',
      '',
      "- **matchers**: `await expect(tap).not.toHaveCarrier()` then `await expect(br).toHaveOperstate('down')`,",
      '  written as a test writes them (they start once `closeFd()` has returned, which includes the',
      "  holder's round trip, median " + `${fmt(l.rows[0]?.closeFd.median)} ms).`,
      "- **listener**: the namespace's notification socket alone (`ns.events` after `flush()`), no request.",
      '- **sysfs**: a process inside the namespace, in a mount namespace of its own with a sysfs mounted',
      '  there (`unshare --mount` + `mount -t sysfs`: sysfs shows the network namespace of whoever mounted',
      "  it, so the host's /sys — even read by a process that setns()'d into the namespace — shows the",
      "  host's devices), reading tap0/carrier and br0/operstate every millisecond; timestamps in",
      "  CLOCK_MONOTONIC, compared with the test's.",
      '',
      latencyTable(l),
      '',
      "Why: the tap's carrier goes off when its last descriptor closes, and every observer sees that",
      "within a few ms. The bridge's operstate follows only through linkwatch, the kernel's deferred",
      "worker: when the port's carrier event runs, the bridge's carrier goes off, which queues the",
      "bridge's own event; non-urgent events run at most once a second. So a passive listener hears the",
      "bridge's RTM_NEWLINK two linkwatch runs later (~2 s). A targeted RTM_GETLINK runs the device's",
      'pending linkwatch work first (kernel 6.x): the matchers read the port, then the bridge, so they see',
      'the settled operstate right after the carrier change. In sysfs, reading `carrier` also runs the',
      "device's pending linkwatch work but reading `operstate` does not: the poller, reading the tap's",
      "carrier every ms, gets the bridge's event queued at once, and then waits for one linkwatch run",
      '(a one-off check while writing this bench, not re-measured by it: a poller reading only',
      'br0/operstate saw "down" after ~1.9 s, like the listener).',
      '',
    );
  }
  const su = r.suites;
  if (su) {
    const t = su.total;
    const waitMs = t.ms.dad + t.ms.linkwatch + t.ms.otherWait;
    out.push(
      '## 4. The claim suites',
      '',
      `\`${su.command}\` (all of suites/, with bench/suites-timing.setup.ts, 2 workers): **${(su.wallMs / 1000).toFixed(1)} s** wall,`,
      `${t.tests} tests, ${(t.durationMs / 1000).toFixed(1)} s of test time. The setup file times every`,
      'until()/pollUntil() call (which is also what every matcher waits with), every program run through',
      'execa (`ns.exec`: `ip` oracles, sysctl, dnsmasq) and every tap holder start, per test. A wait',
      'that needed more than one read is time the kernel took (a timer: DAD, linkwatch; or a daemon);',
      "one that found the state at once is nslab's read. Seconds of test time:",
      '',
      suitesTable(su),
      '',
      `Waiting for the kernel: ${(waitMs / 1000).toFixed(1)} s of ${(t.durationMs / 1000).toFixed(1)} s (${fmt((100 * waitMs) / Math.max(1, t.durationMs), 0)} %), of which DAD ${(t.ms.dad / 1000).toFixed(1)} s`,
      `and link state ${(t.ms.linkwatch / 1000).toFixed(1)} s; child processes the tests run ${(t.ms.children / 1000).toFixed(1)} s. nslab's own share — immediate`,
      `reads ${(t.ms.immediateReads / 1000).toFixed(2)} s, holder starts ${(t.ms.holders / 1000).toFixed(2)} s (a shell process per held tap) and part of the rest`,
      `(${(t.ms.rest / 1000).toFixed(2)} s, which also has the tests' own code and fixtures) — is at most ${((t.ms.immediateReads + t.ms.holders + t.ms.rest) / 1000).toFixed(1)} s.`,
      '',
      'Slowest tests:',
      '',
      table(
        ['test', 's', 'kernel waits s', 'children s', 'holders s', 'rest s'],
        su.slowest.map((x) => [
          `${x.file.replace(/^suites\//, '')}: ${x.name.slice(0, 70)}`,
          (x.durationMs / 1000).toFixed(2),
          ((x.ms.dad + x.ms.linkwatch + x.ms.otherWait) / 1000).toFixed(2),
          (x.ms.children / 1000).toFixed(2),
          (x.ms.holders / 1000).toFixed(2),
          ((x.ms.rest + x.ms.immediateReads) / 1000).toFixed(2),
        ]),
      ),
      '',
    );
  }
  const rt = r.routes;
  if (rt) {
    const nslab = rt.contenders.find((c) => c.name === 'nslab');
    out.push(
      '## 5. Routes',
      '',
      `${rt.routes.toLocaleString('en')} IPv4 routes added to one namespace, then dumped, then ${rt.lookups.toLocaleString('en')} lookups, by each contender in`,
      'a fresh namespace of its own (veth v0/v1 up, 192.0.2.1/24 on v0). The routes are /32s of the',
      'documentation ranges only: 766 hosts of 198.51.100.0/24, 203.0.113.0/24 and 192.0.2.0/24, each',
      `via 192.0.2.254 dev v0, the same hosts again in table after table (${rt.tables}); a rule`,
      '`pref 100 lookup 1000` makes lookups find the routes of table 1000 (bench/lib/route-set.ts). Contenders:',
      '',
      ...rt.contenders.map((c) => `- **${c.name}**: ${c.what}`),
      '',
      `Interleaved: ${rt.rounds} rounds, each contender once per round in an order that rotates, each run in a`,
      'process of its own, started only once the kernel had freed the namespaces of the runs before.',
      '*add*, *dump*: medians over rounds; *lookup*: median over every lookup of every round',
      `(\`ip route get\` ${rt.ipLookups} a round, a process each). The times of ip include its process start,`,
      "as a harness pays it; nslab's and pyroute2's do not include their interpreter's.",
      '',
      routesTable(rt),
      '',
      '- **How nslab adds them**: `ns.route.addAll()` checks every route before anything is sent, looks',
      '  the device names up in one link dump, and sends the routes many to a `send()`: the kernel handles',
      '  every message of a datagram in order, inside the one `sendmsg()`, and answers a message',
      '  without `NLM_F_ACK` only if it refuses it, so only the last of each send asks for the ack that',
      "  ends it. A send carries no more messages than the socket's receive buffer has room for replies",
      "  to (the kernel drops a reply that does not fit, and with it the only word on that message's",
      '  outcome), which with the default 208 KiB buffer is 52. `ip -batch` sends each route as a request',
      '  of its own and waits for its ack; pyroute2 does the same, through its Python marshalling.',
      `- **Where nslab's add goes** (profiled while writing this, with \`--cpu-prof\` and nslab's \`send()\` and`,
      "  `recv()` wrapped in timers; not re-measured by each run): the kernel's share, the time inside the",
      '  ~200 `send()`s, is ~20 ms for the 10,000 routes, the receives under 1 ms. The rest is JavaScript:',
      '  checking each route (parsing its prefix and gateway, its device name, defaults) and building its',
      '  message. In the first `addAll()` of a process most of the 10,000 checks run before V8 has compiled',
      `  them, and the garbage collector copies the routes kept for the undo: hence the add measured again,`,
      `  warm, into a second namespace (${fmt(rt.warmAddMs)} ms, median). On a loaded machine the JIT's background`,
      '  compiles and the GC fall behind first, so the cold ratio moves with the load more than the warm one.',
      `- **The dump**, once its decoder is compiled, costs ${fmt((rt.warmDumpMs * 1000) / rt.routes)} µs a route for all ${rt.routes.toLocaleString('en')} routes and`,
      `  ${fmt((rt.tableDumpMs * 1000) / rt.tableRoutes)} µs for one table of ${rt.tableRoutes} (the fastest of 5 each, both with the link dump that names the`,
      "  devices). The difference is V8's garbage collector: one table's objects fit its young generation",
      "  and are never collected within the dump, 10,000 routes' are, and the collector copies the routes",
      '  already decoded. Beyond that the cost per route does not grow with the count (measured while writing',
      '  this, warm, fastest of 5, in namespaces of 3,000, 10,000 and 20,000 routes: 0.85, 1.3 and 1.45 µs',
      '  a route): no buffer regrowth or rescan. The first dump in the process, the one compared above, took',
      `  ${fmt(nslab?.dumpMs.median)} ms: decoding 10,000 messages into \`Route\` objects before V8 has compiled the decoder, where`,
      '  `ip route show` prints text as it reads.',
      `- **Memory**: the ${rt.routes.toLocaleString('en')} routes read into JavaScript (\`Route\` objects, kept) take ${fmt(rt.heapMiB, 1)} MiB of V8 heap`,
      `  after a full GC (${fmt((rt.heapMiB * 1024 * 1024) / rt.routes, 0)} bytes a route); the process's RSS grew by ${fmt(rt.rssMiB, 1)} MiB around the read.`,
      '',
    );
  }
  if (r.capture) out.push(...captureMarkdown(r.capture));
  out.push(
    '## Reproduce',
    '',
    '```sh',
    'npm run bench            # everything, ~5-9 min on 2 cores; writes docs/benchmarks.{md,svg}',
    'npm run bench -- --quick # a smoke run of every section; writes to bench/out/ only',
    'npm run bench -- --only fixture,latency --rounds 4',
    'npm run bench -- --only routes --route-rounds 3',
    "node bench/run.ts --report bench/out/results.json  # rewrite these docs from a run's results",
    '```',
    '',
    'Raw numbers of the last run: bench/out/results.json (not committed).',
    '',
  );
  return out.join('\n');
}
