// A tap holder's lifetime against its parent's calls: a holder that died, two calls at once,
// and a holder that finishes starting after its namespace was destroyed.
import koffi from 'koffi';
import { expect, test } from 'vitest';
import { createNetns } from '../../src/index.ts';

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
