// Readiness notifications for raw file descriptors, which Node cannot watch itself (libuv
// refuses netlink sockets). One poll() runs at a time through koffi's async call on a libuv
// pool thread; an eventfd interrupts it when the watched set changes. poll() only waits: it
// opens nothing, so it is safe off the main thread, and all reading happens back on the main
// thread in the callbacks. With nothing watched no call is pending, so the process can exit.
// Nothing thrown in the callback escapes it: it would be fatal for the process and stop
// notifications for every namespace, so handlers' errors become warnings and polling goes on.
import { check, sys } from '../sys/libc.ts';
import { EFD_CLOEXEC, EFD_NONBLOCK, POLLIN, POLLNVAL } from '../sys/constants.ts';
import { warn } from './warning.ts';

type OnReadable = () => void;

const POLLFD_LEN = 8;
const watched = new Map<number, OnReadable>();
let wakeFd: number | undefined;
let polling = false;
const one = Buffer.alloc(8);
one.writeBigUInt64LE(1n);
const drain = Buffer.alloc(8);

function interrupt(): void {
  if (polling && wakeFd !== undefined) sys.write(wakeFd, one, 8);
}

/** Polls again; from the poll callback there is no caller to throw to. */
function restart(): void {
  try {
    loop();
  } catch (error) {
    warn('the notification reactor could not poll again, so no notifications arrive until the next watch()', error);
  }
}

/** handler: what watched fd when the poll started; fd may have been unwatched, closed and reused since. */
function dispatch(fd: number, revents: number, handler: OnReadable | undefined): void {
  if (revents & POLLNVAL) {
    // Unwatched since (a stream closed meanwhile), or its number reused: a stale report to ignore.
    if (watched.get(fd) !== handler) return;
    // Closed without unwatch(): poll() would report it at once, every time, and the reactor would spin.
    watched.delete(fd);
    warn(
      `descriptor ${fd} was closed while still watched, so it is watched no longer`,
      'POLLNVAL',
      'call unwatch() before closing it',
    );
    return;
  }
  try {
    watched.get(fd)?.();
  } catch (error) {
    warn(`the handler of descriptor ${fd} threw; it stays watched`, error, 'handlers must not throw');
  }
}

function loop(): void {
  if (polling || watched.size === 0) return;
  wakeFd ??= check(sys.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), 'eventfd');
  const fds = [wakeFd, ...watched.keys()];
  const handlers = fds.map((fd) => watched.get(fd));
  const pollfds = Buffer.alloc(fds.length * POLLFD_LEN);
  fds.forEach((fd, i) => {
    pollfds.writeInt32LE(fd, i * POLLFD_LEN);
    pollfds.writeInt16LE(POLLIN, i * POLLFD_LEN + 4);
  });
  polling = true;
  try {
    sys.poll.async(pollfds, fds.length, -1, (error: unknown) => {
      polling = false;
      try {
        if (error) warn('poll() of the watched descriptors failed; polling again', error);
        else {
          fds.forEach((fd, i) => {
            const revents = pollfds.readInt16LE(i * POLLFD_LEN + 6);
            if (revents === 0) return;
            if (fd === wakeFd) sys.read(fd, drain, 8);
            else dispatch(fd, revents, handlers[i]);
          });
        }
      } finally {
        restart();
      }
    });
  } catch (error) {
    // No call is pending, so the next watch() must be free to start one.
    polling = false;
    throw error;
  }
}

/**
 * Calls onReadable (on the main thread) each time fd has data, until unwatch(fd). Throws, with
 * fd not watched, when polling cannot start (no eventfd: EMFILE, say).
 */
export function watch(fd: number, onReadable: OnReadable): void {
  watched.set(fd, onReadable);
  if (polling) return interrupt();
  try {
    loop();
  } catch (error) {
    watched.delete(fd);
    throw error;
  }
}

/** Stops watching; call it before closing fd. */
export function unwatch(fd: number): void {
  if (watched.delete(fd)) interrupt();
}
