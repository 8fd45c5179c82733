// Ending what ns.exec() started when its namespace is torn down, within one deadline. Killing
// the program's process group is not always enough: what escaped the group (setsid, a daemon
// that forks) keeps the namespace alive, and, while it holds the program's output pipes, keeps
// the program's result from ever settling. So what escaped is killed too, where nslab can tell
// it is its own; whatever still holds the pipes at the deadline is let go of and named.
import { performance } from 'node:perf_hooks';
import type { ResultPromise } from 'execa';
import { ProcessesSurvivedError } from '../errors.ts';
import { pollUntil } from '../sys/poll.ts';
import { commandOf, processesHolding, processesIn } from './occupants.ts';

/** How long a teardown waits, in all, for what it killed to be gone. */
export const STOP_TIMEOUT_MS = 5_000;
// Scanning /proc costs milliseconds: look again at this pace, not at a wait's 10 ms.
const RECHECK_MS = 50;

export interface Program {
  file: string;
  child: ResultPromise;
  /** SIGKILLs the program's process group. */
  killGroup: () => void;
  /** The processes outside the group that are the program's own, to kill as well. */
  strays: () => number[];
  /** The pipes of its stdin, stdout and stderr, as /proc shows them (see stdioPipes). */
  pipes: readonly string[];
}

function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

const remaining = (deadline: number): number => Math.max(0, deadline - performance.now());
const survivorsOf = (pids: readonly number[]) => pids.map((pid) => ({ pid, command: commandOf(pid) }));

/**
 * Kills program (its group at once, its strays from the second look on) until its result
 * settles or deadline (a performance.now() time) passes. Then lets go of its pipes and throws a
 * ProcessesSurvivedError naming what still holds them, explained by why.
 */
export async function stopProgram(program: Program, deadline: number, label: string, why: string): Promise<void> {
  let settled = false;
  const settling = program.child.then(
    () => (settled = true),
    () => (settled = true),
  );
  let looks = 0;
  const stopped = await pollUntil(
    () => {
      program.killGroup();
      // The first look spares the /proc scan: a program that is all one group has settled by the next.
      if (looks++ > 0) killAll(program.strays());
      return settled;
    },
    (done) => done,
    {
      timeout: remaining(deadline),
      recheckMs: RECHECK_MS,
      wake: (notify) => {
        void settling.then(notify);
        return () => undefined;
      },
    },
  );
  if (stopped.met) return;
  const holders = processesHolding(program.pipes);
  for (const stream of [program.child.stdin, program.child.stdout, program.child.stderr]) stream?.destroy();
  if (holders.length) {
    throw new ProcessesSurvivedError(
      label,
      survivorsOf(holders),
      `holding the output of ${program.file}, which nslab let go of. ${why}`,
    );
  }
}

/** Kills every process in the namespace fd refers to until none is left or deadline passes; names those left. */
export async function killOccupants(fd: number, deadline: number, label: string): Promise<void> {
  const left = await pollUntil(
    () => {
      const pids = processesIn(fd);
      killAll(pids);
      return pids;
    },
    (pids) => pids.length === 0,
    { timeout: remaining(deadline), recheckMs: RECHECK_MS },
  );
  if (!left.met) {
    const why = `not ended by SIGKILL within ${STOP_TIMEOUT_MS} ms (stuck in the kernel?); the namespace lives until they end`;
    throw new ProcessesSurvivedError(label, survivorsOf(left.value), why);
  }
}
