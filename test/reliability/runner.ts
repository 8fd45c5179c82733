// Runs the harness's children — the stress workload, `vitest run suites/`, the pin sweep — in a
// mount namespace of their own, kept by a "keeper" process, whose /run/netns is a private
// tmpfs. Pins work there exactly as on the host (the keeper keeps the mounts alive after a
// runner is killed, so a pin left behind is seen and must be swept), but the sweeps of these
// runs and of the test run around them cannot take each other's pins: sweepStalePins() removes
// every dead process's pin it sees, and tests of the sweep itself expect to find theirs.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { NODE } from '../helpers/fixture.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const VITEST = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
export const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

/**
 * Our environment without the variables Vitest sets for its workers, and without the harness's
 * own counts (a run's fuzz tests take their `npm test` defaults), so a child Vitest starts as
 * from a shell.
 */
export function childEnv(): NodeJS.ProcessEnv {
  const dropped = /^(VITEST|VITEST_.*|TEST|NSLAB_RELIABILITY.*|NSLAB_FUZZ_.*|NSLAB_DIFF_.*)$/;
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !dropped.test(k)));
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  child: ChildProcess;
  pid: number;
  exited: Promise<Exit>;
  /** Every line of stdout, as it arrives. */
  lines: string[];
  onLine(fn: (line: string) => void): void;
  stderr(): string;
}

function track(child: ChildProcess): Child {
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const lines: string[] = [];
  const listeners: Array<(line: string) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const fn of listeners) fn(line);
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    // Keep the tail only: a Vitest run can print a lot.
    err = (err + d.toString()).slice(-20_000);
  });
  return { child, pid: child.pid!, exited, lines, onLine: (fn) => listeners.push(fn), stderr: () => err };
}

/**
 * A fresh machine has no /run/netns until something pins a namespace, and mount(8) needs its
 * mount point: the keeper makes it, as `ip netns add` does.
 */
export const KEEPER_SCRIPT =
  'mkdir -p /run/netns && mount -t tmpfs -o size=1m,mode=0755 nslab-reliability /run/netns && echo ready && exec sleep infinity';

export class Keeper {
  readonly pid: number;
  private readonly proc: Child;

  private constructor(proc: Child) {
    this.proc = proc;
    this.pid = proc.pid;
  }

  /**
   * @param prelude shell run in the new mount namespace before the keeper's own mount (the test
   * of a machine without /run/netns hides the host's /run with it).
   */
  static async start(prelude = ''): Promise<Keeper> {
    // pdeathsig survives both execs (setpriv -> unshare -> sh -> sleep): the keeper dies with us.
    const child = spawn(
      'setpriv',
      [
        '--pdeathsig',
        'KILL',
        '--',
        'unshare',
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        prelude + KEEPER_SCRIPT,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const proc = track(child);
    await new Promise<void>((resolve, reject) => {
      proc.onLine((l) => l === 'ready' && resolve());
      void proc.exited.then((e) =>
        reject(new Error(`the mount namespace keeper exited (${JSON.stringify(e)}): ${proc.stderr()}`)),
      );
    });
    return new Keeper(proc);
  }

  /**
   * Starts a program inside the keeper's mount namespace, as the leader of a new process group
   * (so the whole group can be killed, as Ctrl-C or a CI cancel would).
   */
  spawn(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
    const child = spawn('nsenter', [`--mount=/proc/${this.pid}/ns/mnt`, `--wd=${ROOT}`, '--', file, ...args], {
      cwd: ROOT,
      env: { ...childEnv(), ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return track(child);
  }

  /** The sweeps a new runner's start runs, in the keeper's mount namespace; returns what they removed. */
  async sweep(containers: boolean): Promise<{ pins: string[]; containers: string[] }> {
    const run = this.spawn(NODE, [here('sweep.ts'), ...(containers ? ['containers'] : [])]);
    const exit = await run.exited;
    if (exit.code !== 0) throw new Error(`the sweep failed (${JSON.stringify(exit)}): ${run.stderr()}`);
    return JSON.parse(run.lines[0]!) as { pins: string[]; containers: string[] };
  }

  async stop(): Promise<void> {
    this.proc.child.kill('SIGKILL');
    await this.proc.exited;
  }
}

/** A small seeded generator (mulberry32), so a failing trial's timing can be replayed from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
