// Boots a kernel under QEMU, runs one command in it and brings back its output, exit status and
// the files it left in the result share (the claims report). Every guest has deadlines: a boot
// watchdog (a boot occasionally hangs with an empty console under TCG: it is killed and retried)
// and one deadline for the whole run. QEMU dies with this process (PR_SET_PDEATHSIG through
// setpriv) and is killed on every error path, so no guest outlives its run.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { ClaimsReport } from '../report/claims-reporter.ts';
import type { KernelReport } from '../report/kernels.ts';
import { cacheDir as defaultCacheDir } from './cache.ts';
import pRetry from 'p-retry';
import { KernelRunnerError } from './errors.ts';
import { GUEST_OUT, MARK, stage2Script } from './guest-init.ts';
import { DEFAULT_GUEST_KERNELS } from './debian.ts';
import { type KernelImage, loadKernel } from './image.ts';
import { buildInitramfs } from './initramfs.ts';
import { type Accel, QEMU, kvmDeviceUsable, qemuArgs, which } from './qemu.ts';
import { selectKernel } from './select.ts';

export interface RunOptions {
  /** A Debian short name ("6.12"), a release, or the path of a bzImage or vmlinux (see select.ts); default Debian's 6.1. */
  kernel?: string;
  /** For a kernel given by path: the directory holding lib/modules/RELEASE (default: beside the image, else /). */
  modulesRoot?: string;
  /** Argument vector run in the guest (no shell); default: the claim suites. */
  command?: readonly string[];
  /** Working directory in the guest (the same path as on the host: the root is shared). Default process.cwd(). */
  cwd?: string;
  /** Extra environment for the command. */
  env?: Record<string, string>;
  accel?: Accel | 'auto';
  memoryMiB?: number;
  cpus?: number;
  /** Deadline of the whole run, boots and retries included. */
  timeoutMs?: number;
  /** Per boot: from QEMU's start until the command starts. */
  bootTimeoutMs?: number;
  /** Boots retried after a boot timeout. */
  bootRetries?: number;
  /** Appended to the kernel command line. */
  append?: string;
  /** The QEMU binary (name looked up on PATH, or a path). */
  qemu?: string;
  /** PATH to find QEMU and setpriv on; default process.env.PATH. */
  path?: string;
  cacheDir?: string;
  /** Console output as it arrives (kernel messages and the command's output). */
  onConsole?: (text: string) => void;
  /** The command's output as it arrives, line by line (without the kernel's boot messages). */
  onOutput?: (line: string) => void;
  /** Progress notes (KVM probe, retries). */
  onNote?: (note: string) => void;
}

export interface GuestTimings {
  attempts: number;
  /** QEMU start to the command's start, on the attempt that ran (ms). */
  bootMs: number;
  /** The guest's own uptime when the command started (s). */
  guestUptimeAtCommandS?: number;
  /** QEMU start to the command's first line of output (ms). */
  firstOutputMs?: number;
  /** QEMU start to the first test result the command printed (a ✓ or × line; ms). */
  firstResultMs?: number;
  /** The command's run time (ms). */
  commandMs?: number;
  /** The whole run, kernel and initramfs preparation and every attempt included (ms). */
  totalMs: number;
}

export interface GuestResult {
  kernel: KernelImage;
  accel: Accel;
  /** Why this accelerator (e.g. "KVM probe failed: ..., using TCG"). */
  accelNote: string;
  exitCode: number;
  /** What the command printed (stdout and stderr, as the console showed them). */
  output: string;
  /** The whole console. */
  console: string;
  /** The claims report the command wrote (the suites' reporter, told by NSLAB_REPORT_DIR), if any. */
  report?: ClaimsReport;
  timings: GuestTimings;
}

// An emulated CPU (TCG) runs the suites many times slower than the host, and a loaded host
// slower still: the host's 30 s per test would end claim tests for time, which says nothing
// about the kernel under test.
const GUEST_TEST_TIMEOUT_MS = 180_000;

/**
 * What a kernel's report is made of: the claim suites, and the tests that declare the device
 * kinds they need (the report's kinds table), in one Vitest run, so one boot per kernel.
 */
export const REPORT_TESTS = ['suites/', 'test/kinds/'];

/**
 * How the guest runs Vitest. Without isolation, each worker imports nslab and Vitest once rather
 * than once per test file: on an emulated CPU reading over 9p that import was over a third of the
 * run (6.12: 124.6 s with isolation, 75.7 s without, the same 61 tests passing). Two workers, one
 * per vCPU, overlap the tests' waits on kernel timers (70.4 s). The tests are the host's, unchanged.
 */
const GUEST_VITEST_OPTIONS = ['--no-isolate', '--maxWorkers=2'];

/** The default command: the report's tests, with the repository's own Node and Vitest. */
export function suitesCommand(cwd: string): string[] {
  const limits = [`--testTimeout=${GUEST_TEST_TIMEOUT_MS}`, `--hookTimeout=${GUEST_TEST_TIMEOUT_MS}`];
  return [join(cwd, 'node_modules', '.bin', 'vitest'), 'run', ...REPORT_TESTS, ...GUEST_VITEST_OPTIONS, ...limits];
}

const TAIL_LINES = 40;
const tailOf = (text: string): string => text.split('\n').slice(-TAIL_LINES).join('\n');
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killOnExit(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Backs up PR_SET_PDEATHSIG where setpriv is missing: a normal exit takes the guests along.
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

type Attempt =
  | {
      kind: 'exited';
      console: string;
      code: number | null;
      signal: NodeJS.Signals | null;
      stderr: string;
      ranAt?: number;
      firstOutputAt?: number;
      firstResultAt?: number;
      uptime?: number;
    }
  | (Stopped & { kind: 'boot-timeout' })
  | (Stopped & { kind: 'deadline' })
  | (Stopped & { kind: 'kvm-error' });

interface Stopped {
  console: string;
  stderr: string;
  ranAt?: number;
}

interface AttemptSpec {
  qemu: string;
  args: string[];
  setpriv: string | undefined;
  bootTimeoutMs: number;
  deadline: number;
  onConsole?: (text: string) => void;
  onOutput?: (line: string) => void;
}

function attempt(spec: AttemptSpec): Promise<Attempt> {
  return new Promise((resolvePromise, reject) => {
    const file = spec.setpriv ?? spec.qemu;
    const args = spec.setpriv ? ['--pdeathsig', 'KILL', '--', spec.qemu, ...spec.args] : spec.args;
    const started = performance.now();
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    killOnExit(child);
    let consoleText = '';
    let stderr = '';
    let pending = '';
    let ranAt: number | undefined;
    let uptime: number | undefined;
    let firstOutputAt: number | undefined;
    let firstResultAt: number | undefined;
    let stopped: Attempt['kind'] | undefined;
    const stop = (kind: Attempt['kind']): void => {
      if (stopped) return;
      stopped = kind;
      child.kill('SIGKILL');
    };
    const bootTimer = setTimeout(
      () => ranAt === undefined && stop('boot-timeout'),
      Math.min(spec.bootTimeoutMs, Math.max(0, spec.deadline - started)),
    );
    const deadlineTimer = setTimeout(() => stop('deadline'), Math.max(0, spec.deadline - started));
    const onLine = (line: string): void => {
      const now = performance.now();
      if (ranAt === undefined) {
        const at = line.indexOf(MARK.running);
        if (at >= 0) {
          ranAt = now;
          uptime = Number(line.slice(at + MARK.running.length).trim()) || undefined;
        }
        return;
      }
      const done = line.indexOf(MARK.done);
      if (done >= 0) {
        if (done > 0) spec.onOutput?.(`${line.slice(0, done)}\n`);
        return;
      }
      spec.onOutput?.(`${line}\n`);
      if (firstOutputAt === undefined && line.trim()) firstOutputAt = now;
      // Vitest colours its result marks.
      if (firstResultAt === undefined && /^\s*[✓×✗]/.test(line.replace(/\x1b\[[0-9;]*m/g, ''))) firstResultAt = now;
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      // The serial line turns \n into \r\n.
      const text = chunk.replaceAll('\r', '');
      consoleText += text;
      if (consoleText.length > 8 << 20) consoleText = consoleText.slice(-(4 << 20));
      spec.onConsole?.(text);
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(onLine);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.length > 1 << 20) stderr = stderr.slice(-(1 << 19));
      // A broken KVM pauses the guest instead of ending it: stop now rather than at the deadline.
      if (/KVM internal error|emulation failure/i.test(stderr)) stop('kvm-error');
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(bootTimer);
      clearTimeout(deadlineTimer);
      reject(
        new KernelRunnerError(
          e.code === 'ENOENT'
            ? `cannot start ${file}: not found (install qemu-system-x86, or check PATH)`
            : `cannot start ${file}: ${e.message}`,
        ),
      );
    });
    child.once('close', (code, signal) => {
      clearTimeout(bootTimer);
      clearTimeout(deadlineTimer);
      if (pending) onLine(pending);
      const base = { console: consoleText, stderr, ranAt: ranAt === undefined ? undefined : ranAt - started };
      if (stopped) return resolvePromise({ kind: stopped, ...base } as Attempt);
      resolvePromise({
        kind: 'exited',
        ...base,
        code,
        signal,
        firstOutputAt: firstOutputAt === undefined ? undefined : firstOutputAt - started,
        firstResultAt: firstResultAt === undefined ? undefined : firstResultAt - started,
        uptime,
      });
    });
  });
}

function commandOutput(consoleText: string): string {
  const lines = consoleText.split('\n');
  const from = lines.findIndex((l) => l.includes(MARK.running));
  const to = lines.findIndex((l) => l.includes(MARK.done));
  const last = to < 0 ? [] : [lines[to]?.slice(0, lines[to].indexOf(MARK.done)) ?? ''].filter(Boolean);
  return [...lines.slice(from + 1, to < 0 ? undefined : to), ...last].join('\n');
}

/** A boot that did not reach the command in time: the one failure worth another boot. */
class BootTimeout extends Error {
  readonly console: string;
  constructor(message: string, console: string) {
    super(message);
    this.console = console;
  }
}

/** Why a guest that ended by itself produced no exit status, in words. */
function explainExit(a: Extract<Attempt, { kind: 'exited' }>): string {
  const panic = /Kernel panic - not syncing:.*$/m.exec(a.console)?.[0];
  if (panic) return `the guest kernel panicked: ${panic.trim()}`;
  const failed = a.console.split('\n').find((l) => l.startsWith(MARK.failed));
  if (failed) return `the guest's init failed: ${failed.slice(MARK.failed.length).trim()}`;
  if (a.code !== 0 || a.signal) {
    return `QEMU exited with ${a.signal ?? `status ${a.code}`} before the command finished${a.stderr.trim() ? `: ${a.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
  }
  return a.ranAt === undefined
    ? 'the guest stopped before the command started'
    : 'the guest stopped before the command finished';
}

/** The accelerator to use: KVM only if a short probe boot under it really works (cached per host boot). */
async function chooseAccel(
  requested: Accel | 'auto',
  kernel: KernelImage,
  o: RunOptions,
  cache: string,
): Promise<{ accel: Accel; note: string }> {
  if (requested !== 'auto') return { accel: requested, note: `${requested.toUpperCase()} as requested` };
  if (!kvmDeviceUsable()) return { accel: 'tcg', note: 'TCG: /dev/kvm is missing or not usable' };
  let bootId = 'unknown';
  try {
    bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // Without a boot id the probe result is kept until the cache is cleared.
  }
  const probeFile = join(cache, `kvm-probe-${kernel.release}-${bootId}.json`);
  try {
    return JSON.parse(readFileSync(probeFile, 'utf8')) as { accel: Accel; note: string };
  } catch {
    // not probed yet on this boot
  }
  o.onNote?.('probing KVM with a short boot');
  let choice: { accel: Accel; note: string };
  try {
    await runGuest({
      ...o,
      accel: 'kvm',
      command: ['true'],
      timeoutMs: 10_000,
      bootTimeoutMs: 10_000,
      bootRetries: 0,
      onConsole: undefined,
      onOutput: undefined,
    });
    choice = { accel: 'kvm', note: 'KVM: a probe boot worked' };
  } catch (e) {
    choice = {
      accel: 'tcg',
      note: `TCG: /dev/kvm exists but a probe boot under KVM failed (${(e as Error).message.split('\n')[0]})`,
    };
  }
  writeFileSync(probeFile, JSON.stringify(choice));
  return choice;
}

/** Where cwd/node_modules really is when a symlink puts it outside cwd (a worktree sharing one): tools write there too. */
function linkedNodeModules(cwd: string): string[] {
  try {
    const real = realpathSync(join(cwd, 'node_modules'));
    return relative(realpathSync(cwd), real).startsWith('..') ? [real] : [];
  } catch {
    return [];
  }
}

export async function runGuest(options: RunOptions = {}): Promise<GuestResult> {
  const begin = performance.now();
  const deadline = begin + (options.timeoutMs ?? 20 * 60_000);
  const cwd = resolve(options.cwd ?? process.cwd());
  const command = options.command ?? suitesCommand(cwd);
  const env: Record<string, string> = {
    PATH: `${join(cwd, 'node_modules', '.bin')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    HOME: '/tmp/home',
    // The console is a serial tty: keep Vitest from redrawing its summary in place.
    CI: '1',
    TERM: 'dumb',
    NSLAB_REPORT_DIR: `${GUEST_OUT}/report`,
    // A tap holder is a process of its own: when it was a Node process, an emulated CPU on a loaded host
    // took over 15 s to start one, and a shell there still waits behind whatever else the guest runs.
    ...(options.accel === 'kvm' ? {} : { NSLAB_HOLDER_START_MS: '120000' }),
    ...options.env,
  };
  // Built first: it refuses what the guest's shell cannot be given before anything is prepared.
  const stage2 = stage2Script({ command, cwd, env, writable: linkedNodeModules(cwd) });
  const cache = options.cacheDir ?? defaultCacheDir();
  const pathEnv = options.path ?? process.env.PATH ?? '';
  const qemuName = options.qemu ?? QEMU;
  const qemu = qemuName.includes('/') ? qemuName : which(qemuName, pathEnv);
  if (!qemu || !existsSync(qemu)) {
    throw new KernelRunnerError(
      `${qemuName} not found${qemuName.includes('/') ? '' : ' on PATH'}: install qemu-system-x86 (npm run setup does)`,
    );
  }
  mkdirSync(cache, { recursive: true });
  const kernel = loadKernel(
    selectKernel(options.kernel ?? DEFAULT_GUEST_KERNELS[0], {
      modulesRoot: options.modulesRoot,
      onNote: options.onNote,
    }),
    cache,
  );
  const initramfs = buildInitramfs(kernel.release, kernel.modulesDir, cache);
  if (initramfs.missingModules.length) {
    options.onNote?.(
      `kernel ${kernel.release}: no module for ${initramfs.missingModules.join(', ')} in ${kernel.modulesDir} and not built in; the guest may not reach its root`,
    );
  }
  const { accel, note } = await chooseAccel(options.accel ?? 'auto', kernel, options, cache);
  if (options.accel === undefined || options.accel === 'auto') options.onNote?.(note);

  const outDir = mkdtempSync(join(tmpdir(), 'nslab-guest-'));
  try {
    writeFileSync(join(outDir, 'stage2.sh'), stage2, { mode: 0o755 });
    const setpriv = which('setpriv', pathEnv);
    const args = qemuArgs({
      kernel: kernel.bootPath,
      pvh: kernel.pvh,
      release: kernel.release,
      modulesDir: kernel.modulesDir,
      initramfs: initramfs.path,
      outDir,
      cwd,
      accel,
      memoryMiB: options.memoryMiB ?? 2048,
      cpus: options.cpus ?? 2,
      append: options.append,
    });
    const retries = options.bootRetries ?? 2;
    const bootTimeoutMs = options.bootTimeoutMs ?? 60_000;
    // A boot that hangs with an empty console is retried (p-retry, no delay: the hang is not load);
    // anything else that goes wrong is final.
    const boot = async (n: number): Promise<{ a: Exclude<Attempt, { kind: 'boot-timeout' }>; n: number }> => {
      rmSync(join(outDir, 'status'), { force: true });
      rmSync(join(outDir, 'report'), { recursive: true, force: true });
      const a = await attempt({
        qemu,
        args,
        setpriv,
        bootTimeoutMs,
        deadline,
        onConsole: options.onConsole,
        onOutput: options.onOutput,
      });
      if (a.kind === 'boot-timeout') {
        throw new BootTimeout(
          `kernel ${kernel.release} did not reach the command within ${bootTimeoutMs / 1000} s (boot ${n} of ${retries + 1}, ${accel.toUpperCase()})`,
          a.console,
        );
      }
      return { a, n };
    };
    const { a, n } = await pRetry(boot, {
      retries,
      minTimeout: 0,
      randomize: false,
      shouldRetry: ({ error }) => error instanceof BootTimeout && performance.now() < deadline,
      onFailedAttempt: ({ error, retriesLeft }) => {
        if (error instanceof BootTimeout && retriesLeft > 0 && performance.now() < deadline)
          options.onNote?.(`${error.message}; retrying`);
      },
    }).catch((error: unknown) => {
      throw error instanceof BootTimeout
        ? new KernelRunnerError(`${error.message}; giving up`, tailOf(error.console))
        : error;
    });
    const totalMs = performance.now() - begin;
    if (a.kind === 'deadline') {
      const where = a.ranAt === undefined ? 'before the command started' : 'while the command ran';
      throw new KernelRunnerError(
        `the guest (kernel ${kernel.release}) was stopped at its deadline of ${(options.timeoutMs ?? 20 * 60_000) / 1000} s, ${where}`,
        tailOf(a.console),
      );
    }
    if (a.kind === 'kvm-error') {
      throw new KernelRunnerError(
        `KVM failed to run kernel ${kernel.release}: ${a.stderr.trim().split('\n')[0]}; use accel 'tcg'`,
        tailOf(a.console),
      );
    }
    const statusFile = join(outDir, 'status');
    if (!existsSync(statusFile))
      throw new KernelRunnerError(`${explainExit(a)} (kernel ${kernel.release})`, tailOf(a.console));
    const exitCode = Number(readFileSync(statusFile, 'utf8').trim());
    let report: ClaimsReport | undefined;
    try {
      report = JSON.parse(readFileSync(join(outDir, 'report', 'claims.json'), 'utf8')) as ClaimsReport;
    } catch {
      // The command wrote no claims report (not the suites).
    }
    // The command's last line may lack its newline: the mark can follow it on the same line.
    const endUptime = Number(new RegExp(`${MARK.done} \\d+ ([\\d.]+)`).exec(a.console)?.[1]);
    return {
      kernel,
      accel,
      accelNote: note,
      exitCode,
      output: commandOutput(a.console),
      console: a.console,
      report,
      timings: {
        attempts: n,
        bootMs: a.ranAt ?? 0,
        guestUptimeAtCommandS: a.uptime,
        firstOutputMs: a.firstOutputAt,
        firstResultMs: a.firstResultAt,
        commandMs:
          a.uptime !== undefined && Number.isFinite(endUptime) ? Math.round((endUptime - a.uptime) * 1000) : undefined,
        totalMs,
      },
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** A guest's claims report with how it ran (kernel, accelerator, timings), for saveKernelReport. */
export function guestKernelReport(r: GuestResult): KernelReport | undefined {
  if (!r.report) return undefined;
  return {
    ...r.report,
    source: r.kernel.path,
    guest: { accel: r.accel, accelNote: r.accelNote, exitCode: r.exitCode, timings: { ...r.timings } },
  };
}
