// The harness's counters must be able to say "not zero": planted leftovers — a process of the
// runner's group holding a namespace, a pin whose owner died — are counted, and go to zero
// only when they are really gone.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pollUntil } from '../helpers/poll.ts';
import { census, GroupTracker, hostDevices, netnsInodesOf, HOST_NETNS } from './census.ts';
import { Keeper } from './runner.ts';
import { NODE } from '../helpers/fixture.ts';
import { fileURLToPath } from 'node:url';

let keeper: Keeper;
beforeAll(async () => {
  keeper = await Keeper.start();
});
afterAll(async () => {
  await keeper?.stop();
});

test('a process of the group that holds a namespace is counted, with the namespace, until it is killed', async () => {
  // A runner whose child lives in a namespace of its own (unshare --net execs it), as a holder or a program would.
  const run = keeper.spawn('sh', ['-c', 'unshare --net sleep 600 & echo started; wait']);
  await pollUntil(
    () => run.lines.length,
    (n) => n > 0,
    10_000,
  );
  const tracker = new GroupTracker(run.pid);
  const seen = await pollUntil(
    () => (tracker.sample(), tracker.inodes.size),
    (n) => n > 0,
    10_000,
  );
  expect(seen.met).toBe(true);
  const [inode] = [...tracker.inodes];
  expect(inode).not.toBe(HOST_NETNS);
  const scope = { tracker, mountNsPid: keeper.pid, hostDevicesBefore: hostDevices(), docker: false };
  // The runner alone dies; its child does not (nothing ties it to its parent).
  process.kill(run.pid, 'SIGKILL');
  await run.exited;
  const left = census(scope, true);
  const pids = left.processes.map((p) => Number(p.split(' ')[0]));
  try {
    // One process: unshare, which execs sleep once it is in its namespace; a loaded machine can
    // be sampled and killed in between, so either name is that process.
    expect(left.processes).toHaveLength(1);
    expect(left.processes[0]!.split(' ')[1]).toMatch(/^(unshare|sleep)$/);
    expect(left.namespaceRefs.length).toBeGreaterThan(0);
    expect(netnsInodesOf(pids[0]!)).toContain(inode);
  } finally {
    for (const pid of pids) process.kill(pid, 'SIGKILL');
  }
  const gone = await pollUntil(
    () => census(scope, true),
    (l) => l.processes.length === 0 && l.namespaceRefs.length === 0,
    10_000,
  );
  expect(gone.met).toBe(true);
  expect(gone.value.zombies).toBeGreaterThanOrEqual(0);
});

test('a pin whose owner was SIGKILLed is counted until the sweep removes it', async () => {
  const fixture = fileURLToPath(new URL('../integration/fixtures/pin-and-wait.ts', import.meta.url));
  const run = keeper.spawn(NODE, [fixture]);
  await pollUntil(
    () => run.lines.length,
    (n) => n > 0,
    20_000,
  );
  const { pinPath } = JSON.parse(run.lines[0]!) as { pinPath: string };
  const tracker = new GroupTracker(run.pid);
  const scope = { tracker, mountNsPid: keeper.pid, hostDevicesBefore: hostDevices(), docker: false };
  process.kill(-run.pid, 'SIGKILL');
  await run.exited;
  const before = census(scope, false);
  expect(before.pins.map((p) => p.path)).toEqual([pinPath]);
  // A live pin is a mount of the namespace: it has the namespace's inode.
  expect(before.pins[0]!.inode).toBeGreaterThan(0);
  const swept = await keeper.sweep(false);
  expect(swept.pins).toEqual([pinPath]);
  expect(census(scope, true).pins).toEqual([]);
});
