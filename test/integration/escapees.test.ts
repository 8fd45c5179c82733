// What a program run with ns.exec() leaves behind outside its process group (setsid, a daemon
// that forks): destroy() must still end in bounded time, close the namespace, kill what it can
// prove is nslab's, and name what it could not kill.
import { spawn } from 'node:child_process';
import { fstatSync } from 'node:fs';
import { basename } from 'node:path';
import { expect, test } from 'vitest';
import { adoptNetns, createNetns, ProcessesSurvivedError, type Netns } from '../../src/index.ts';
import { ipLinkNames } from '../helpers/oracle.ts';
import { pollUntil } from '../helpers/poll.ts';
import { isRunning, netnsReferences, procStat } from '../helpers/proc.ts';

/**
 * Runs `sh -c "<background> & echo $!; exec sleep 600"` in ns and resolves, with the pid of the
 * background command and the program, once that command has left the program's session (so it
 * cannot have been caught by the group kill of a program that exited first).
 */
async function escapee(ns: Netns, background: string): Promise<{ pid: number; program: ReturnType<Netns['exec']> }> {
  const program = ns.exec('sh', ['-c', `${background} & echo $!; exec sleep 600`]);
  const pid = await new Promise<number>((resolve, reject) => {
    program.stdout!.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
    program.catch(reject);
  });
  const escaped = await pollUntil(
    () => procStat(pid)?.session,
    (sid) => sid === pid,
  );
  expect(escaped.value).toBe(pid);
  return { pid, program };
}

/**
 * What still refers to the namespace with this inode from this process or from the escapee's
 * session (a namespace freed meanwhile may lend its inode number to another test's namespace).
 */
const heldBy = (inode: number, session: number): string[] =>
  netnsReferences([inode]).filter((path) => {
    const pid = Number(/^\/proc\/(\d+)\//.exec(path)![1]);
    return pid === process.pid || procStat(pid)?.session === session;
  });

/** Waits for the escapee to be gone and the namespace freed (cleanup_net runs asynchronously). */
const freed = (inode: number, pid: number) =>
  pollUntil(
    () => ({ running: isRunning(pid), refs: heldBy(inode, pid) }),
    (s) => !s.running && s.refs.length === 0,
    15_000,
  );

/** Kills pid if a failed test left it running (it escaped every group nslab knows). */
const cleanUp = (pid: number): void => {
  if (isRunning(pid)) process.kill(pid, 'SIGKILL');
};

test.each([
  { what: 'a setsid child holding the output pipes', background: 'setsid sleep 600' },
  { what: 'a setsid daemon that forks, holding the pipes', background: "setsid sh -c 'sleep 600 & wait'" },
])('an owned namespace: $what is killed, destroy() ends and the kernel frees the namespace', async ({ background }) => {
  const ns = await createNetns();
  const inode = fstatSync(ns.fd).ino;
  const { pid, program } = await escapee(ns, background);
  try {
    await ns.destroy();
    await program.catch(() => undefined);
    expect((await freed(inode, pid)).value).toEqual({ running: false, refs: [] });
  } finally {
    cleanUp(pid);
  }
});

test('an owned namespace: a setsid child that let go of the pipes, of a program that has ended, is killed by destroy() too', async () => {
  const ns = await createNetns();
  const inode = fstatSync(ns.fd).ino;
  const { pid, program } = await escapee(ns, 'setsid sleep 600 </dev/null >/dev/null 2>&1');
  try {
    // The program ends (its group with it); what it left holds nothing nslab waits on.
    process.kill(program.pid!, 'SIGTERM');
    await expect(program).rejects.toMatchObject({ signal: 'SIGTERM' });
    expect(isRunning(pid)).toBe(true);
    await ns.destroy();
    expect((await freed(inode, pid)).value).toEqual({ running: false, refs: [] });
  } finally {
    cleanUp(pid);
  }
});

test('an adopted namespace: an escapee of what nslab ran is killed; the namespace and its other processes stay', async () => {
  await using owner = await createNetns();
  await owner.addBridge('kept0');
  const bystander = owner.exec('sleep', ['600']);
  const adopted = await adoptNetns({ pid: bystander.pid! });
  const { pid, program } = await escapee(adopted, 'setsid sleep 600');
  try {
    await adopted.destroy();
    await program.catch(() => undefined);
    const gone = await pollUntil(
      () => isRunning(pid),
      (running) => !running,
    );
    expect(gone.value).toBe(false);
    expect(isRunning(bystander.pid!)).toBe(true);
    expect(await ipLinkNames(owner)).toEqual(['kept0', 'lo']);
  } finally {
    cleanUp(pid);
  }
});

test('an adopted namespace: an escapee nslab cannot prove is its own (no mark in its environment) is named, not killed', async () => {
  await using owner = await createNetns();
  const adopted = await adoptNetns({ path: `/proc/${process.pid}/fd/${owner.fd}` });
  const { pid, program } = await escapee(adopted, 'env -i setsid sleep 600');
  try {
    const error = await adopted.destroy().catch((e: unknown) => e);
    expect(adopted.destroyed).toBe(true);
    expect(() => adopted.fd).toThrow(/destroyed/);
    // The program's result settles: its pipes were let go.
    await program.catch(() => undefined);
    expect(error).toMatchObject({ message: 'cleanup "stop sh" failed' });
    const survived = (error as Error).cause;
    expect(survived).toBeInstanceOf(ProcessesSurvivedError);
    expect((survived as ProcessesSurvivedError).survivors).toEqual([{ pid, command: 'sleep 600' }]);
    expect((survived as Error).message).toContain(
      `destroy() left pid ${pid} (sleep 600) running, holding the output of sh`,
    );
    expect((survived as Error).message).toContain('kill these yourself');
    expect(isRunning(pid)).toBe(true);
  } finally {
    cleanUp(pid);
  }
});

test('a pinned namespace: a process someone started in it through the pin (ip netns exec) is killed by destroy() too', async () => {
  const ns = await createNetns({ label: 'pinned-esc', pin: true });
  const inode = fstatSync(ns.fd).ino;
  // Not through nslab at all, the way someone debugging would, in a session of its own.
  const debug = spawn('ip', ['netns', 'exec', basename(ns.pinPath!), 'sleep', '600'], {
    detached: true,
    stdio: 'ignore',
  });
  const pid = debug.pid!;
  try {
    const inside = await pollUntil(
      () => heldBy(inode, pid),
      (refs) => refs.some((path) => path.startsWith(`/proc/${pid}/`)),
    );
    expect(inside.met).toBe(true);
    await ns.destroy();
    expect((await freed(inode, pid)).value).toEqual({ running: false, refs: [] });
  } finally {
    cleanUp(pid);
  }
});
