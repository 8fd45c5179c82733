// Namespace switching, confined to one synchronous step on the main thread.
// setns() moves only the calling thread; Node's other threads (libuv's pool, koffi's async
// calls) stay where they are. So every switch here enters, runs one synchronous function
// (open a socket, open /dev/net/tun, spawn a child), and returns home before any other
// JavaScript can run. A function returning a promise is refused: its continuation would run
// later, in whatever namespace the thread is in by then. Switches nest (the library switches
// inside a caller's run() for tryBind, openTun, events, exec): each one returns to the
// namespace the thread was in when it entered, never straight home.
import { access, fstatSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { sys, check } from '../sys/libc.ts';
import { CLONE_NEWNET, O_CLOEXEC, O_RDONLY } from '../sys/constants.ts';
import { NslabError } from '../errors.ts';

let homeFd: number | undefined;
/** How many switches the main thread is inside; above 0 it is not in the home namespace. */
let depth = 0;

function assertMainThread(): void {
  if (!isMainThread) {
    throw new NslabError(
      'nslab switches network namespaces with setns(), which must run on the main thread; ' +
        'run tests in processes (Vitest pool "forks"), not worker threads',
    );
  }
}

/**
 * libuv starts its pool threads on the first piece of pool work, and a new thread starts in the
 * namespace of the thread that creates it. Queued inside a switch (an fs call in a caller's
 * run(), koffi's first async call), that first work would bear the whole pool in a test
 * namespace, pinning it and resolving DNS there. One fs call before the first switch starts the
 * pool at home.
 */
function startPoolAtHome(): void {
  access('/', () => undefined);
}

/** The namespace this process started in, held open so the thread can always go back. */
export function homeNetns(): number {
  assertMainThread();
  if (homeFd === undefined) {
    homeFd = check(sys.open('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC, 0), 'open', '/proc/thread-self/ns/net');
    startPoolAtHome();
  }
  return homeFd;
}

/** Identity of a namespace file (device and inode), comparable across descriptors. */
export function netnsId(fd: number): string {
  const st = fstatSync(fd);
  return `${st.dev}:${st.ino}`;
}

/**
 * The namespace to return to after a switch: home, held open; or, inside another switch, the
 * namespace the thread is in now, opened for this switch only (closed by leave()).
 */
function returnPoint(): number {
  if (depth === 0) return homeNetns();
  return check(
    sys.open('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC, 0),
    'open',
    'the current namespace (nested switch)',
  );
}

function leave(back: number): void {
  if (sys.setns(back, CLONE_NEWNET) !== 0) {
    // The main thread would keep running in a namespace it must not be in: nothing after this is safe.
    process.stderr.write('nslab: setns() back to the namespace the thread came from failed; aborting\n');
    process.abort();
  }
  if (back !== homeFd) sys.close(back);
}

function runSync<T>(fn: () => T): T {
  const result = fn();
  if (result instanceof Promise) {
    throw new NslabError('internal: a namespace switch ran an async function; switches must be synchronous');
  }
  return result;
}

/** Moves the thread with enter(), runs fn, and returns to where the thread was, even when fn throws. */
function switched<T>(enter: () => void, fn: () => T): T {
  const back = returnPoint();
  try {
    enter();
  } catch (error) {
    if (back !== homeFd) sys.close(back);
    throw error;
  }
  depth++;
  try {
    return runSync(fn);
  } finally {
    depth--;
    leave(back);
  }
}

/** Runs fn with the calling thread inside the namespace held by nsFd, then returns where it was. */
export function withNetns<T>(nsFd: number, fn: () => T): T {
  return switched(() => check(sys.setns(nsFd, CLONE_NEWNET), 'setns', 'enter namespace'), fn);
}

/**
 * Creates a namespace with unshare(), runs fn inside it with the new namespace's fd, and
 * returns where the thread was. The fd is what keeps the namespace alive: no name, no mount, so
 * it cannot outlive this process.
 */
export function withNewNetns<T>(fn: (nsFd: number) => T): T {
  return switched(
    () => check(sys.unshare(CLONE_NEWNET), 'unshare', 'CLONE_NEWNET'),
    () => {
      const nsFd = check(sys.open('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC, 0), 'open', 'new namespace');
      try {
        return runSync(() => fn(nsFd));
      } catch (error) {
        sys.close(nsFd);
        throw error;
      }
    },
  );
}
