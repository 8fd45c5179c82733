// A test process killed with SIGKILL runs no cleanup at all. What nslab made must still go:
// holder processes (PR_SET_PDEATHSIG), programs run inside (setpriv --pdeathsig), namespaces
// (held only by descriptors, which the kernel closes), and — the one thing that needs a
// sweep — a pin. The kernel's own evidence that a namespace is freed: a witness namespace
// with a veth into it loses both the veth end and the namespace id. And a notification stream
// that fails to start leaves no descriptor behind.
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createNetns, sweepStalePins } from '../../src/index.ts';
import { startFixture } from '../helpers/fixture.ts';
import { hostIpLinks, ipLinkNames, ipNetnsIds } from '../helpers/oracle.ts';
import { pollUntil } from '../helpers/poll.ts';
import { isRunning, netnsMounts, netnsReferences, nsInodeOfFd } from '../helpers/proc.ts';
import { reapersOf } from '../helpers/reaper.ts';

interface Report {
  pid: number;
  pinPath: string;
  nsFds: number[];
  holders: number[];
  sleeper: number;
  /** What the forking program forked: no parent-death signal of its own. */
  forked: number[];
  /** What left the program's process group (setsid): neither a parent-death signal nor the group kill reaches it. */
  escaped: number[];
  witnessPeers: [string, string, string];
}

/** The host's devices, read only (never changed by the tests). */
const hostDevices = (): string[] =>
  hostIpLinks()
    .map((l) => l.ifname)
    .sort();

// The fixture may take its whole 30 s to start under load, and the freeing its 15 s after that:
// the test's limit covers both, so a slow machine ends in the step's own message, not Vitest's timeout.
test(
  'after SIGKILL of the process that made them, nothing is left: processes, namespaces, and (after a sweep) the pin',
  { timeout: 75_000 },
  async () => {
    const hostBefore = hostDevices();
    await using witness = await createNetns({ label: 'witness', pin: true });
    const nsids = () => ipNetnsIds(witness);
    const { child, report, exited } = await startFixture<Report>('leaky-parent.ts', [witness.pinPath!], {
      timeoutMs: 30_000,
    });
    const [peerA, peerB, peerC] = report.witnessPeers;
    let inodes: number[];
    try {
      inodes = report.nsFds.map((fd) => nsInodeOfFd(report.pid, fd));
      expect(new Set(inodes).size).toBe(3);
      expect(report.holders).toHaveLength(6);
      expect(report.forked).toHaveLength(1);
      expect(report.escaped).toHaveLength(1);
      for (const pid of [...report.holders, report.sleeper, ...report.forked, ...report.escaped])
        expect(isRunning(pid)).toBe(true);
      expect(existsSync(report.pinPath)).toBe(true);
      expect(await ipLinkNames(witness)).toEqual(['lo', peerA, peerB, peerC].sort());
      expect(await nsids()).toHaveLength(3);
    } finally {
      child.kill('SIGKILL');
      expect((await exited).signal).toBe('SIGKILL');
    }

    // Everything but the pinned namespace goes without anyone's help.
    const freed = await pollUntil(
      async () => ({
        running: [...report.holders, report.sleeper, ...report.forked, ...report.escaped].filter(isRunning),
        refs: netnsReferences(inodes),
        witness: await ipLinkNames(witness),
        nsids: (await nsids()).length,
      }),
      (s) =>
        s.running.length === 0 &&
        s.refs.length === 0 &&
        !s.witness.includes(peerB) &&
        !s.witness.includes(peerC) &&
        s.nsids === 1,
      15_000,
    );
    expect(freed.value).toEqual({ running: [], refs: [], witness: ['lo', peerA].sort(), nsids: 1 });
    expect(freed.met).toBe(true);

    // The pin is a mount: it outlives the process and keeps its namespace (and the veth into the witness) alive.
    expect(existsSync(report.pinPath)).toBe(true);
    expect(await ipLinkNames(witness)).toContain(peerA);
    sweepStalePins();
    expect(existsSync(report.pinPath)).toBe(false);
    expect(netnsMounts()).not.toContain(report.pinPath);
    const unpinned = await pollUntil(
      async () => ({ witness: await ipLinkNames(witness), nsids: (await nsids()).length }),
      (s) => s.witness.length === 1 && s.nsids === 0,
      15_000,
    );
    expect(unpinned.value).toEqual({ witness: ['lo'], nsids: 0 });

    expect(hostDevices()).toEqual(hostBefore);
  },
);

describe('ns.events failing to start', () => {
  interface StartReport {
    error: string;
    socketsBefore: number;
    socketsAfterFailure: number;
    delivered: boolean;
    socketsAtEnd: number;
  }
  const run = async (mode: string, wrapper?: string[]): Promise<StartReport> => {
    const { child, report, exited } = await startFixture<StartReport>('events-start-failure.ts', [mode], { wrapper });
    // With nothing left watched the process exits by itself; a descriptor still watched keeps it running.
    const ended = await pollUntil(
      () => isRunning(child.pid!),
      (alive) => !alive,
      10_000,
    );
    child.kill('SIGKILL');
    await exited;
    expect(ended.met, 'the fixture exits once it has destroyed its namespace').toBe(true);
    return report;
  };

  test("EMFILE at the reactor's eventfd: the error reaches the caller, the notification socket is closed, and a later try works", async () => {
    const report = await run('emfile', ['prlimit', '--nofile=256:256', '--']);
    expect(report.error).toMatch(/eventfd failed: EMFILE/);
    expect(report.socketsAfterFailure).toBe(report.socketsBefore);
    expect(report.delivered).toBe(true);
    expect(report.socketsAtEnd).toBe(report.socketsBefore - 1);
  });

  test('poll.async() throwing: the error reaches the caller, nothing stays open, and the reactor is not wedged', async () => {
    const report = await run('poll-throws');
    expect(report.error).toMatch(/injected poll.async failure/);
    expect(report.socketsAfterFailure).toBe(report.socketsBefore);
    expect(report.delivered).toBe(true);
    expect(report.socketsAtEnd).toBe(report.socketsBefore - 1);
  });
});

test('a killed reaper is replaced at once by one that knows every live group: a later SIGKILL still takes what was forked', async () => {
  const { child, report, exited } = await startFixture<{ pid: number; reapers: number[]; forked: number[] }>(
    'reaper-respawn.ts',
  );
  try {
    expect(report.reapers).toHaveLength(1);
    expect(report.forked).toHaveLength(1);
    const [first] = report.reapers;
    process.kill(first!, 'SIGKILL');
    const replaced = await pollUntil(
      () => reapersOf(report.pid).filter((pid) => pid !== first && isRunning(pid)),
      (pids) => pids.length === 1,
    );
    expect(replaced.value).toHaveLength(1);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  // The forked sleep has no parent-death signal: only the new reaper can end it.
  const gone = await pollUntil(
    () => report.forked.filter(isRunning),
    (running) => running.length === 0,
  );
  expect(gone.value).toEqual([]);
});

test("the reaper is born in the home namespace, even when the first exec() is made inside another namespace's switch", async () => {
  const { child, report, exited } = await startFixture<{ home: string; outer: string; reapers: string[] }>(
    'reaper-namespace.ts',
  );
  child.kill('SIGKILL');
  await exited;
  expect(report.outer).not.toBe(report.home);
  // Born in a test namespace, the reaper would hold it for the rest of the process's life.
  expect(report.reapers).toEqual([report.home]);
});
