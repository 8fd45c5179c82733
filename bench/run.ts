// `npm run bench`: nslab against the baselines, in one run (see docs/benchmarks.md).
//   node bench/run.ts [--quick] [--only fixture,scale,latency,suites,routes,reach,capture] [--rounds N] [--chunk N]
//                     [--warmup N] [--jit-warmup N] [--latency-reps N] [--route-rounds N] [--reach-reps N] [--out DIR] [--no-docs]
//   node bench/run.ts --report bench/out/results.json   (only rewrite the docs from a run's results)
// Sections: 1 the fixture cycle, interleaved with the baselines; 2 scale; 3 wait latency;
// 4 the claim suites; 5 routes (bulk add, dump, lookups), interleaved with the baselines; 6 the time to a
// toReach verdict against ping through a process; 7 the capture rate before drops. Prints the tables and the ratios, writes bench/out/results.json and
// (unless --quick or --no-docs, or a section is left out) docs/benchmarks.md + docs/benchmarks.svg.
// Needs root, /dev/net/tun, iproute2, python3-pyroute2, a C compiler (scripts/setup.d/30-bench.sh).
// Ctrl-C stops the running program, lets it clean up, and removes what is left.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fixtureSection } from './fixture.ts';
import { scaleSection } from './scale.ts';
import { latencySection } from './latency.ts';
import { suitesSection } from './suites.ts';
import { routesSection } from './routes.ts';
import { reachSection } from './reach.ts';
import { captureSection } from './capture.ts';
import { chart, consoleReport, markdown, type BenchResults } from './report.ts';
import { installSignalHandlers, Interrupted, sweepLeftovers } from './lib/procs.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECTIONS = ['fixture', 'scale', 'latency', 'suites', 'routes', 'reach', 'capture'] as const;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string' },
    chunk: { type: 'string' },
    warmup: { type: 'string' },
    'jit-warmup': { type: 'string' },
    'latency-reps': { type: 'string' },
    'route-rounds': { type: 'string' },
    'reach-reps': { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'bench/out') },
    'no-docs': { type: 'boolean', default: false },
    report: { type: 'string' },
  },
});
const quick = values.quick;
const only = values.only ? values.only.split(',') : [...SECTIONS];
const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s));
if (unknown.length) {
  process.stderr.write(`unknown section(s) ${unknown.join(', ')}; sections: ${SECTIONS.join(', ')}\n`);
  process.exit(2);
}
const int = (v: string | undefined, fallback: number): number => (v === undefined ? fallback : Number.parseInt(v, 10));
const rounds = int(values.rounds, quick ? 2 : 10);
const chunk = int(values.chunk, quick ? 10 : 30);
const warmup = int(values.warmup, quick ? 5 : 20);
const jitWarmup = int(values['jit-warmup'], quick ? 20 : 100);
const latencyReps = int(values['latency-reps'], quick ? 2 : 20);
const routeRounds = int(values['route-rounds'], quick ? 2 : 5);
const reachReps = int(values['reach-reps'], quick ? 5 : 30);

const started = performance.now();
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(0)} s`;

function sh(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    return `unavailable (${(error as Error).message.split('\n')[0]})`;
  }
}

function preflight(): void {
  if (process.getuid?.() !== 0)
    throw new Error('the bench needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN): run it with sudo');
  for (const [what, ok] of [
    ['/dev/net/tun', () => execFileSync('test', ['-c', '/dev/net/tun'])],
    ['iproute2 (ip)', () => execFileSync('ip', ['-V'], { stdio: 'ignore' })],
    [
      'python3-pyroute2 (/usr/bin/python3 -c "import pyroute2")',
      () => execFileSync('/usr/bin/python3', ['-c', 'import pyroute2'], { stdio: 'ignore' }),
    ],
    [
      'a C compiler and make (building bench/bin/fixture_cycle)',
      () =>
        execFileSync('make', ['-s', '-C', join(ROOT, 'bench/baselines/c')], { stdio: ['ignore', 'ignore', 'pipe'] }),
    ],
  ] as const) {
    try {
      ok();
    } catch (error) {
      throw new Error(
        `missing ${what}: run \`npm run setup\` (scripts/setup.d/30-bench.sh) first. ${(error as Error).message.split('\n')[0]}`,
      );
    }
  }
}

/** ", VM: kvm, container: docker" as systemd-detect-virt sees it (it exits 1 for "none"). */
function virt(): string {
  const parts = (['vm', 'container'] as const).flatMap((k) => {
    const v = sh('systemd-detect-virt', [`--${k}`]);
    return v.startsWith('unavailable') || v === 'none' ? [] : [`${k === 'vm' ? 'VM' : k}: ${v}`];
  });
  return parts.length ? `, ${parts.join(', ')}` : '';
}

function foreignNamespaces(): string {
  try {
    const mine = new RegExp(`^nslab-(bl-\\w+-)?${process.pid}-`);
    const names = readdirSync('/run/netns').filter((n) => !mine.test(n));
    return names.length
      ? `${names.length} pinned namespaces of others at the start (e.g. ${names.slice(0, 3).join(', ')})`
      : 'no pinned namespaces of others at the start';
  } catch {
    return 'no /run/netns';
  }
}

async function main(): Promise<void> {
  installSignalHandlers((signal) => log(`\n[bench] ${signal}: stopping the running program and cleaning up...`));
  preflight();
  const swept = sweepLeftovers();
  if (swept.length) log(`[bench] removed leftovers of earlier runs: ${swept.join(' ')}`);
  const loadBefore = loadavg();
  const results: BenchResults = {
    meta: {
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      kernel: `Linux ${release()}`,
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM${virt()}`,
      software: [
        `node ${process.version}`,
        sh('ip', ['-V']).replace(/^ip utility, /, ''),
        `pyroute2 ${sh('/usr/bin/python3', ['-c', 'import pyroute2, importlib.metadata as m; print(m.version("pyroute2"))'])}`,
        sh('/usr/bin/python3', ['--version']),
        sh('cc', ['--version']).split('\n')[0] ?? '',
      ].join(', '),
      durationS: 0,
      load: '',
      foreign: foreignNamespaces(),
    },
  };
  if (only.includes('fixture')) {
    log(
      `[bench ${elapsed()}] 1. fixture cycle: ${rounds} rounds × ${chunk} cycles (+${warmup} warm-up, ${jitWarmup} for nslab) per contender, interleaved`,
    );
    results.fixture = await fixtureSection({ rounds, chunk, warmup, jitWarmup, log });
  }
  if (only.includes('scale')) {
    log(`[bench ${elapsed()}] 2. scale`);
    const counts = quick
      ? [
          { count: 1, reps: 3 },
          { count: 20, reps: 1 },
        ]
      : [
          { count: 1, reps: 15 },
          { count: 100, reps: 2 },
          { count: 500, reps: 1 },
        ];
    results.scale = await scaleSection({ counts, modes: [false, true], log });
  }
  if (only.includes('latency')) {
    log(`[bench ${elapsed()}] 3. wait latency: ${latencyReps} repetitions per observer`);
    results.latency = await latencySection(latencyReps, log);
  }
  if (only.includes('suites')) {
    log(`[bench ${elapsed()}] 4. the claim suites`);
    results.suites = await suitesSection(log);
  }
  if (only.includes('routes')) {
    // --quick: fewer routes and lookups, only to see that every contender runs.
    const routes = quick ? 2000 : 10_000;
    const lookups = quick ? 1000 : 10_000;
    const ipLookups = quick ? 20 : 200;
    log(
      `[bench ${elapsed()}] 5. routes: ${routeRounds} rounds of ${routes} routes added, dumped, ${lookups} lookups (${ipLookups} for ip route get) per contender, interleaved`,
    );
    results.routes = await routesSection({ rounds: routeRounds, routes, lookups, ipLookups, log });
  }
  if (only.includes('reach')) {
    log(`[bench ${elapsed()}] 6. reachability: ${reachReps} verdicts of toReach and of ping -c 1 -W 1, alternating`);
    results.reach = await reachSection(reachReps, log);
  }
  if (only.includes('capture')) {
    // Offered rates up to "as fast as the sender can" (0); --quick: shorter steps.
    const stepS = quick ? 0.5 : 2;
    log(`[bench ${elapsed()}] 7. capture rate before drops: ${stepS} s a step`);
    results.capture = await captureSection({ rates: [10_000, 25_000, 35_000, 50_000, 100_000, 0], stepS }, log);
  }
  const loadAfter = loadavg();
  results.meta.durationS = (performance.now() - started) / 1000;
  results.meta.load = `${loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ${loadAfter.map((x) => x.toFixed(2)).join(' ')} after`;

  process.stdout.write(`\n${consoleReport(results)}\n\n`);
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
  const complete = SECTIONS.every((s) => only.includes(s));
  const docs = !quick && !values['no-docs'] && complete ? join(ROOT, 'docs') : values.out;
  mkdirSync(docs, { recursive: true });
  const svg = chart(results);
  if (svg) writeFileSync(join(docs, 'benchmarks.svg'), svg);
  writeFileSync(join(docs, 'benchmarks.md'), markdown(results, svg ? 'benchmarks.svg' : undefined));
  log(
    `[bench ${elapsed()}] wrote ${join(values.out, 'results.json')}, ${join(docs, 'benchmarks.md')}${svg ? ` and ${join(docs, 'benchmarks.svg')}` : ''}`,
  );
  const left = sweepLeftovers();
  if (left.length) log(`[bench] removed leftovers: ${left.join(' ')}`);
}

/** Rewrites the console report and the docs from an earlier run's results.json. */
function reportOnly(file: string): void {
  const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  process.stdout.write(`${consoleReport(results)}\n`);
  const docs = join(ROOT, 'docs');
  const svg = chart(results);
  if (svg) writeFileSync(join(docs, 'benchmarks.svg'), svg);
  writeFileSync(join(docs, 'benchmarks.md'), markdown(results, svg ? 'benchmarks.svg' : undefined));
  log(`[bench] wrote ${join(docs, 'benchmarks.md')} from ${file}`);
}

try {
  if (values.report) reportOnly(values.report);
  else await main();
} catch (error) {
  // Interrupted: the signal handler finishes the cleanup and exits.
  if (!(error instanceof Interrupted)) throw error;
}
