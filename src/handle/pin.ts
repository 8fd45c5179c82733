// Optional names for namespaces, the way `ip netns add` makes them: a bind mount of the
// namespace file on /run/netns/NAME, so `ip netns exec NAME ...` can enter it while debugging.
// A mount outlives the process, so every start sweeps the pins whose owner is gone (the one leak
// a SIGKILL could otherwise cause). A pid alone cannot tell: it can be reused, and it means
// nothing in another PID namespace (a container sharing /run/netns). So a pin's name carries its
// owner's pid, start time and PID namespace: nslab-<pid>.<start>.<pidns inode>-<label>.
import { closeSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { check, sys } from '../sys/libc.ts';
import { MNT_DETACH, MS_BIND, UMOUNT_NOFOLLOW } from '../sys/constants.ts';
import { processStartTime } from '../sys/proc.ts';

export const PIN_DIR = '/run/netns';
const PREFIX = 'nslab-';
const PIN = /^nslab-(\d+)\.(\d+)\.(\d+)-/;
/** The name nslab gave pins before it recorded start time and PID namespace. */
const OLD_PIN = /^nslab-(\d+)-/;
// The initial PID namespace's inode is fixed (PROC_PID_INIT_INO in include/linux/proc_ns.h).
const INITIAL_PIDNS = 0xeffffffc;

const pidNamespace = (): number => statSync('/proc/self/ns/pid').ino;

export function pinName(label: string): string {
  // Labels of adopted namespaces default to their path ("adopted:/proc/PID/ns/net"): a file name needs no "/".
  return `${PREFIX}${process.pid}.${processStartTime('self')}.${pidNamespace()}-${label.replace(/[^\w.-]/g, '_')}`;
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
  // NOFOLLOW: a symlink planted under a pin's name must not make this unmount what it points at.
  sys.umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW);
  try {
    unlinkSync(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Whether the pin called name belongs to a process that is gone. Only pins of the sweeper's own
 * PID namespace are judged: elsewhere the pid names another process, or none, and the pin is
 * left to a sweeper there. Old-format names carry only a pid; the nslab versions that made them
 * ran, nearly always, on the host, so only a sweeper in the initial PID namespace judges them,
 * by pid alone (the one thing they record).
 */
function isStale(name: string, pidns: number): boolean {
  const m = PIN.exec(name);
  if (m) return Number(m[3]) === pidns && processStartTime(Number(m[1])) !== m[2];
  const old = OLD_PIN.exec(name);
  return old !== null && pidns === INITIAL_PIDNS && processStartTime(Number(old[1])) === undefined;
}

/** Removes pins left by nslab processes that no longer exist; returns their paths. */
export function sweepStalePins(): string[] {
  let names: string[];
  try {
    names = readdirSync(PIN_DIR);
  } catch {
    return [];
  }
  const pidns = pidNamespace();
  const stale = names.filter((n) => isStale(n, pidns)).map((n) => `${PIN_DIR}/${n}`);
  for (const path of stale) unpin(path);
  return stale;
}
