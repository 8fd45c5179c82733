// Optional names for namespaces, the way `ip netns add` makes them: a bind mount of the
// namespace file on /run/netns/NAME, so `ip netns exec NAME ...` can enter it while debugging.
// A mount outlives the process, so pin names carry the owner's pid and every start sweeps
// the pins whose owner is gone (the one leak a SIGKILL could otherwise cause).
import { closeSync, mkdirSync, openSync, readdirSync, unlinkSync } from 'node:fs';
import { check, sys } from '../sys/libc.ts';
import { MNT_DETACH, MS_BIND } from '../sys/constants.ts';

export const PIN_DIR = '/run/netns';
const PREFIX = 'nslab-';

export function pinName(label: string): string {
  // Labels of adopted namespaces default to their path ("adopted:/proc/PID/ns/net"): a file name needs no "/".
  return `${PREFIX}${process.pid}-${label.replace(/[^\w.-]/g, '_')}`;
}

export function pin(nsFd: number, name: string): string {
  const target = `${PIN_DIR}/${name}`;
  mkdirSync(PIN_DIR, { recursive: true });
  closeSync(openSync(target, 'wx'));
  try {
    check(sys.mount(`/proc/self/fd/${nsFd}`, target, null, MS_BIND, null), 'mount', `bind namespace on ${target}`);
  } catch (error) {
    unlinkSync(target);
    throw error;
  }
  return target;
}

export function unpin(target: string): void {
  sys.umount2(target, MNT_DETACH);
  try {
    unlinkSync(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes pins left by nslab processes that no longer exist; returns their paths. */
export function sweepStalePins(): string[] {
  let names: string[];
  try {
    names = readdirSync(PIN_DIR);
  } catch {
    return [];
  }
  const stale = names.filter((n) => {
    const pid = Number(/^nslab-(\d+)-/.exec(n)?.[1]);
    return pid > 0 && !alive(pid);
  });
  for (const n of stale) unpin(`${PIN_DIR}/${n}`);
  return stale.map((n) => `${PIN_DIR}/${n}`);
}
