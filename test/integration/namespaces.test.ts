// Namespaces: created empty, never moving the caller, really freed on destroy, pinned and
// swept, adopted. Oracles: /proc (namespace inodes), iproute2 run inside, nsids seen from a
// witness namespace.
import { execFileSync } from 'node:child_process';
import { existsSync, fstatSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  adoptNetns,
  createNetns,
  InvalidArgumentError,
  NamespaceDestroyedError,
  NslabError,
  sweepStalePins,
  type AdoptTarget,
  type Netns,
} from '../../src/index.ts';
import { ipLinkNames, ipLinks, ipNetnsIds, viaIpNetnsExec } from '../helpers/oracle.ts';
import { pollUntil } from '../helpers/poll.ts';
import {
  childrenOf,
  heldNetnsDescriptors,
  isRunning,
  netnsMounts,
  netnsReferences,
  procStat,
} from '../helpers/proc.ts';
import { startFixture } from '../helpers/fixture.ts';

const inodeOf = (path: string): number => statSync(path).ino;
/** The namespace of every thread of this process (setns() moves only the calling thread). */
const threadNamespaces = (): number[] =>
  readdirSync('/proc/self/task').map((tid) => inodeOf(`/proc/self/task/${tid}/ns/net`));
/** The start of the pin names of process pid, as /proc tells its start time (field 22 of stat) and PID namespace. */
function ownerPrefix(pid: number, proc: number | 'self'): string {
  return `nslab-${pid}.${procStat(proc)!.startTime}.${inodeOf(`/proc/${proc}/ns/pid`)}`;
}
async function nsInodeFromInside(ns: Netns): Promise<number> {
  const { stdout } = await ns.exec('readlink', ['/proc/self/ns/net']);
  return Number(/^net:\[(\d+)\]$/.exec(String(stdout))![1]);
}

describe('createNetns', () => {
  test('a new namespace holds only its loopback device, down', async () => {
    await using ns = await createNetns();
    const links = await ipLinks(ns);
    expect(links.map((l) => l.ifname)).toEqual(['lo']);
    expect(links[0]!.flags).not.toContain('UP');
    expect(ns.owned).toBe(true);
    expect(ns.destroyed).toBe(false);
    expect((await ns.links()).map((s) => [s.name, s.kind, s.adminUp])).toEqual([['lo', 'loopback', false]]);
  });

  test('creating, entering, using and destroying a namespace never moves the calling process', async () => {
    const home = inodeOf('/proc/self/ns/net');
    const homeThread = inodeOf('/proc/thread-self/ns/net');
    expect(homeThread).toBe(home);
    const everywhereHome = (): void => {
      expect(inodeOf('/proc/self/ns/net')).toBe(home);
      expect(inodeOf('/proc/thread-self/ns/net')).toBe(home);
      expect(new Set(threadNamespaces())).toEqual(new Set([home]));
    };
    const ns = await createNetns();
    everywhereHome();
    const inside = ns.run(() => inodeOf('/proc/thread-self/ns/net'));
    everywhereHome();
    expect(inside).not.toBe(home);
    await ns.addBridge('br0');
    await ns.exec('true');
    void ns.events;
    everywhereHome();
    await ns.destroy();
    everywhereHome();
  });

  test('the namespace is its own: one inode, seen by run(), by programs run in it and by its descriptor', async () => {
    await using a = await createNetns();
    await using b = await createNetns();
    const inode = fstatSync(a.fd).ino;
    expect(inode).not.toBe(inodeOf('/proc/self/ns/net'));
    expect(fstatSync(b.fd).ino).not.toBe(inode);
    expect(a.run(() => inodeOf('/proc/thread-self/ns/net'))).toBe(inode);
    expect(await nsInodeFromInside(a)).toBe(inode);
    // A device made in one is not in the other (nor in the host's, which the global setup checks).
    await a.addBridge('only-in-a');
    expect(await ipLinkNames(a)).toEqual(['lo', 'only-in-a']);
    expect(await ipLinkNames(b)).toEqual(['lo']);
  });

  test('a switch inside a switch returns to the outer namespace, not the host: the rest of the outer run() stays inside', async () => {
    const home = inodeOf('/proc/self/ns/net');
    await using a = await createNetns();
    await using b = await createNetns();
    const inodeA = fstatSync(a.fd).ino;
    const inodeB = fstatSync(b.fd).ino;
    const here = (): number => inodeOf('/proc/thread-self/ns/net');
    const seen = a.run(() => {
      const first = here();
      // What the library itself does inside a caller's run(): tryBind, openTun, events (in another namespace too).
      a.tryBind('127.0.0.1');
      const afterTryBind = here();
      a.openTun().close();
      const afterOpenTun = here();
      void b.events;
      const afterEvents = here();
      const inB = b.run(() => here());
      return { first, afterTryBind, afterOpenTun, afterEvents, inB, last: here() };
    });
    expect(seen).toEqual({
      first: inodeA,
      afterTryBind: inodeA,
      afterOpenTun: inodeA,
      afterEvents: inodeA,
      inB: inodeB,
      last: inodeA,
    });
    expect(here()).toBe(home);
    // A failure inside the inner switch also returns to the outer namespace.
    const afterThrow = a.run(() => {
      expect(() =>
        b.run(() => {
          throw new Error('inner');
        }),
      ).toThrow('inner');
      return here();
    });
    expect(afterThrow).toBe(inodeA);
    expect(here()).toBe(home);
  });

  test("libuv's pool threads are never born in a namespace, even when a process queues its first pool work inside a switch", async () => {
    // A fresh process: this one's pool started long ago.
    const { report, exited } = await startFixture<{ home: number; inside: number; threads: number[] }>(
      'pool-in-switch.ts',
    );
    await exited;
    expect(report.inside).not.toBe(report.home);
    expect(report.threads.length).toBeGreaterThan(1);
    expect(new Set(report.threads)).toEqual(new Set([report.home]));
  });

  test('refuses a label that could not be part of a pin name', async () => {
    await expect(createNetns({ label: 'a/b' })).rejects.toThrow(NslabError);
    await expect(createNetns({ label: '' })).rejects.toThrow(/invalid namespace label/);
  });

  // Regression: the pattern test turned a number into text, so { label: 7 } passed, and pinning it then
  // failed with a TypeError from inside (label.replace is not a function).
  test('refuses a label that is not a string, before anything is created', async () => {
    const held = heldNetnsDescriptors();
    for (const label of [7, { toString: () => 'x' }, true]) {
      const error = await createNetns({ label: label as string, pin: true }).then(
        () => new Error('created'),
        (e: Error) => e,
      );
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error.message).toMatch(/^invalid namespace label .*: a label must be a string/);
    }
    expect(heldNetnsDescriptors()).toBe(held);
  });
});

describe('destroy', () => {
  test('is idempotent, shares one teardown, and every later use throws NamespaceDestroyedError', async () => {
    const ns = await createNetns();
    const br = await ns.addBridge('br0');
    const first = ns.destroy();
    expect(ns.destroy()).toBe(first);
    expect(ns.destroyed).toBe(true);
    await first;
    await ns.destroy();
    await expect(ns.link('lo')).rejects.toThrow(NamespaceDestroyedError);
    await expect(ns.addBridge('br1')).rejects.toThrow(NamespaceDestroyedError);
    await expect(ns.links()).rejects.toThrow(NamespaceDestroyedError);
    await expect(br.up()).rejects.toThrow(NamespaceDestroyedError);
    await expect(br.state()).rejects.toThrow(NamespaceDestroyedError);
    expect(() => ns.run(() => 1)).toThrow(NamespaceDestroyedError);
    expect(() => ns.exec('true')).toThrow(NamespaceDestroyedError);
    expect(() => ns.pin()).toThrow(NamespaceDestroyedError);
    expect(() => ns.events).toThrow(NamespaceDestroyedError);
    expect(() => ns.fd).toThrow(NamespaceDestroyedError);
    expect(() => ns.rtnl).toThrow(/destroyed/);
  });

  test('`await using` destroys the namespace at the end of the block', async () => {
    let kept: Netns | undefined;
    {
      await using ns = await createNetns();
      kept = ns;
      expect(kept.destroyed).toBe(false);
    }
    expect(kept.destroyed).toBe(true);
    await expect(kept.link('lo')).rejects.toThrow(NamespaceDestroyedError);
  });

  test('kills the programs still running in the namespace', async () => {
    const ns = await createNetns();
    const sleeper = ns.exec('sleep', ['30']);
    const pid = sleeper.pid!;
    await ns.destroy();
    const result = await sleeper.catch((e: unknown) => e as { signal?: string });
    expect(result.signal).toBe('SIGKILL');
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  });

  test('what a program leaves running in the background ends when it exits', async () => {
    await using ns = await createNetns();
    // The background sleep keeps the output pipe open: without its end the result would wait 30 s.
    const { stdout } = await ns.exec('sh', ['-c', 'sleep 30 & echo $!']);
    const forked = Number(stdout);
    expect(forked).toBeGreaterThan(0);
    const gone = await pollUntil(
      () => isRunning(forked),
      (alive) => !alive,
    );
    expect(gone.value).toBe(false);
  });

  test('destroy() ends what a running program forked too', async () => {
    const ns = await createNetns();
    const forker = ns.exec('sh', ['-c', 'sleep 30 & wait']);
    const children = await pollUntil(
      () => childrenOf(forker.pid!),
      (c) => c.length > 0,
    );
    expect(children.value).toHaveLength(1);
    const forked = children.value[0]!;
    expect(isRunning(forked)).toBe(true);
    await ns.destroy();
    await forker.catch(() => undefined);
    const gone = await pollUntil(
      () => isRunning(forked),
      (alive) => !alive,
    );
    expect(gone.value).toBe(false);
  });

  test('the kernel really frees the namespace: no process, descriptor or mount refers to it, and a peer namespace sees it go', async () => {
    await using witness = await createNetns({ label: 'witness' });
    const ns = await createNetns();
    // Everything that could hold a reference: a program, notifications, a tap descriptor, a veth whose peer is in the witness.
    const inode = await nsInodeFromInside(ns);
    await ns.addTap('tap0');
    void ns.events;
    const sleeper = ns.exec('sleep', ['30']);
    await ns.addVeth('v-gone', { peerName: 'v-witness', peerNs: witness });
    const nsids = () => ipNetnsIds(witness);
    expect(await nsids()).toHaveLength(1);
    expect(netnsReferences([inode]).length).toBeGreaterThan(0);

    await ns.destroy();
    await sleeper.catch(() => undefined);
    // cleanup_net runs asynchronously (a workqueue after an RCU grace period).
    const gone = await pollUntil(
      async () => ({ refs: netnsReferences([inode]), nsids: await nsids(), links: await ipLinkNames(witness) }),
      (s) => s.refs.length === 0 && s.nsids.length === 0 && !s.links.includes('v-witness'),
      15_000,
    );
    expect(gone.value).toEqual({ refs: [], nsids: [], links: ['lo'] });
    expect(gone.met).toBe(true);
  });
});

describe('pins', () => {
  test('pin: true mounts it at /run/netns/nslab-<pid>.<start>.<pidns>-<label>, for `ip netns exec`; destroy removes it', async () => {
    const ns = await createNetns({ label: 'pinned', pin: true });
    const name = `${ownerPrefix(process.pid, 'self')}-pinned`;
    expect(ns.pinPath).toBe(`/run/netns/${name}`);
    expect(existsSync(ns.pinPath!)).toBe(true);
    expect(netnsMounts()).toContain(ns.pinPath);
    expect(statSync(ns.pinPath!).ino).toBe(fstatSync(ns.fd).ino);
    await ns.addBridge('br-pinned');
    expect(await ipLinkNames(viaIpNetnsExec(ns, name))).toEqual(['br-pinned', 'lo']);
    const pinPath = ns.pinPath!;
    await ns.destroy();
    expect(existsSync(pinPath)).toBe(false);
    expect(netnsMounts()).not.toContain(pinPath);
    expect(ns.pinPath).toBeUndefined();
  });

  test('pin() on demand returns the same path twice', async () => {
    await using ns = await createNetns({ label: 'late-pin' });
    expect(ns.pinPath).toBeUndefined();
    const path = ns.pin();
    expect(ns.pin()).toBe(path);
    expect(existsSync(path)).toBe(true);
  });

  test('sweepStalePins removes the pin of an nslab process that was SIGKILLed', async () => {
    const { child, report, exited } = await startFixture<{ pid: number; pinPath: string }>('pin-and-wait.ts');
    expect(report.pinPath).toBe(`/run/netns/${ownerPrefix(report.pid, report.pid)}-stale`);
    child.kill('SIGKILL');
    await exited;
    // The mount outlives its owner: the namespace and its bridge are still reachable by name.
    const name = report.pinPath.slice('/run/netns/'.length);
    await using probe = await createNetns();
    const stale = await ipLinkNames(viaIpNetnsExec(probe, name)).catch(() => undefined);
    const staleSeen = stale !== undefined;
    if (staleSeen) expect(stale).toContain('br-stale');
    const swept = sweepStalePins();
    // Only a sweep removes a dead process's pin; the other worker's sweep may have got here first.
    if (staleSeen) expect(swept.length === 0 || swept.includes(report.pinPath)).toBe(true);
    expect(existsSync(report.pinPath)).toBe(false);
    expect(netnsMounts()).not.toContain(report.pinPath);
    // Our own live pins are not stale.
    await using mine = await createNetns({ label: 'alive', pin: true });
    expect(sweepStalePins()).not.toContain(mine.pinPath);
    expect(existsSync(mine.pinPath!)).toBe(true);
  });

  // Regression: the sweep judged a pin by its bare pid, so a sweeper in another PID namespace unmounted
  // live pins, a reused pid kept a stale one for ever, and umount2() followed a planted symlink.
  test("a sweep judges a pin by its owner's pid and start time, only in its own PID namespace, and never follows a symlink", async () => {
    type Report = {
      pins: Record<string, string>;
      link: string;
      foreign: string[];
      afterForeign: Record<string, boolean>;
      swept: string[];
      afterOwn: { left: Record<string, boolean>; victimMounted: boolean; link: boolean };
      initialPidns: boolean;
    };
    const privateMounts = ['unshare', '--mount', '--propagation', 'private', '--'];
    const { report: r, exited } = await startFixture<Report>('pin-sweeps.ts', [], { wrapper: privateMounts });
    await exited;
    const everyPin = { live: true, reusedPid: true, deadPid: true, otherPidns: true, oldDead: true, oldLive: true };
    // The sweeper in another PID namespace cannot judge any of these pids: it leaves everything.
    expect(r.foreign).toEqual([]);
    expect(r.afterForeign).toEqual(everyPin);
    // This PID namespace's sweep: a pid that runs with another start time, or no longer runs, is stale;
    // a pin of another PID namespace is left to a sweeper there; an old-format name is judged by its pid,
    // but only from the initial PID namespace (old versions pinned from the host; in a container the
    // run is elsewhere); a symlink planted under a stale name is removed, and what it points at stays mounted.
    const oldJudged = r.initialPidns;
    expect(r.afterOwn).toEqual({
      left: { live: true, reusedPid: false, deadPid: false, otherPidns: true, oldDead: !oldJudged, oldLive: true },
      victimMounted: true,
      link: false,
    });
    const stale = [r.pins.reusedPid, r.pins.deadPid, r.link];
    if (oldJudged) stale.push(r.pins.oldDead);
    expect([...r.swept].sort()).toEqual(stale.sort());
  });
});

describe('adoptNetns', () => {
  test('by path: a handle on a pinned namespace sees its devices; destroy removes only what it created, the namespace stays', async () => {
    await using owner = await createNetns({ label: 'to-adopt', pin: true });
    const br = await owner.addBridge('br-owner');
    const adopted = await adoptNetns({ path: owner.pinPath! }, 'adopted');
    expect(adopted.owned).toBe(false);
    expect(adopted.label).toBe('adopted');
    expect(fstatSync(adopted.fd).ino).toBe(fstatSync(owner.fd).ino);
    expect((await adopted.link('br-owner')).index).toBe(br.index);
    await adopted.addBridge('br-adopted');
    await adopted.addVeth('va', { peerName: 'vb' });
    expect(await ipLinkNames(owner)).toEqual(['br-adopted', 'br-owner', 'lo', 'va', 'vb']);
    await adopted.destroy();
    expect(await ipLinkNames(owner)).toEqual(['br-owner', 'lo']);
  });

  test('by pid: the namespace of a process started inside', async () => {
    await using ns = await createNetns();
    await ns.addBridge('br-pid');
    const sleeper = ns.exec('sleep', ['30']);
    await using adopted = await adoptNetns({ pid: sleeper.pid! });
    expect((await adopted.links()).map((l) => l.name)).toEqual(['lo', 'br-pid']);
    expect(await ipLinkNames(adopted)).toEqual(['br-pid', 'lo']);
    expect(adopted.label).toBe(`adopted:/proc/${sleeper.pid}/ns/net`);
  });

  test('refuses the namespace this process runs in', async () => {
    await expect(adoptNetns({ pid: process.pid })).rejects.toThrow(/the namespace this process runs in/);
    await expect(adoptNetns({ path: '/proc/self/ns/net' })).rejects.toThrow(NslabError);
    // pid 1 may be out of reach (EACCES across a sandbox boundary); then only our own pid is checked.
    const init = (() => {
      try {
        return inodeOf('/proc/1/ns/net');
      } catch {
        return undefined;
      }
    })();
    if (init === inodeOf('/proc/self/ns/net')) {
      await expect(adoptNetns({ pid: 1 })).rejects.toThrow(/the namespace this process runs in/);
    }
  });

  test('a process or path that does not exist is an NslabError saying what to check', async () => {
    await expect(adoptNetns({ path: '/run/netns/nslab-does-not-exist' })).rejects.toThrow(
      /cannot open the namespace .* \(ENOENT\)/,
    );
    // Sure not to exist: above the kernel's pid_max ceiling (2^22).
    await expect(adoptNetns({ pid: 2 ** 22 + 1 })).rejects.toThrow(/is the process still running/);
  });

  // Regression: open() of a FIFO waits for a writer, on the main thread, for ever. The attempt runs in a
  // child process under a deadline, so that a hang shows up as a failure instead of a hung run.
  test('a FIFO is refused at once, without blocking the process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nslab-fifo-'));
    try {
      const fifo = join(dir, 'not-a-namespace');
      execFileSync('mkfifo', [fifo]);
      const { report, exited } = await startFixture<{ name: string; message: string }>('adopt-path.ts', [fifo]);
      await exited;
      expect(report.name).toBe('InvalidArgumentError');
      expect(report.message).toBe(
        `${fifo} is a FIFO, not a network namespace: pass /proc/PID/ns/net or a pin under /run/netns`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a namespace of another type, a regular file and a directory are refused, naming what they are', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nslab-adopt-'));
    try {
      const file = join(dir, 'file');
      writeFileSync(file, '');
      const held = heldNetnsDescriptors();
      for (const [path, what] of [
        ['/proc/self/ns/uts', 'a uts namespace'],
        ['/proc/self/ns/mnt', 'a mnt namespace'],
        [file, 'a regular file'],
        [dir, 'a directory'],
      ]) {
        const error = await adoptNetns({ path: path! }).then(
          () => new Error('adopted'),
          (e: Error) => e,
        );
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect(error.message).toBe(
          `${path} is ${what}, not a network namespace: pass /proc/PID/ns/net or a pin under /run/netns`,
        );
      }
      expect(heldNetnsDescriptors()).toBe(held);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a target that is not a pid or a path is refused before anything is opened', async () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ pid: Number.NaN }, /^adoptNetns: pid must be a process id \(an integer from 1\), received NaN/],
      [{ pid: 1.5 }, /^adoptNetns: pid must be a process id \(an integer from 1\), received 1\.5/],
      [{ pid: 0 }, /received 0/],
      [{ pid: -1 }, /received -1/],
      [{ pid: '1' }, /received "1"/],
      [{ path: '' }, /^adoptNetns: path must be a non-empty string without NUL bytes, received ""/],
      [
        { path: '/proc/self/ns/net\0x' },
        /^adoptNetns: path must be a non-empty string without NUL bytes, received ".*\\u0000x"/,
      ],
      [{}, /^adoptNetns: pass \{ pid \} or \{ path \}, received \{\}/],
      [null, /^adoptNetns: pass \{ pid \} or \{ path \}, received null/],
    ];
    const numbered = adoptNetns({ path: '/proc/self/ns/net' }, 7 as unknown as string);
    await expect(numbered).rejects.toThrow(/^adoptNetns: a label must be a string, received 7/);
    for (const [target, words] of bad) {
      const error = await adoptNetns(target as AdoptTarget).then(
        () => new Error('adopted'),
        (e: Error) => e,
      );
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error.message).toMatch(words);
    }
  });

  // Regression: an adopted namespace's default label, "adopted:/proc/PID/ns/net", goes into the pin name,
  // and its "/" makes the pin path a directory that does not exist (raw ENOENT from openSync).
  test('an adopted namespace with the default label can be pinned', async () => {
    await using ns = await createNetns();
    const sleeper = ns.exec('sleep', ['30']);
    await using adopted = await adoptNetns({ pid: sleeper.pid! });
    expect(existsSync(adopted.pin())).toBe(true);
  });
});

describe('what a namespace handle lets users change', () => {
  test('the cleanup stack takes undos but only destroy() runs them, and pinPath is read-only', async () => {
    await using ns = await createNetns({ label: 'surface' });
    const ran: string[] = [];
    ns.cleanup.defer('note', () => void ran.push('undo'));
    expect(Object.keys(ns.cleanup)).toEqual(['defer']);
    expect(() => {
      (ns as unknown as { pinPath: string }).pinPath = '/run/netns/elsewhere';
    }).toThrow(TypeError);
    expect(ns.pinPath).toBeUndefined();
    await ns.destroy();
    expect(ran).toEqual(['undo']);
  });
});
