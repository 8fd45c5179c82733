// Where /proc/sys is mounted read-only, as Docker mounts it in a container: sysctl.set() is a
// SysctlReadOnlyError saying why and what to do, and the tests that write sysctls skip with
// that reason. Shown in a child process whose private mount namespace has /proc/sys remounted
// read-only (this process's own mounts, and so the host's, are not touched: a remount in a
// private mount namespace propagates nowhere); where it is read-only already, the child runs as
// it is.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT, runVitest } from '../assert/child-vitest.ts';
import { startFixture } from '../helpers/fixture.ts';
import { mountsOf, procSysReadOnly } from '../helpers/proc.ts';
import type { Outcome } from './fixtures/outcome.ts';

const READ_ONLY_PROC_SYS = [
  'unshare',
  '--mount',
  '--propagation',
  'private',
  'sh',
  '-c',
  // /proc/sys is a mount of its own in a container; on a host it is part of /proc, so it is
  // bound onto itself first, which is how container runtimes make it read-only too.
  'mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys && exec "$@"',
  'sh',
];
const wrapper = procSysReadOnly() === undefined ? READ_ONLY_PROC_SYS : [];

interface Report {
  readOnly: string | undefined;
  before: number;
  after: number;
  created: Outcome;
  typed: boolean;
  adoptedSet: Outcome;
  adoptedDestroy: Outcome;
}

/**
 * What must not change here: this process's mounts of /proc (the child remounts /proc/sys) and
 * the host's own ip_forward. Only those: the other worker's tests pin namespaces under
 * /run/netns and start containers meanwhile, which adds mounts elsewhere.
 */
const hostSide = (): string =>
  JSON.stringify({
    mounts: mountsOf().filter((m) => m.mountPoint === '/proc' || m.mountPoint.startsWith('/proc/')),
    ipForward: readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'),
  });

const REASON = /\/proc\/sys is mounted read-only in this mount namespace \(as Docker does in a container\)/;

describe('a read-only /proc/sys', () => {
  test('sysctl.set() is a SysctlReadOnlyError with the key, the cause and the remedies; nothing is left to restore', async () => {
    const before = hostSide();
    const { report, exited } = await startFixture<Report>('read-only-sysctls.ts', [], { wrapper });
    expect((await exited).code).toBe(0);
    expect(report.readOnly).toMatch(REASON);
    const refusal = {
      name: 'SysctlReadOnlyError',
      key: 'net.ipv4.ip_forward',
      message: expect.stringMatching(
        /^cannot write sysctl net\.ipv4\.ip_forward in namespace .*\(EROFS\): \/proc\/sys is mounted read-only .*--security-opt systempaths=unconfined/,
      ),
      cause: 'open (/proc/sys/net/ipv4/ip_forward) failed: EROFS',
    };
    expect(report.created).toMatchObject(refusal);
    expect(report.typed).toBe(true);
    expect(report.adoptedSet).toMatchObject(refusal);
    // The refused write changed nothing, so destroy() has nothing to write back (and no EROFS to meet).
    expect(report.adoptedDestroy).toBe('ok');
    expect(report.after).toBe(report.before);
    expect(hostSide()).toBe(before);
  });

  test('the tests that write sysctls skip, saying why; the others still run', async () => {
    const before = hostSide();
    const files = ['test/integration/sysctls.test.ts', 'test/integration/forwarding.test.ts'];
    const run = await runVitest(REPO_ROOT, [...files, '--reporter=verbose'], { wrapper });
    expect(run.exitCode, run.output).toBe(0);
    const line = (title: string): string =>
      run.output.split('\n').find((l) => l.includes(title)) ?? `no line for ${title}`;
    for (const title of [
      'set() writes the namespace value, not the host one',
      'a device key: dotted, or as segments',
      'an adopted namespace gets its original values back',
      'without ip_forward the router takes the pings in',
      'a policy rule sends the second source through table 100',
    ]) {
      expect(line(title)).toMatch(/↓/);
      expect(line(title)).toMatch(REASON);
    }
    expect(line('a key that does not exist is a SysctlNotFoundError')).toMatch(/✓/);
    expect(hostSide()).toBe(before);
  });
});
