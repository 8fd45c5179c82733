// What /proc says about processes and namespaces, for checks that nothing outlived its owner.
// The tests' one reader of /proc/PID/stat; it is theirs, independent of src/sys/proc.ts, whose
// reading of start times the tests check.
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

/** The inode of the namespace a descriptor of process pid refers to ("net:[4026532177]"). */
export function nsInodeOfFd(pid: number, fd: number): number {
  const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
  if (!m) throw new Error(`/proc/${pid}/fd/${fd} is not a network namespace`);
  return Number(m[1]);
}

/** How many descriptors of this process refer to a network namespace. */
export function heldNetnsDescriptors(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('net:');
    } catch {
      return false;
    }
  }).length;
}

/** The fields of /proc/PID/stat the tests look at (proc(5) numbers them from 1). */
export interface ProcStat {
  /** Field 1. */
  pid: number;
  /** Field 2, without its parentheses. */
  comm: string;
  /** Field 3: R, S, D, Z (zombie), X (dead), ... */
  state: string;
  /** Field 4. */
  ppid: number;
  /** Field 5: the process group. */
  pgid: number;
  /** Field 6. */
  session: number;
  /** Field 22, in clock ticks since boot. */
  startTime: string;
}

/** /proc/PID/stat, or undefined when there is no such process (a zombie still has one). */
export function procStat(pid: number | 'self'): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: the fields after it count from the last ')'.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return {
    pid: Number(stat.slice(0, stat.indexOf(' '))),
    comm: stat.slice(stat.indexOf('(') + 1, close),
    state: fields[0]!,
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    session: Number(fields[3]),
    startTime: fields[19]!,
  };
}

/** Whether pid still runs (a zombie has released its descriptors and namespaces: it counts as gone). */
export function isRunning(pid: number): boolean {
  const state = procStat(pid)?.state;
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** The children of pid (its main thread's, which is where a single-threaded program forks from). */
export function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
}

const entries = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/**
 * Every place in /proc that keeps one of these network namespaces alive: a task's namespace
 * (/proc/PID/task/TID/ns/net) or an open descriptor (/proc/PID/fd/N). Mounts (pins) are checked
 * separately, through mountinfo.
 */
export function netnsReferences(inodes: Iterable<number>): string[] {
  const wanted = new Set(inodes);
  const found: string[] = [];
  for (const pid of entries('/proc').filter((n) => /^\d+$/.test(n))) {
    for (const tid of entries(`/proc/${pid}/task`)) {
      try {
        if (wanted.has(statSync(`/proc/${pid}/task/${tid}/ns/net`).ino)) found.push(`/proc/${pid}/task/${tid}/ns/net`);
      } catch {
        // The task ended while we looked.
      }
    }
    for (const fd of entries(`/proc/${pid}/fd`)) {
      try {
        const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && wanted.has(Number(m[1]))) found.push(`/proc/${pid}/fd/${fd}`);
      } catch {
        // Closed while we looked.
      }
    }
  }
  return found;
}

/** The mounts of pid's mount namespace (mountinfo's mount point and per-mount options). */
export function mountsOf(pid: number | 'self' = 'self'): Array<{ mountPoint: string; options: string[] }> {
  return readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [, , , , mountPoint = '', options = ''] = line.split(' ');
      return { mountPoint, options: options.split(',') };
    });
}

/** Mount points under /run/netns (pins) of pid's mount namespace. */
export function netnsMounts(pid: number | 'self' = 'self'): string[] {
  return mountsOf(pid)
    .map((m) => m.mountPoint)
    .filter((p) => p.startsWith('/run/netns/'));
}

/**
 * Why this process cannot write any sysctl, or undefined where it can: the mount that
 * /proc/sys/net lies on (the deepest mount point above it, the last one mounted there) is
 * read-only in this mount namespace, as Docker mounts /proc/sys in a container. The kernel
 * refuses such a write with EROFS in every network namespace.
 */
export function procSysReadOnly(): string | undefined {
  const above = mountsOf().filter((m) => m.mountPoint === '/' || `/proc/sys/net/`.startsWith(`${m.mountPoint}/`));
  const mount = above.reduce((deepest, m) => (m.mountPoint.length >= deepest.mountPoint.length ? m : deepest));
  if (!mount.options.includes('ro')) return undefined;
  return `${mount.mountPoint} is mounted read-only in this mount namespace (as Docker does in a container), so no sysctl can be written`;
}

/** Skips the running test, saying why, where no sysctl can be written (see procSysReadOnly). */
export function skipUnlessSysctlsWritable(ctx: { skip: (condition: boolean, note?: string) => void }): void {
  const reason = procSysReadOnly();
  ctx.skip(reason !== undefined, reason);
}
