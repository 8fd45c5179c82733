// Namespace switching, confined to one synchronous step on the main thread.
// setns() moves only the calling thread; Node's other threads (libuv's pool, koffi's async
// calls) stay where they are. So every switch here enters, runs one synchronous function
// (open a socket, open /dev/net/tun, spawn a child), and returns home before any other
// JavaScript can run. A function returning a promise is refused: its continuation would run
// later, in whatever namespace the thread is in by then.
import { fstatSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { sys, check } from '../sys/libc.ts';
import { CLONE_NEWNET, O_CLOEXEC, O_RDONLY } from '../sys/constants.ts';
import { NslabError } from '../errors.ts';

let homeFd: number | undefined;

function assertMainThread(): void {
  if (!isMainThread) {
    throw new NslabError(
      'nslab switches network namespaces with setns(), which must run on the main thread; ' +
        'run tests in processes (Vitest pool "forks"), not worker threads',
    );
  }
}

/** The namespace this process started in, held open so the thread can always go back. */
export function homeNetns(): number {
  assertMainThread();
  homeFd ??= check(sys.open('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC, 0), 'open', '/proc/thread-self/ns/net');
  return homeFd;
}

/** Identity of a namespace file (device and inode), comparable across descriptors. */
export function netnsId(fd: number): string {
  const st = fstatSync(fd);
  return `${st.dev}:${st.ino}`;
}

function goHome(home: number): void {
  if (sys.setns(home, CLONE_NEWNET) !== 0) {
    // The main thread would keep running in a test namespace: nothing after this is safe.
    process.stderr.write('nslab: setns() back to the home namespace failed; aborting\n');
    process.abort();
  }
}

function runSync<T>(fn: () => T): T {
  const result = fn();
  if (result instanceof Promise) {
    throw new NslabError('internal: a namespace switch ran an async function; switches must be synchronous');
  }
  return result;
}

/** Runs fn with the calling thread inside the namespace held by nsFd, then returns home. */
export function withNetns<T>(nsFd: number, fn: () => T): T {
  const home = homeNetns();
  check(sys.setns(nsFd, CLONE_NEWNET), 'setns', 'enter namespace');
  try {
    return runSync(fn);
  } finally {
    goHome(home);
  }
}

/**
 * Creates a namespace with unshare(), runs fn inside it with the new namespace's fd, and
 * returns home. The fd is what keeps the namespace alive: no name, no mount, so it cannot
 * outlive this process.
 */
export function withNewNetns<T>(fn: (nsFd: number) => T): T {
  const home = homeNetns();
  check(sys.unshare(CLONE_NEWNET), 'unshare', 'CLONE_NEWNET');
  try {
    const nsFd = check(sys.open('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC, 0), 'open', 'new namespace');
    try {
      return runSync(() => fn(nsFd));
    } catch (error) {
      sys.close(nsFd);
      throw error;
    }
  } finally {
    goHome(home);
  }
}
