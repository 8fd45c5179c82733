// What /proc says about processes and namespaces, for checks that nothing outlived its owner.
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

/** Whether pid still runs (a zombie has released its descriptors and namespaces: it counts as gone). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The session pid belongs to (stat field 6), or undefined once it is gone. */
export function sessionOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
  } catch {
    return undefined;
  }
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

/** Mount points under /run/netns (pins) of this mount namespace. */
export function netnsMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined && p.startsWith('/run/netns/'));
}
