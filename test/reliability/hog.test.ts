// The CPU hog of the whole-run flake runs must end with the harness, however the harness ends.
import { expect, test } from 'vitest';
import { startFixture } from '../helpers/fixture.ts';
import { pollUntil } from '../helpers/poll.ts';
import { isRunning } from '../helpers/proc.ts';
import { startHog } from './hog.ts';

test('stop() ends every hog process', async () => {
  const hog = startHog(60_000, 2);
  expect(hog.pids.filter(isRunning)).toHaveLength(2);
  await hog.stop();
  expect(hog.pids.filter(isRunning)).toEqual([]);
});

test.for([
  ['parent-death signal', []],
  ["the hog's own check of its parent, before setpriv arms the signal", ['unarmed']],
] as const)('a SIGKILLed harness takes its hog along (%s)', async ([, args]) => {
  const owner = await startFixture<{ pids: number[] }>('hog-owner.ts', [...args]);
  const { pids } = owner.report;
  expect(pids.filter(isRunning)).toEqual(pids);
  owner.child.kill('SIGKILL');
  await owner.exited;
  const gone = await pollUntil(
    () => pids.filter(isRunning),
    (left) => left.length === 0,
  );
  expect(gone.value).toEqual([]);
});
