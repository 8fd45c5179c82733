// The kernel runner against real guests: the claim suites under Debian's kernel (C15 and C16
// need its dummy module) in a guest without the host's modprobe options, as a minimal root has
// none, where the run must work as a run, not only report its claims; and every way a guest can
// go wrong ends in a clear error within its deadline with no QEMU left behind.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, assert, describe, expect, test } from 'vitest';
import { kernelOptionOf } from '../../src/errors.ts';
import { DEBIAN_KERNELS, guestKernels, unpackedKernels } from '../../src/kernel/debian.ts';
import { KernelRunnerError } from '../../src/kernel/errors.ts';
import { guestKernelReport, runGuest } from '../../src/kernel/run.ts';
import { suitesRunProblem } from '../../src/kernel/suites-outcome.ts';
import type { ClaimsReport } from '../../src/report/claims-reporter.ts';
import { saveKernelReport } from '../../src/report/kernels.ts';
import { verdictText } from '../../src/report/render.ts';
import { pollUntil } from '../helpers/poll.ts';
import { isRunning } from '../helpers/proc.ts';
import { guestUnavailable, qemuChildren } from './helpers.ts';

const unavailable = guestUnavailable();
const repo = join(import.meta.dirname, '..', '..');

/** The claim IDs the suites' test titles name: what a complete report must contain. */
function claimIdsInSuites(): string[] {
  const dir = join(repo, 'suites');
  const ids = readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .flatMap((f) =>
      [...readFileSync(join(dir, f), 'utf8').matchAll(/\btest\(\s*['"`]([CX]\d+):/g)].map((m) => m[1] as string),
    );
  return [...new Set(ids)];
}

/** The kinds the tests of test/kinds/ declare (kindTest's first argument, and the meta of the others). */
function kindsInTests(): string[] {
  const dir = join(repo, 'test', 'kinds');
  const kinds = readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .flatMap((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      return [...text.matchAll(/\bkindTest\(\s*\[([^\]]*)\]|\bkinds: \[([^\]]*)\]/g)].flatMap((m) =>
        [...(m[1] ?? m[2]!).matchAll(/'([^']+)'/g)].map((q) => q[1]!),
      );
    });
  return [...new Set(kinds)].sort();
}

async function rejection(p: Promise<unknown>): Promise<KernelRunnerError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KernelRunnerError);
  return e as KernelRunnerError;
}

describe.skipIf(unavailable)('guests', () => {
  afterEach(() => {
    // Every path out of runGuest has already reaped its QEMU.
    expect(qemuChildren()).toEqual([]);
  });

  test.for(guestKernels())(
    'the claim suites run under kernel %s with C15 and C16 passing, and the report comes back whole',
    { timeout: 20 * 60_000 },
    async (name, { skip }) => {
      const missing = guestUnavailable(name);
      if (missing) return skip(missing);
      const result = await runGuest({ kernel: name, cwd: repo, timeoutMs: 18 * 60_000 });
      // A claim that fails is a finding on that kernel; a run that fails otherwise is a broken run.
      const problem = suitesRunProblem(result, claimIdsInSuites());
      if (problem) assert.fail(problem);
      const report = result.report as ClaimsReport;
      // The guest's kernel wrote the report, not the host's.
      expect(report.kernel).toBe(result.kernel.release);
      // A Debian short name ("6.12") boots that series.
      if (DEBIAN_KERNELS[name]) expect(report.kernel.startsWith(`${name.replace(/-rt$/, '')}.`)).toBe(true);
      for (const id of ['C15', 'C16']) {
        const row = report.claims.find((c) => c.id === id);
        expect(
          row?.tests.map((t) => t.state),
          `${id}: ${verdictText(row?.verdict)}`,
        ).toEqual(row?.tests.map(() => 'passed'));
        expect(['holds', 'nuance']).toContain(row?.verdict.kind);
      }
      // The device kinds, in the same boot: every kinds test's kind is in the table, none
      // differs here, and one is missing only where the guest kernel's own config (beside its
      // image, config-RELEASE) lacks the option that provides it.
      const declared = kindsInTests();
      expect(report.kinds?.map((k) => k.kind).sort()).toEqual(declared);
      expect(report.kinds?.filter((k) => k.status === 'differs').map((k) => `${k.kind}: ${k.note}`)).toEqual([]);
      const config = readFileSync(
        result.kernel.config ?? join(dirname(result.kernel.path), `config-${result.kernel.release}`),
        'utf8',
      );
      for (const k of report.kinds?.filter((row) => row.status === 'missing') ?? []) {
        const option = k.kind === 'bridge vlan_filtering' ? 'CONFIG_BRIDGE_VLAN_FILTERING' : kernelOptionOf(k.kind);
        expect(config, `${k.kind} is missing (${k.note}), yet the guest's config has ${option}`).not.toMatch(
          new RegExp(`^${option}=[ym]$`, 'm'),
        );
      }
      // Kept for the cross-kernel report (npm run kernels -- report), with the timings.
      const saved = guestKernelReport(result);
      if (saved) saveKernelReport(join(repo, 'report'), saved);
      const t = result.timings;
      console.log(
        `guest ${result.kernel.release} (${result.accelNote}): boot ${t.bootMs.toFixed(0)} ms, first test result ${t.firstResultMs?.toFixed(0)} ms, whole run ${t.totalMs.toFixed(0)} ms, ${t.attempts} boot(s), exit status ${result.exitCode}`,
      );
    },
  );

  test(
    'a command runs with its exit status and output, and the guest has the device nodes of on-demand modules',
    { timeout: 150_000 },
    async () => {
      const r = await runGuest({
        command: ['sh', '-c', 'uname -r; test -c /dev/net/tun && echo tun-node; exit 7'],
        timeoutMs: 120_000,
      });
      expect(r.exitCode).toBe(7);
      expect(r.output.split('\n')).toEqual(expect.arrayContaining([r.kernel.release, 'tun-node']));
      expect(r.report).toBeUndefined();
    },
  );

  const hostileName =
    'a working directory named with $(...), quotes, a comma and a colon is entered as itself, and nothing in it runs';
  test(hostileName, { timeout: 150_000 }, async () => {
    const parent = mkdtempSync(join(tmpdir(), 'nslab-cwd-'));
    const cwd = join(parent, "it's $(echo INJECTED-$((6*7))) `echo TICKED`, a,b:c");
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'marker'), 'here\n');
    try {
      const r = await runGuest({
        cwd,
        command: ['sh', '-c', 'pwd; cat marker; touch written && echo writable'],
        timeoutMs: 120_000,
      });
      expect(r.exitCode, r.output).toBe(0);
      // Under the guest's /tmp: reached through its own share (QEMU's -fsdev), with a writable layer (overlay).
      expect(r.output.split('\n')).toEqual(expect.arrayContaining([cwd, 'here', 'writable']));
      expect(r.console).not.toMatch(/INJECTED-42|^TICKED/m);
      expect(readdirSync(cwd)).toEqual(['marker']);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  test('a kernel path that does not exist, or a name no kernel has, fails at once, listing the kernels there are', async () => {
    const path = await rejection(runGuest({ kernel: '/nonexistent/vmlinuz', command: ['true'] }));
    expect(path.message).toMatch(
      /^kernel \/nonexistent\/vmlinuz does not exist; available: 6\.1 \(Debian bookworm's kernel\), 6\.12 \(/,
    );
    const name = await rejection(runGuest({ kernel: '6.13', command: ['true'] }));
    expect(name.message).toMatch(/^no kernel called "6\.13"; available: 6\.1 \(.*\), 6\.12 \(.*\), 6\.1-rt \(.*\)/);
    // Every unpacked kernel is listed by its release.
    for (const k of unpackedKernels()) expect(name.message).toContain(`${k.release} (unpacked ${k.name})`);
    expect(qemuChildren()).toEqual([]);
  });

  test('a file that is no kernel is refused before QEMU starts', async () => {
    const e = await rejection(runGuest({ kernel: join(repo, 'package.json'), command: ['true'] }));
    expect(e.message).toMatch(/not a Linux kernel image/);
  });

  test('without QEMU on PATH the error says what to install', async () => {
    const e = await rejection(runGuest({ command: ['true'], path: '/nonexistent-bin:/usr/local/nothing' }));
    expect(e.message).toMatch(/qemu-system-x86_64 not found on PATH: install qemu-system-x86/);
  });

  test(
    'a guest kernel that panics is reported with the panic line and the console tail',
    { timeout: 150_000 },
    async () => {
      // No init in the initramfs: the kernel looks for a root device, finds none and panics.
      const e = await rejection(
        runGuest({ command: ['true'], append: 'rdinit=/nonexistent', timeoutMs: 120_000, bootRetries: 0 }),
      );
      expect(e.message).toMatch(/the guest kernel panicked: Kernel panic - not syncing: /);
      expect(e.consoleTail).toMatch(/Kernel panic/);
    },
  );

  test(
    'a command that hangs is stopped at the deadline, with the console tail showing where',
    { timeout: 120_000 },
    async () => {
      // The deadline covers the whole run, the boot under emulation included: 40 s leaves the
      // command room to start on a loaded machine, where 20 s once ran out before it did.
      const e = await rejection(
        runGuest({ command: ['sh', '-c', 'echo about-to-hang; exec sleep 600'], timeoutMs: 40_000 }),
      );
      expect(e.message).toMatch(/stopped at its deadline of 40 s, while the command ran/);
      expect(e.consoleTail).toContain('about-to-hang');
    },
  );

  test(
    'a boot that does not reach the command in time is retried, then given up with the console tail',
    { timeout: 90_000 },
    async () => {
      const notes: string[] = [];
      // Far too short for any boot under emulation: exercises the watchdog that catches real hung boots.
      const e = await rejection(
        runGuest({
          command: ['true'],
          bootTimeoutMs: 300,
          bootRetries: 1,
          timeoutMs: 60_000,
          onNote: (n) => notes.push(n),
        }),
      );
      expect(e.message).toMatch(/did not reach the command within 0\.3 s \(boot 2 of 2, (TCG|KVM)\); giving up/);
      expect(notes.filter((n) => n.includes('retrying'))).toHaveLength(1);
    },
  );

  test('QEMU dies with the process that started it, even by SIGKILL', { timeout: 120_000 }, async () => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'hold-guest.ts')], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const ready = await pollUntil(
        () => out,
        (o) => o.includes('READY') || o.includes('ERROR'),
        90_000,
      );
      expect(ready.value, `the guest holder's stderr:\n${err}`).toContain('READY');
      const [qemu] = qemuChildren(child.pid);
      expect(qemu).toBeDefined();
      child.kill('SIGKILL');
      await exited;
      const gone = await pollUntil(
        () => isRunning(qemu as number),
        (alive) => !alive,
        10_000,
      );
      expect(gone.value).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

if (unavailable) {
  test('guests cannot boot here', ({ skip }) => {
    skip(`kernel runner tests skipped: ${unavailable}`);
  });
}
