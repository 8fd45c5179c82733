// Kill trials: start a runner (the stress workload, or `vitest run suites/`), SIGKILL it at a
// random moment, then count what is left — after the kernel has had its chance (a deadline
// loop, process exit being asynchronous) and again after the pin sweep a new runner does.
import { fstatSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createNetns } from '../../src/index.ts';
import { NODE } from '../helpers/fixture.ts';
import { ipLinkNames } from '../helpers/oracle.ts';
import { pollUntil } from '../helpers/poll.ts';
import { census, GroupTracker, hostDevices, type Leftovers } from './census.ts';
import { here, Keeper, VITEST, type Child } from './runner.ts';

export type TrialKind = 'stress' | 'suites';

export interface TrialResult {
  trial: number;
  kind: TrialKind;
  /** "process": the runner's pid only (the OOM killer, kill -9 PID); "group": its whole process group (Ctrl-C, a CI cancel). */
  killed: 'process' | 'group';
  delayMs: number;
  /** How far the runner got: stress cycles completed, or "-" for suites. */
  progress: string;
  namespacesSeen: number;
  processesSeen: number;
  /** Pins left after everything else had gone, before the sweep (expected: the design needs the sweep). */
  pinsBeforeSweep: number;
  swept: number;
  /** Namespaces still alive before the sweep, by the witness's evidence (stress) — the pinned ones. */
  aliveBeforeSweep: number;
  /** The runner's containers left before the sweep (undefined: not counted, no engine). */
  containersBeforeSweep: number | undefined;
  containersSwept: number;
  zombies: number;
  /** References to reused inode numbers by other processes (not leaks; see Leftovers.otherRefs). */
  otherRefs: number;
  /** Everything left after the sweep and the kernel's deadline: each entry is a leak. */
  leaks: string[];
  settleMs: number;
  wallMs: number;
}

// A killed runner's exit closes its tap descriptors, and each close takes the rtnl lock, queued
// behind every namespace the kernel is dismantling: on a busy machine the reaper's pipe can
// close, and the reaper kill, seconds late. 5 s ran out for two forking trials while other work
// created and deleted namespaces; 10 trials on a calmer machine left nothing.
const SETTLE_TIMEOUT_MS = 20_000;
/** How often the runner's process group is looked at while it runs. */
const SAMPLE_EVERY_MS = 25;

/** Looks at the group until the kill, then kills; returns when the runner has been reaped. */
async function killAt(run: Child, tracker: GroupTracker, killAtMs: number, mode: 'process' | 'group'): Promise<void> {
  let done = false;
  void run.exited.then(() => (done = true));
  while (!done && performance.now() < killAtMs) {
    tracker.sample();
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, Math.min(SAMPLE_EVERY_MS, killAtMs - performance.now()))),
    );
  }
  // One last look right before the kill: everything alive at that moment is known.
  tracker.sample();
  try {
    process.kill(mode === 'group' ? -run.pid : run.pid, 'SIGKILL');
  } catch {
    // Already gone (the runner finished before its moment came).
  }
  await run.exited;
}

/** Everything in a census that counts as left behind (witnessLeft: veths of namespaces still alive). */
export function leaksOf(l: Leftovers, witnessLeft: string[]): string[] {
  return [
    ...l.processes.map((p) => `process still running: ${p}`),
    ...l.namespaceRefs.map((r) => `namespace still referenced: ${r}`),
    ...l.pins.map((p) => `pin left after the sweep: ${p.path}`),
    ...witnessLeft.map((d) => `namespace still alive (its veth ${d} is still in the witness)`),
    ...l.hostDevices.added.map((d) => `host device added: ${d}`),
    ...l.hostDevices.removed.map((d) => `host device removed: ${d}`),
    ...(l.containers ?? []).map((c) => `container left after the sweep: ${c}`),
  ];
}

export interface TrialOptions {
  keeper: Keeper;
  random: () => number;
  /** Random kill window after the runner is ready (stress) or started (suites). */
  windowMs: { stress: number; suites: [number, number] };
  /** Run a program that forks inside a namespace: its child has no parent-death signal of its own. */
  forkingProgram?: boolean;
  /** A container image when a Docker engine runs: the stress workload starts a container from it. */
  image?: string | undefined;
  /** Whether a Docker engine answers (containers are counted then, also for the suites). */
  docker: boolean;
  /** Kill the runner alone or its group; by default the group for suites, either (at random) for stress. */
  kill?: 'process' | 'group';
  /** Kill right after the stress workload's first full cycle instead of at a random moment. */
  afterFirstCycle?: boolean;
}

export async function killTrial(trial: number, kind: TrialKind, options: TrialOptions): Promise<TrialResult> {
  const start = performance.now();
  const { keeper, random } = options;
  const killed = options.kill ?? (kind === 'suites' || random() < 0.5 ? 'group' : 'process');
  const hostDevicesBefore = hostDevices();
  // The witness outlives the runner: a namespace the runner made is freed when its veth end here vanishes.
  await using witness = await createNetns({ label: `witness${trial}` });
  const witnessIno = fstatSync(witness.fd).ino;
  const peers = new Map<string, boolean>();
  let progress = kind === 'stress' ? '0 cycles' : '-';

  const run =
    kind === 'stress'
      ? keeper.spawn(NODE, [
          here('stress.ts'),
          `/proc/${process.pid}/fd/${witness.fd}`,
          options.forkingProgram ? 'fork' : 'nofork',
          options.image ?? '-',
        ])
      : keeper.spawn(NODE, [VITEST, 'run', 'suites/', '--reporter=dot']);
  const tracker = new GroupTracker(run.pid, [witnessIno]);
  let delayMs: number;
  if (kind === 'stress') {
    run.onLine((line) => {
      const m = JSON.parse(line) as {
        ns?: number;
        pinned?: boolean;
        peer?: string;
        cycle?: number;
        containerNs?: number;
      };
      if (m.ns !== undefined) tracker.addInode(m.ns);
      if (m.containerNs !== undefined) tracker.addContainerInode(m.containerNs);
      if (m.peer) peers.set(m.peer, m.pinned === true);
      if (m.cycle !== undefined) progress = `${m.cycle + 1} cycles`;
    });
    const ready = await pollUntil(() => run.lines.length > 0 || run.child.exitCode !== null, Boolean, 20_000);
    if (!ready.met || !run.lines[0]?.includes('ready')) {
      try {
        process.kill(-run.pid, 'SIGKILL');
      } catch {
        // gone
      }
      throw new Error(`stress workload did not start: ${run.stderr()}`);
    }
    delayMs = random() * options.windowMs.stress;
    if (options.afterFirstCycle) {
      const readyAt = performance.now();
      await pollUntil(() => progress !== '0 cycles' || run.child.exitCode !== null, Boolean, 30_000);
      delayMs = performance.now() - readyAt;
    }
  } else {
    const [lo, hi] = options.windowMs.suites;
    delayMs = lo + random() * (hi - lo);
  }
  await killAt(run, tracker, performance.now() + delayMs, killed);

  const scope = { tracker, mountNsPid: keeper.pid, hostDevicesBefore, docker: options.docker };
  const pinnedPeer = (d: string): boolean => peers.get(d) === true;
  let swept = false;
  const look = async (): Promise<{ l: Leftovers; witness: string[] }> => ({
    l: census(scope, swept),
    witness: (await ipLinkNames(witness)).filter((d) => d !== 'lo'),
  });
  // Until nothing but pins keeps anything alive: the kernel ends the holders and programs
  // (parent-death signals) and frees unpinned namespaces on its own schedule.
  const settleStart = performance.now();
  const before = await pollUntil(
    look,
    ({ l, witness: w }) => l.processes.length === 0 && l.namespaceRefs.length === 0 && w.every(pinnedPeer),
    SETTLE_TIMEOUT_MS,
  );
  const pinsBeforeSweep = before.value.l.pins.length;
  const aliveBeforeSweep = before.value.witness.length;
  const removed = await keeper.sweep(options.docker);
  swept = true;
  const after = await pollUntil(look, ({ l, witness: w }) => leaksOf(l, w).length === 0, SETTLE_TIMEOUT_MS);
  const settleMs = performance.now() - settleStart;
  // Counted; now end what this trial leaked, so it cannot disturb the next trial.
  for (const p of after.value.l.processes) {
    try {
      process.kill(Number(p.split(' ')[0]), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return {
    trial,
    kind,
    killed,
    delayMs: Math.round(delayMs),
    progress,
    namespacesSeen: tracker.inodes.size,
    processesSeen: tracker.pids.size,
    pinsBeforeSweep,
    swept: removed.pins.length,
    aliveBeforeSweep,
    containersBeforeSweep: before.value.l.containers?.length,
    containersSwept: removed.containers.length,
    zombies: after.value.l.zombies,
    otherRefs: after.value.l.otherRefs.length,
    leaks: leaksOf(after.value.l, after.value.witness),
    settleMs: Math.round(settleMs),
    wallMs: Math.round(performance.now() - start),
  };
}
