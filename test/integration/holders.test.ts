// A tap holder's lifetime against its parent's calls: a holder that died, two calls at once,
// and a holder that finishes starting after its namespace was destroyed.
import koffi from 'koffi';
import { expect, test, vi } from 'vitest';
import { adoptNetns, createNetns, NamespaceDestroyedError, TapHolder } from '../../src/index.ts';
import { ipLinkNames } from '../helpers/oracle.ts';
import { pollUntil } from '../helpers/poll.ts';
import { isRunning } from '../helpers/proc.ts';

// waitid(P_PID, pid, WEXITED | WNOWAIT): blocks until the child has died, without reaping it,
// so Node has not yet seen it exit when the next line runs.
const waitid = koffi.load('libc.so.6').func('int waitid(int idtype, int id, void *infop, int options)');
const waitDeadWithoutReaping = (pid: number): void => {
  if (waitid(1, pid, Buffer.alloc(128), 4 | 0x01000000) !== 0) throw new Error(`waitid(${pid}) failed`);
};

test('closeFd() on a holder that just died rejects saying so, instead of crashing the process with EPIPE', async () => {
  await using ns = await createNetns();
  const { holder } = await ns.addTap('tap0', { owner: 'holder' });
  // Killed behind nslab's back, as a crashing VM would be: its stdin has no reader any more.
  process.kill(holder!.pid, 'SIGKILL');
  waitDeadWithoutReaping(holder!.pid);
  expect(holder!.alive).toBe(true);
  await expect(holder!.closeFd()).rejects.toThrow(`tap holder ${holder!.pid} ended before answering "closed"`);
  expect(await holder!.exited).toEqual({ code: null, signal: 'SIGKILL' });
});

test('two closeFd() calls at once both resolve, each on its own answer', async () => {
  await using ns = await createNetns();
  const { holder } = await ns.addTap('tap0', { owner: 'holder' });
  const first = holder!.closeFd();
  const second = holder!.closeFd();
  await second;
  // Once the holder is gone, a call still waiting can only reject: the first must have resolved by now.
  await holder!.exit();
  await expect(first).resolves.toBeUndefined();
});

test('a holder that finishes starting after its namespace was destroyed is killed, and addTap() says why', async () => {
  const ns = await createNetns();
  const started: TapHolder[] = [];
  const original = TapHolder.start.bind(TapHolder);
  const start = vi.spyOn(TapHolder, 'start').mockImplementationOnce(async (...args) => {
    const holder = await original(...args);
    started.push(holder);
    return holder;
  });
  try {
    // Caught at once: destroy() waits for the start, so addTap() fails before destroy() returns.
    const adding = ns.addTap('tap0', { owner: 'holder' }).catch((error: unknown) => error);
    await ns.destroy();
    expect(await adding).toBeInstanceOf(NamespaceDestroyedError);
  } finally {
    start.mockRestore();
  }
  expect(started).toHaveLength(1);
  const gone = await pollUntil(
    () => isRunning(started[0]!.pid),
    (alive) => !alive,
  );
  expect(gone.value).toBe(false);
});

test('in an adopted namespace, destroy() during a holder start also deletes the new tap: the namespace outlives the handle', async () => {
  await using owner = await createNetns();
  const adopted = await adoptNetns({ path: `/proc/${process.pid}/fd/${owner.fd}` });
  const adding = adopted.addTap('tap0', { owner: 'holder' }).catch((error: unknown) => error);
  await adopted.destroy();
  expect(await adding).toBeInstanceOf(NamespaceDestroyedError);
  expect(await ipLinkNames(owner)).toEqual(['lo']);
});
