// The harness's figures: printed at the end of every run, and written to docs/reliability.md
// by the full run (npm run reliability).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { release } from 'node:os';
import type { FlakeRun } from './flake.ts';
import type { RowResult } from './bad-inputs.ts';
import type { TrialResult } from './trials.ts';
import type { FuzzFigure } from '../fuzz/property.ts';

export interface Figures {
  mode: 'full' | 'ci';
  seed: number;
  trials: TrialResult[];
  /** Trials with a program that forks inside a namespace, the runner killed alone. */
  forkingTrials: TrialResult[];
  containers: string;
  rows: RowResult[];
  flakes: FlakeRun[];
  /** The whole test run (without the guest and this harness), some runs under a CPU hog. */
  wholeRuns: FlakeRun[];
  fuzz: { seed: number; properties: FuzzFigure[] };
  /** The parts this run ran (NSLAB_RELIABILITY_PARTS). */
  parts: string[];
  /** Whether the parts after the bad inputs ran at once, and how many whole runs ran at a time. */
  concurrency: { parts: boolean; lanes: number };
  host: { network: 'identical' | 'changed'; sysctls: number; sysctlChanges: string[] };
  wallMs: Record<string, number>;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
function spread(xs: number[]): string {
  if (!xs.length) return '-';
  const s = [...xs].sort((a, b) => a - b);
  return `${secs(s[0]!)} / ${secs(s[Math.floor(s.length / 2)]!)} / ${secs(s[s.length - 1]!)}`;
}

const fuzzCases = (f: Figures, differential: boolean): number =>
  sum(f.fuzz.properties.filter((p) => p.differential === differential).map((p) => p.runs));

function wholeRunLine(f: Figures): string {
  const w = f.wholeRuns;
  const failed = w.filter((r) => r.failures.length > 0);
  return `whole test runs (no guest, no harness): ${w.length} (${w.filter((r) => r.hog).length} under a CPU hog), failed runs: ${failed.length} (${failed.filter((r) => r.hog).length} under the hog), failed tests: ${sum(w.map((r) => r.failures.length))}, runs that left something behind: ${w.filter((r) => r.leftovers.length).length}`;
}

function fuzzLine(f: Figures): string {
  const failed = f.fuzz.properties.filter((p) => p.failure);
  return `fuzzing (seed ${f.fuzz.seed}, replay: NSLAB_FUZZ_SEED=${f.fuzz.seed}): ${fuzzCases(f, false)} codec cases over ${f.fuzz.properties.filter((p) => !p.differential).length} properties, ${fuzzCases(f, true)} differential topologies compared with iproute2, counterexamples: ${failed.length}`;
}

export function headline(f: Figures): string[] {
  const leaks = sum(f.trials.map((t) => t.leaks.length));
  const tried = f.rows.filter((r) => !r.skipped);
  const asExpected = tried.filter((r) => r.problems.length === 0).length;
  const failedRuns = f.flakes.filter((r) => r.failures.length > 0).length;
  return [
    `seed ${f.seed} (replay: NSLAB_RELIABILITY_SEED=${f.seed})`,
    `kill trials: ${f.trials.length} (${f.trials.filter((t) => t.kind === 'stress').length} stress workload, ${f.trials.filter((t) => t.kind === 'suites').length} vitest run suites/), leaks found: ${leaks}`,
    `  pins left before the sweep: ${sum(f.trials.map((t) => t.pinsBeforeSweep))}, after it: ${sum(f.trials.map((t) => t.leaks.filter((l) => l.startsWith('pin')).length))}; zombies (unreaped, hold nothing): ${sum(f.trials.map((t) => t.zombies))}; containers: ${f.containers}`,
    `forking program, runner killed alone: ${f.forkingTrials.length} trials, leaks found: ${sum(f.forkingTrials.map((t) => t.leaks.length))}`,
    `host: links/addresses/routes ${f.host.network}; ${f.host.sysctls} sysctls compared, ${f.host.sysctlChanges.length} changed`,
    `bad inputs tried: ${tried.length} (${asExpected} refused as expected, ${tried.length - asExpected} not: ${
      tried
        .filter((r) => r.problems.length)
        .map((r) => r.row.input)
        .join('; ') || 'none'
    }), skipped: ${f.rows.length - tried.length}`,
    `flake runs (suites/): ${f.flakes.length} (${f.flakes
      .map((r) => r.maxWorkers)
      .filter((v, i, a) => a.indexOf(v) === i)
      .map((w) => `${f.flakes.filter((r) => r.maxWorkers === w).length} with ${w} workers`)
      .join(', ')}), failed runs: ${failedRuns}, failed tests: ${sum(f.flakes.map((r) => r.failures.length))}`,
    wholeRunLine(f),
    fuzzLine(f),
    `parts run: ${f.parts.join(', ')}${f.concurrency.parts ? ', all but the bad inputs at once' : ', one after the other'}; whole runs ${f.concurrency.lanes} at a time`,
    `wall: ${Object.entries(f.wallMs)
      .map(([k, v]) => `${k} ${secs(v)}`)
      .join(', ')}`,
  ];
}

function trialTable(trials: TrialResult[]): string[] {
  return [
    '| # | runner | killed | after | progress | namespaces seen | processes seen | pins before sweep | containers before sweep | zombies | settle | leaks |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...trials.map(
      (t) =>
        `| ${t.trial} | ${t.kind} | ${t.killed} | ${t.delayMs} ms | ${t.progress} | ${t.namespacesSeen} | ${t.processesSeen} | ${t.pinsBeforeSweep} | ${t.containersBeforeSweep ?? '-'} | ${t.zombies} | ${secs(t.settleMs)} | ${t.leaks.length ? t.leaks.join('<br>') : 0} |`,
    ),
  ];
}

/** Per run: pass or fail, the failing tests with their first error line, wall time, leftovers. */
function runTable(runs: FlakeRun[]): string[] {
  const cell = (xs: string[]): string => xs.join('<br>').replaceAll('|', '\\|') || '-';
  return [
    '| # | CPU hog | result | passed | failed | skipped | wall | failures | left behind |',
    '|---|---|---|---|---|---|---|---|---|',
    ...runs.map(
      (r) =>
        `| ${r.run} | ${r.hog ? 'yes' : 'no'} | ${r.failures.length ? '**fail**' : 'pass'} | ${r.passed} | ${r.failed} | ${r.skipped} | ${secs(r.wallMs)} | ${cell(r.failures)} | ${cell(r.leftovers)} |`,
    ),
  ];
}

/** The commit the figures belong to, marked when tracked files differ from it. */
function checkout(): string {
  const git = (...args: string[]): string =>
    execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const commit = git('rev-parse', '--short=12', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') === ''
      ? `commit ${commit}`
      : `commit ${commit} with local changes`;
  } catch {
    return 'a tree outside git';
  }
}

export function renderMarkdown(f: Figures): string {
  const tried = f.rows.filter((r) => !r.skipped);
  return [
    '# Reliability',
    '',
    `Written by the reliability harness (test/reliability/, \`npm run reliability\`) on ${checkout()}, kernel ${release()}, ${new Date().toISOString().slice(0, 10)}. Do not edit by hand.`,
    '',
    '## Figures',
    '',
    ...headline(f).map((l) => (l.startsWith('  ') ? `  - ${l.trim()}` : `- ${l}`)),
    '',
    '## Kill trials',
    '',
    'Each trial starts a runner — the stress workload (test/reliability/stress.ts: pinned and unpinned namespaces, bridges, taps of every owner with holder processes, veths between namespaces and into a witness namespace, addresses, notification sockets, programs run with ns.exec, a container where a Docker engine runs) or `vitest run suites/` — and SIGKILLs it after a random delay drawn from the seeded generator: the stress runner alone or its whole process group (half each), the Vitest runner always with its group (its workers are forked; Ctrl-C and CI cancels kill the group too).',
    "Afterwards, with deadline loops (process exit and namespace freeing are asynchronous), the harness counts from /proc and iproute2: processes of the group still running (holders, programs, workers, qemu), the namespaces the runner held (by inode, sampled from /proc/PID/task/TID/ns/net and /proc/PID/fd/N while it ran and once more just before the kill) still referenced by a process of its group (the kernel reuses a freed namespace's inode number at once, so references by other processes are not counted: a namespace outlives its runner only through a process of the runner's, a pin or a container, all counted), namespaces still alive by the witness's evidence (their veth end in the witness), pins, devices added to or removed from the host namespace, and nslab's containers. A pin and a container outlive a SIGKILLed owner by design: the next runner's start removes them (sweepStalePins(), removeStaleContainers()), so they are counted before that sweep and must be zero after it. Runners work in a mount namespace of their own (a private /run/netns), so these sweeps and the sweeps of test runs around them cannot take each other's pins.",
    "PID 1 of this machine does not reap orphans: the killed runner's children become zombies. They are counted apart; a zombie holds no namespace and no descriptor.",
    '',
    ...trialTable(f.trials),
    '',
    '### A program that forks, its runner killed alone',
    '',
    'setpriv\'s parent-death signal reaches only the program ns.exec() started, not what it forks, and a forked child would keep the namespace alive after its runner is SIGKILLed on its own (the OOM killer, `kill -9 PID`). So each program leads a process group of its own, and a reaper (src/handle/reaper.ts: a shell in a session of its own, reading the groups on a pipe from the runner) kills the groups still registered when the pipe ends, that is when the runner is gone. The census follows the programs by descent, not by the runner\'s process group. These trials run the stress workload with `sh -c "sleep 600 & wait"` and kill the runner alone after its first cycle:',
    '',
    ...trialTable(f.forkingTrials),
    '',
    '## Host untouched',
    '',
    `Links, addresses and routes of the host namespace (\`ip -json\`), and ${f.host.sysctls} sysctls under /proc/sys/net/ipv4 and /proc/sys/net/ipv6, read before and after the whole harness run (which includes every kill trial and flake run; each flake run\'s own global setup checks the same around it): network ${f.host.network}, sysctls ${f.host.sysctlChanges.length ? `changed: ${f.host.sysctlChanges.join('; ')}` : 'identical'}. No sysctl was seen to change by itself (read twice, idle and around runs), so none is excluded.`,
    '',
    '## Bad inputs',
    '',
    `${tried.length} inputs tried (${f.rows.length - tried.length} skipped). Each must end in the typed error with the words shown, and leave the namespaces\' devices and addresses (iproute2), the holder processes and the namespace descriptors as they were.`,
    '',
    '| area | input | expected | result |',
    '|---|---|---|---|',
    ...f.rows.map((r) => {
      const expected =
        r.row.expected === 'checks'
          ? 'its own checks'
          : `${r.row.expected.error.name} ${r.row.expected.message}`.replaceAll('|', '\\|');
      const result = r.skipped
        ? `skipped: ${r.skipped}`
        : r.problems.length
          ? `**not as expected**${r.row.knownBug ? ` (known bug: ${r.row.knownBug})` : ''}: ${r.problems.join('; ')}`
          : `ok${r.note ? ` (${r.note})` : ''}`;
      return `| ${r.row.area} | ${r.row.input.replaceAll('|', '\\|')} | ${expected} | ${result.replaceAll('|', '\\|').replaceAll('\n', ' ')} |`;
    }),
    '',
    '## Flake rate',
    '',
    `\`vitest run suites/\` ${f.flakes.length} times in a row${f.concurrency.parts ? ' (beside the other parts)' : ''}: wall per run min / median / max ${spread(f.flakes.map((r) => r.wallMs))}.`,
    '',
    '| runs | workers | failed runs | failures |',
    '|---|---|---|---|',
    ...[...new Set(f.flakes.map((r) => r.maxWorkers))].map((w) => {
      const runs = f.flakes.filter((r) => r.maxWorkers === w);
      const failed = runs.filter((r) => r.failures.length);
      return `| ${runs.length} | ${w} | ${failed.length} | ${
        failed
          .flatMap((r) => r.failures.map((x) => `run ${r.run}: ${x}`))
          .join('<br>')
          .replaceAll('|', '\\|') || '-'
      } |`;
    }),
    '',
    '## Whole test run, some runs under a CPU hog',
    '',
    `Everything \`vitest run\` runs (what \`npm test\` runs after the build and the type check), except the QEMU guest (test/kernel/guest.test.ts) and this harness, ${f.wholeRuns.length} times with 2 workers, ${f.concurrency.lanes > 1 ? `${f.concurrency.lanes} runs at a time (each in a mount namespace of its own, so a run's census counts only its own pins)${f.concurrency.parts ? ', while the kill trials, the flake runs and the fuzzing ran too' : ''}` : 'one after the other'}, ${f.wholeRuns.filter((r) => r.hog).length} of them (spread evenly) while a CPU hog keeps every core busy (test/reliability/hog.ts: one busy process per core, each ending at its own deadline, with the harness, or when the run ends). After each run, the census (as after a kill trial, without the sweep) counts what it left behind: processes of its group or descended from it, namespaces they held, pins, host devices, containers. Wall per run min / median / max: without the hog ${spread(f.wholeRuns.filter((r) => !r.hog).map((r) => r.wallMs))}, with it ${spread(f.wholeRuns.filter((r) => r.hog).map((r) => r.wallMs))}. \`npm run reliability:runs\` runs this part alone; NSLAB_RELIABILITY_RUNS and NSLAB_RELIABILITY_HOG_RUNS set the counts (30 and 10 by default), e.g. \`NSLAB_RELIABILITY_RUNS=2 NSLAB_RELIABILITY_HOG_RUNS=1 npm run reliability:runs\` for a quick check.`,
    '',
    `- ${wholeRunLine(f)}`,
    '',
    ...runTable(f.wholeRuns),
    '',
    '## Fuzzing and the differential check',
    '',
    'Property-based tests (fast-check) of the codec (test/fuzz/): every message and attribute nslab encodes or decodes round-trips; random and truncated bytes make the decoders raise only MalformedMessageError (never another error, a hang or an unbounded allocation); and randomly built topologies (bridges, taps, veths, documentation-range addresses, up and down) in namespaces nslab creates read the same through nslab and through `ip -json -details`, field by field. `npm test` runs them with a few cases each; this harness with NSLAB_FUZZ_RUNS cases per property and NSLAB_DIFF_TOPOLOGIES topologies (20000 and 100 by default). The same variables work on `npx vitest run test/fuzz/`; a counterexample is printed with the seed, and NSLAB_FUZZ_SEED replays it.',
    '',
    `- ${fuzzLine(f)}`,
    '',
    '| property | kind | cases | result |',
    '|---|---|---|---|',
    ...f.fuzz.properties.map(
      (p) =>
        `| ${p.property.replaceAll('|', '\\|')} | ${p.differential ? 'differential (topologies)' : 'codec'} | ${p.runs} | ${p.failure ? `**counterexample**: ${p.failure.replaceAll('|', '\\|').replaceAll('\n', ' ')}` : 'ok'} |`,
    ),
    '',
  ].join('\n');
}

export function writeReport(f: Figures, path: string): void {
  writeFileSync(path, renderMarkdown(f));
}
