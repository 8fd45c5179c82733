// The harness's mount-namespace keeper must start on a machine that has never pinned a namespace.
import { execFileSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { Keeper } from './runner.ts';

test('the keeper starts where /run/netns does not exist yet, as on a fresh machine', async () => {
  // A tmpfs over /run in the keeper's own mount namespace gives the fresh machine's state
  // without touching the host's /run.
  const keeper = await Keeper.start('mount -t tmpfs -o size=1m nslab-fresh-run /run && ');
  try {
    const mounts = execFileSync(
      'nsenter',
      [`--mount=/proc/${keeper.pid}/ns/mnt`, '--', 'findmnt', '-n', '-o', 'SOURCE', '/run/netns'],
      {
        encoding: 'utf8',
      },
    );
    // The last mount on /run/netns is the one in use; a harness run already has its own keeper's below it.
    expect(mounts.trim().split('\n').at(-1)).toBe('nslab-reliability');
  } finally {
    await keeper.stop();
  }
});
