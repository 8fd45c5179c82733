// Child processes of the bench, tracked so that Ctrl-C (or SIGTERM) stops them cleanly: each
// gets the signal, finishes or aborts its current cycle and cleans up after itself (the
// baselines delete their namespaces, nslab's die with their descriptors); then whatever a
// killed child could not remove is swept: /run/netns pins whose owner is gone.
import { spawn, type SpawnOptions } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { sweepStalePins } from '../../src/handle/pin.ts';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** performance.now() at spawn and at exit. */
  startedAt: number;
  endedAt: number;
}

const live = new Set<import('node:child_process').ChildProcess>();
let stopping: NodeJS.Signals | undefined;

export function stopRequested(): NodeJS.Signals | undefined {
  return stopping;
}

export class Interrupted extends Error {
  constructor(signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

/** Runs a program to completion, collecting its output; rejects if it cannot start or the bench is stopping. */
export function run(
  file: string,
  args: readonly string[],
  options: SpawnOptions & { timeoutMs?: number } = {},
): Promise<RunResult> {
  if (stopping) return Promise.reject(new Interrupted(stopping));
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = options.timeoutMs
      ? setTimeout(() => {
          stderr += `\n[bench] ${file} killed after ${options.timeoutMs} ms\n`;
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        }, options.timeoutMs)
      : undefined;
    child.once('error', (error) => {
      live.delete(child);
      if (timer) clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      const endedAt = performance.now();
      live.delete(child);
      if (timer) clearTimeout(timer);
      // Stopped by the signal passed on to it: its output is not a result.
      if (stopping) reject(new Interrupted(stopping));
      else resolve({ code, signal, stdout, stderr, startedAt, endedAt });
    });
  });
}

/** Pins of the baselines (nslab-bl-steps-PID-i, nslab-bl-batch-..., nslab-bl-py-...) whose program is gone. */
function sweepBaselinePins(): string[] {
  let names: string[] = [];
  try {
    names = readdirSync('/run/netns');
  } catch {
    return [];
  }
  const gone = names.filter((n) => {
    const pid = Number(/^nslab-bl-(?:steps|batch|py)-(\d+)-/.exec(n)?.[1]);
    if (!(pid > 0)) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  });
  for (const n of gone) {
    try {
      execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
  return gone;
}

/** Removes what killed children may have left; returns what was removed. */
export function sweepLeftovers(): string[] {
  return [...sweepBaselinePins(), ...sweepStalePins()];
}

/**
 * On SIGINT/SIGTERM: pass the signal on to the running children, wait (bounded) for them to
 * clean up, sweep leftovers and exit. onStop runs first (e.g. to say what was interrupted).
 */
export function installSignalHandlers(onStop: (signal: NodeJS.Signals) => void = () => undefined): void {
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // Second signal: no more waiting.
      for (const child of live) child.kill('SIGKILL');
      process.exit(130);
    }
    stopping = signal;
    onStop(signal);
    for (const child of live) child.kill(signal);
    const deadline = performance.now() + 20_000;
    const check = (): void => {
      if (live.size > 0 && performance.now() < deadline) {
        setTimeout(check, 50);
        return;
      }
      for (const child of live) child.kill('SIGKILL');
      const swept = sweepLeftovers();
      if (swept.length) process.stderr.write(`[bench] removed leftovers: ${swept.join(' ')}\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    check();
  };
  process.on('SIGINT', handler).on('SIGTERM', handler);
}
