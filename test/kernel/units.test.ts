// The runner's parts checked against independent tools: busybox's cpio reads our archives,
// kmod's modprobe orders module dependencies, Debian's /boot/config says whether the kernel has
// a PVH entry, sh reads the guest script's quoting back, QEMU parses the share options; and the
// cross-kernel and shard merging of claims reports, and how a guest's suites run is judged.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cpioArchive } from '../../src/kernel/cpio.ts';
import { DEFAULT_GUEST_KERNELS } from '../../src/kernel/debian.ts';
import { bzImageRelease, extractVmlinux, hasPvhNote } from '../../src/kernel/image.ts';
import { type KernelChoice, selectKernel } from '../../src/kernel/select.ts';
import { BOOT_MODULES, moduleLoadOrder } from '../../src/kernel/modules.ts';
import { KernelRunnerError } from '../../src/kernel/errors.ts';
import { stage2Script } from '../../src/kernel/guest-init.ts';
import { QEMU, kernelCommandLine, qemuArgs, which } from '../../src/kernel/qemu.ts';
import { runGuest } from '../../src/kernel/run.ts';
import { suitesRunProblem } from '../../src/kernel/suites-outcome.ts';
import { type ClaimsReport, withVerdicts } from '../../src/report/claims-reporter.ts';
import { crossKernel, loadKernelReports, mergeShards } from '../../src/report/kernels.ts';
import { renderClaimsMarkdown, renderCrossKernelMarkdown, verdictText } from '../../src/report/render.ts';

test('busybox cpio lists our newc archive with its files, directories, symlinks and device nodes', ({ skip }) => {
  if (!which('busybox', '/bin:/usr/bin')) return skip('no busybox here to read the archive with');
  const archive = cpioArchive([
    { path: 'bin', mode: 0o040755 },
    { path: 'bin/hello', mode: 0o100755, data: 'echo hi\n' },
    { path: 'sh', mode: 0o120777, data: 'bin/hello' },
    { path: 'console', mode: 0o020600, rdev: [5, 1] },
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'nslab-cpio-'));
  try {
    writeFileSync(join(dir, 'a.cpio'), archive);
    const listing = execFileSync('sh', ['-c', `busybox cpio -tv < ${dir}/a.cpio`], { encoding: 'utf8' }).split('\n');
    expect(listing.find((l) => l.endsWith(' bin'))).toMatch(/^drwxr-xr-x/);
    expect(listing.find((l) => l.includes('bin/hello'))).toMatch(/^-rwxr-xr-x .* 8 /);
    expect(listing.find((l) => l.includes(' sh -> '))).toMatch(/^lrwxrwxrwx .* sh -> bin\/hello$/);
    execFileSync('sh', ['-c', `cd ${dir} && busybox cpio -i < a.cpio`]);
    expect(readFileSync(join(dir, 'bin', 'hello'), 'utf8')).toBe('echo hi\n');
    // Extracted as root, the node is a real character device 5:1 (busybox -tv does not show numbers).
    expect(execFileSync('stat', ['-c', '%F %t:%T', join(dir, 'console')], { encoding: 'utf8' }).trim()).toBe(
      'character special file 5:1',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A default kernel as the runner finds it, or why it cannot here. */
function defaultChoice(name: string): KernelChoice | string {
  try {
    return selectKernel(name);
  } catch (e) {
    return (e as Error).message;
  }
}

describe.each(DEFAULT_GUEST_KERNELS)('Debian %s, unpacked into the store', (name) => {
  const choice = defaultChoice(name);

  test('its release from the bzImage header matches the banner inside the extracted vmlinux, and the PVH note matches its config', ({
    skip,
  }) => {
    if (typeof choice === 'string') return skip(choice);
    const image = readFileSync(choice.path);
    const release = bzImageRelease(image);
    expect(release).toBeDefined();
    const vmlinux = extractVmlinux(image);
    expect(vmlinux.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(vmlinux.includes(`Linux version ${release} `)).toBe(true);
    expect(choice.config).toBeDefined();
    expect(hasPvhNote(vmlinux)).toBe(/^CONFIG_PVH=y$/m.test(readFileSync(choice.config!, 'utf8')));
  });

  test('the boot modules load after their dependencies, as modprobe orders them', ({ skip }) => {
    if (typeof choice === 'string') return skip(choice);
    if (!which('modprobe', '/usr/sbin:/sbin:/usr/bin')) return skip('needs kmod');
    const release = bzImageRelease(readFileSync(choice.path)) as string;
    const root = choice.modulesRoot ?? '/';
    const { files, missing } = moduleLoadOrder(join(root, 'lib', 'modules', release), BOOT_MODULES);
    expect(missing).toEqual([]);
    const depsOf = (m: string): string[] =>
      execFileSync('modprobe', ['-d', root, '-S', release, '--show-depends', m], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.startsWith('insmod '))
        .map((l) =>
          (l.split(' ')[1] ?? '').slice(root.replace(/\/$/, '').length).replace(/^(\/usr)?\/lib\/modules\/[^/]+\//, ''),
        )
        .slice(0, -1);
    // Each module modprobe would load first is in the list, and before the module that needs it.
    for (const m of BOOT_MODULES)
      expect(
        files.map((f) =>
          f
            .split('/')
            .at(-1)
            ?.replace(/\.(xz|zst|gz)$/, ''),
        ),
      ).toContain(`${m}.ko`);
    for (const [i, f] of files.entries()) {
      for (const dep of depsOf(
        f
          .split('/')
          .at(-1)
          ?.replace(/\.ko.*$/, '') ?? '',
      )) {
        expect(files.indexOf(dep), `${dep}, needed by ${f}`).toBeGreaterThanOrEqual(0);
        expect(files.indexOf(dep), `${dep}, needed by ${f}`).toBeLessThan(i);
      }
    }
  });
});

const report = (kernel: string, claims: Array<[string, string, string?, string?]>): ClaimsReport => ({
  kernel,
  generatedAt: '2026-01-01T00:00:00.000Z',
  claims: withVerdicts(
    claims.map(([id, state, note, name]) => ({
      id,
      tests: [
        {
          name: name ?? `${id}: t`,
          state,
          note,
          verdict: note && state === 'passed' ? ('nuance' as const) : undefined,
          observed: {},
        },
      ],
    })),
  ),
});

describe('claims reports', () => {
  test('shards merge into one report, each claim with all its tests and a recomputed verdict', () => {
    const a = report('6.1.0', [
      ['C2', 'passed'],
      ['C15', 'skipped', 'kernel lacks dummy devices'],
    ]);
    const b = report('6.1.0', [
      ['C1', 'passed'],
      ['C15', 'failed', 'boom', 'C15: u'],
    ]);
    const merged = mergeShards([a, b]);
    expect(merged.claims.map((c) => c.id)).toEqual(['C1', 'C2', 'C15']);
    expect(merged.claims.find((c) => c.id === 'C15')?.verdict).toEqual({
      kind: 'failed',
      test: 'C15: u',
      note: 'boom',
    });
    expect(renderClaimsMarkdown(merged)).toContain('| C15 | failed: C15: u (boom) |');
    expect(merged.claims.find((c) => c.id === 'C15')?.tests).toHaveLength(2);
    expect(() => mergeShards([a, report('6.18', [])])).toThrow(/different kernels/);
  });

  test('verdicts are data in the report files; one saved as text by an older nslab reads back as the same data', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nslab-reports-'));
    try {
      const fresh = report('6.1.0', [
        ['C1', 'passed', 'takes 2 ms'],
        ['C2', 'skipped', 'no dummy'],
        ['C3', 'passed'],
      ]);
      expect(fresh.claims.map((c) => c.verdict)).toEqual([
        { kind: 'nuance', note: 'takes 2 ms' },
        { kind: 'skipped', note: 'no dummy' },
        { kind: 'holds' },
      ]);
      expect(fresh.claims.map((c) => verdictText(c.verdict))).toEqual([
        'holds with a nuance: takes 2 ms',
        'skipped: no dummy',
        'holds',
      ]);
      const asText = { ...fresh, claims: fresh.claims.map((c) => ({ ...c, verdict: verdictText(c.verdict) })) };
      writeFileSync(join(dir, 'claims.json'), JSON.stringify(asText));
      expect(loadKernelReports(dir)).toEqual([{ source: 'host', ...fresh }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the cross-kernel table has a column per kernel and calls out every verdict that differs', () => {
    const host = {
      source: 'host',
      ...mergeShards([
        report('6.18', [
          ['C1', 'passed', 'bridge ID 8000.0a0000000001 after 12 ms'],
          ['C15', 'skipped', 'no dummy'],
          ['C3', 'passed'],
        ]),
      ]),
    };
    const guest = mergeShards([
      report('6.1.0', [
        ['C1', 'passed', 'bridge ID 8000.b20000000002 after 40 ms'],
        ['C15', 'passed'],
        ['X1', 'passed'],
      ]),
    ]);
    const x = crossKernel([host, guest]);
    expect(x.kernels.map((k) => k.label)).toEqual(['host 6.18', '6.1.0']);
    const row = (id: string) => x.rows.find((r) => r.id === id);
    // Numbers and bridge IDs differ from run to run; they are not a kernel difference.
    expect(row('C1')).toMatchObject({ differs: false, detailsDiffer: false });
    expect(row('C15')).toMatchObject({ differs: true });
    expect(row('C3')).toMatchObject({ differs: true, verdicts: [{ kind: 'holds' }, undefined] });
    expect(row('X1')).toMatchObject({ differs: true });
    const md = renderCrossKernelMarkdown(x);
    expect(md).toContain('| claim | host 6.18 | 6.1.0 | same everywhere? |');
    expect(md).toMatch(/- \*\*C15\*\*:\n {2}- host 6\.18: skipped: no dummy\n {2}- 6\.1\.0: holds/);
  });
});

describe('what the runner hands to the guest shell and to QEMU', () => {
  const hostile = '/srv/it\'s $(echo INJECTED-$((6*7))) `id`, "a":b\\c';

  test('the working directory appears in the guest script only where sh reads it back as the same path', () => {
    const script = stage2Script({ command: ['true'], cwd: hostile, env: {} });
    // The only occurrence of the path is one assignment; everything else uses the variable.
    expect(script.replace(/^cwd=.*$/m, '')).not.toContain('$(echo INJECTED');
    const assignment = /^cwd=.*$/m.exec(script)?.[0];
    expect(assignment).toBeDefined();
    expect(execFileSync('sh', ['-c', `${assignment}\nprintf %s "$cwd"`], { encoding: 'utf8' })).toBe(hostile);
  });

  test('arguments and environment values reach the guest shell unchanged', () => {
    const script = stage2Script({ command: ['printf', '%s|', hostile, ''], cwd: '/x', env: { A_1: hostile, _B: "'" } });
    const exports = script.split('\n').filter((l) => l.startsWith('export '));
    const run = script.split('\n').find((l) => l.startsWith("'printf'")) ?? '';
    const shell = `${exports.join('\n')}\nprintf '%s|' "$A_1" "$_B"; ${run.replace(' </dev/null', '')}`;
    expect(execFileSync('sh', ['-c', shell], { encoding: 'utf8' })).toBe(`${hostile}|'|${hostile}||`);
  });

  const badKeys = ['A B', '1A', 'A;reboot', 'A=B', '', 'PATH$(id)', 'Ä'];
  test.each(badKeys)('the environment key %j is refused: it is no shell variable name', (key) => {
    const script = () => stage2Script({ command: ['true'], cwd: '/x', env: { [key]: 'v' } });
    expect(script).toThrow(KernelRunnerError);
    expect(script).toThrow(/environment variable name .*letters, digits and _/);
  });

  test('a bad environment key is refused before anything is prepared or started', async () => {
    const guest = runGuest({
      command: ['true'],
      env: { 'X;reboot': '1' },
      qemu: '/nonexistent/qemu',
      kernel: '/nonexistent/vmlinuz',
    });
    const e = await guest.then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(e).toBeInstanceOf(KernelRunnerError);
    expect(e?.message).toMatch(/"X;reboot"/);
  });

  test('QEMU reads the shared paths back whole, commas included', ({ skip }) => {
    if (!which(QEMU)) return skip(`no ${QEMU}`);
    const dir = mkdtempSync(join(tmpdir(), 'nslab-a,b-'));
    try {
      const missing = join(dir, 'no,such,dir');
      const args = qemuArgs({
        kernel: '/k',
        pvh: true,
        initramfs: '/i',
        release: '6.1.0-57-amd64',
        modulesDir: '/lib/modules/6.1.0-57-amd64',
        outDir: dir,
        cwd: missing,
        accel: 'tcg',
        memoryMiB: 64,
        cpus: 1,
      });
      // Each share is -fsdev VALUE -device VALUE.
      const shares = args.flatMap((a, i) => (a === '-fsdev' ? args.slice(i, i + 4) : []));
      // QEMU opens each share as it starts: the output share exists, the working directory does not.
      const qemu = ['-M', 'microvm', '-accel', 'tcg', '-nodefaults', '-display', 'none', '-S', ...shares];
      const r = spawnSync(QEMU, qemu, { encoding: 'utf8', timeout: 60_000 });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`cannot initialize fsdev 'cwd': failed to open '${missing}'`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a guest's run of the claim suites", () => {
  // Vitest's own words (v5, as the guest's console shows them, colours and all).
  const red = (s: string): string => `\x1b[1m\x1b[31m${s}\x1b[39m\x1b[22m\x1b[2m | \x1b[22m`;
  const green = (s: string): string => `\x1b[1m\x1b[32m${s}\x1b[39m\x1b[22m`;
  const summary = (failed: number, passed: number): string =>
    `\x1b[2m      Tests \x1b[22m ${failed ? red(`${failed} failed`) : ''}${green(`${passed} passed`)} (${failed + passed})`;
  const teardown = [
    "error during close Error: the host's network namespace changed during the test run:",
    '    at Object.teardown (test/global-setup.ts:37:13)',
  ].join('\n');
  const unhandled =
    '⎯⎯⎯⎯⎯⎯ Unhandled Error ⎯⎯⎯⎯⎯⎯⎯\nVitest caught 1 unhandled error during the test run.\nTypeError: boom';
  const run = (exitCode: number, output: string, states: string[] = ['passed']) => ({
    exitCode,
    output,
    report: report(
      '6.1.0',
      states.map((state, i): [string, string] => [`C${i + 1}`, state]),
    ),
  });

  test('a clean run, and one whose only failures are claims, are fine: those are findings about the kernel', () => {
    expect(suitesRunProblem(run(0, summary(0, 1)), ['C1'])).toBeUndefined();
    expect(suitesRunProblem(run(1, summary(1, 1), ['passed', 'failed']), ['C1', 'C2'])).toBeUndefined();
  });

  test('a failing device-kinds test is a finding too (the kind differs there), counted once whatever kinds it names', () => {
    const failing = { name: 'bond and vrf > enslave', state: 'failed', note: 'EOPNOTSUPP' };
    const withKinds = run(1, summary(1, 2));
    withKinds.report.kinds = [
      { kind: 'bond', status: 'differs', tests: [failing] },
      { kind: 'vrf', status: 'differs', tests: [failing] },
    ];
    expect(suitesRunProblem(withKinds, ['C1'])).toBeUndefined();
    expect(suitesRunProblem({ ...withKinds, output: summary(2, 1) }, ['C1'])).toMatch(
      /: 1 failed test\(s\) are neither a claim's nor a device kind's/,
    );
  });

  test('a global teardown that throws fails the run, with its words, even when claims failed too', () => {
    expect(suitesRunProblem(run(1, `${summary(0, 1)}\n${teardown}`))).toMatch(
      /status 1 for a reason other than a claim .*: error during close Error: the host's network namespace changed/,
    );
    expect(suitesRunProblem(run(1, `${summary(1, 1)}\n${teardown}`, ['passed', 'failed']))).toMatch(
      /namespace changed/,
    );
  });

  test('an unhandled error, a failing test that is no claim, or a failure with no failed test at all fails the run', () => {
    expect(suitesRunProblem(run(1, `${summary(0, 1)}\n${unhandled}`))).toMatch(/: Unhandled Error: TypeError: boom/);
    expect(suitesRunProblem(run(1, summary(2, 1), ['passed', 'failed']))).toMatch(
      /: 1 failed test\(s\) are neither a claim's nor a device kind's/,
    );
    expect(suitesRunProblem(run(1, 'Killed'))).toMatch(
      /: no claim or device-kind test failed\n--- the guest's output \(last lines\) ---\nKilled$/,
    );
  });

  test('a missing report, or one without some claims, fails the run and says which', () => {
    const noReport = suitesRunProblem({ exitCode: 1, output: 'Startup Error', report: undefined });
    expect(noReport).toMatch(/^the suites \(exit status 1\) wrote no claims report/);
    expect(suitesRunProblem(run(0, summary(0, 1)), ['C1', 'C7', 'E1'])).toMatch(
      /^the claims report lacks C7, E1: their tests did not run/,
    );
  });
});

describe('choosing a kernel', () => {
  test('a release is found unpacked in the store or installed in /boot, a path keeps the modules beside it, and a wrong name lists the choices', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nslab-select-'));
    try {
      const store = join(dir, 'store');
      const boot = join(dir, 'boot');
      const unpacked = join(store, 'linux-image-9.9.0-1-amd64_9.9.0-1', 'root');
      for (const d of [join(unpacked, 'boot'), join(unpacked, 'lib', 'modules', '9.9.0-1-amd64'), boot])
        mkdirSync(d, { recursive: true });
      writeFileSync(join(boot, 'vmlinuz-8.8.0-1-amd64'), '');
      const entry = {
        name: '6.12',
        package: 'linux-image-9.9.0-1-amd64',
        version: '9.9.0-1',
        release: '9.9.0-1-amd64',
        image: join(unpacked, 'boot', 'vmlinuz-9.9.0-1-amd64'),
        config: join(unpacked, 'boot', 'config-9.9.0-1-amd64'),
        modulesRoot: unpacked,
      };
      writeFileSync(join(store, 'linux-image-9.9.0-1-amd64_9.9.0-1', 'nslab-kernel.json'), JSON.stringify(entry));
      writeFileSync(entry.image, '');
      const o = { store, boot };
      expect(selectKernel('9.9.0-1-amd64', o)).toEqual({
        path: entry.image,
        modulesRoot: unpacked,
        config: entry.config,
      });
      // A short name takes what is unpacked under it, without asking apt (setup's fetch does that).
      expect(selectKernel('6.12', o)).toEqual(selectKernel('9.9.0-1-amd64', o));
      // The unpacked tree's boot/ has its lib/modules beside it.
      expect(selectKernel(entry.image, o)).toEqual({ path: entry.image, modulesRoot: unpacked });
      expect(selectKernel(entry.image, { ...o, modulesRoot: '/elsewhere' })).toEqual({
        path: entry.image,
        modulesRoot: '/elsewhere',
      });
      // /boot's kernel has no lib/modules beside /boot in this tree: the host's /lib/modules.
      expect(selectKernel('8.8.0-1-amd64', o)).toEqual({ path: join(boot, 'vmlinuz-8.8.0-1-amd64') });
      expect(() => selectKernel('7.7', o)).toThrow(
        new RegExp(
          `^no kernel called "7\\.7"; available: 6\\.1 \\(Debian bookworm's kernel\\), 6\\.12 \\(.*\\), 6\\.1-rt \\(.*PREEMPT_RT\\), 9\\.9\\.0-1-amd64 \\(unpacked 6\\.12\\), 8\\.8\\.0-1-amd64 \\(${boot}/vmlinuz-8\\.8\\.0-1-amd64\\), or a path to a bzImage or vmlinux$`,
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('modules outside /lib/modules go to the guest on the command line, where a path the line cannot carry is refused', () => {
    const line = (modulesDir: string): string => kernelCommandLine({ release: '9.9.0-1-amd64', modulesDir });
    expect(
      line('/lib/modules/9.9.0-1-amd64')
        .split(' ')
        .filter((p) => p.startsWith('nslab.')),
    ).toEqual([]);
    expect(line('/root/.cache/nslab/kernels/x_9.9.0-1~deb12u1/root/lib/modules/9.9.0-1-amd64').split(' ')).toContain(
      'nslab.modules=/root/.cache/nslab/kernels/x_9.9.0-1~deb12u1/root/lib/modules/9.9.0-1-amd64',
    );
    expect(() => line('/my kernels/lib/modules/9.9.0-1-amd64')).toThrow(/a path the kernel command line cannot carry/);
    expect(() => line('/tmp/k/lib/modules/9.9.0-1-amd64')).toThrow(/the guest replaces with its own tmpfs/);
  });
});
