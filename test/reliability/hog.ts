// A CPU hog: one busy process per core, so a test run can be checked for failures that only a
// loaded machine brings out (a CI runner shared with other jobs). Each hog is bounded three ways:
// it ends by itself at its deadline, it dies with the harness (setpriv's parent-death signal,
// also when the harness is SIGKILLed, and its own check of its parent), and stop() kills it.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { NODE } from '../helpers/fixture.ts';
import { pollUntil } from '../helpers/poll.ts';
import { isRunning } from '../helpers/proc.ts';

export interface Hog {
  pids: number[];
  /** Kills every hog process and returns once none runs. */
  stop(): Promise<void>;
}

/**
 * The busy loop, checking its own deadline (a hog outlives a lost stop() by at most maxMs) and its
 * parent: setpriv's parent-death signal is armed only once setpriv runs, and a harness SIGKILLed
 * before that (a loaded machine once took that long) would leave the hog to its deadline. An
 * orphan is reparented, so a changed parent pid ends the loop whenever the parent died.
 */
const busy = (maxMs: number): string =>
  `const end = Date.now() + ${Math.round(maxMs)}; for (let i = 0; Date.now() < end; i++) if (i % 100000 === 0 && process.ppid !== ${process.pid}) break;`;

/** `unarmed`: no parent-death signal, as in the moment before setpriv sets it (for the test of the parent check). */
export function startHog(maxMs: number, processes = availableParallelism(), unarmed = false): Hog {
  const children = Array.from({ length: processes }, () =>
    unarmed
      ? spawn(NODE, ['-e', busy(maxMs)], { stdio: 'ignore' })
      : spawn('setpriv', ['--pdeathsig', 'KILL', '--', NODE, '-e', busy(maxMs)], { stdio: 'ignore' }),
  );
  const pids = children.map((c) => c.pid!);
  const kill = (): void => {
    for (const c of children) c.kill('SIGKILL');
  };
  // A harness that exits on its own (an uncaught error) takes its hogs along, before its parent-death signal would.
  process.once('exit', kill);
  return {
    pids,
    async stop(): Promise<void> {
      kill();
      process.removeListener('exit', kill);
      const gone = await pollUntil(
        () => pids.filter(isRunning),
        (left) => left.length === 0,
        10_000,
      );
      if (!gone.met) throw new Error(`CPU hog processes still running after SIGKILL: ${gone.value.join(', ')}`);
    },
  };
}
