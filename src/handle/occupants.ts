// The processes in a network namespace, read from /proc: which tasks' network namespace is the
// one a descriptor holds (same device and inode), which of them carry the mark of a program
// nslab ran, which hold a given pipe, and what each one is, for messages.
import { fstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

/** The environment variable ns.exec() gives a program; what it starts inherits it. */
export const MARK_VARIABLE = 'NSLAB_EXEC';

const pids = (): number[] =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);

/** Every process (other than this one) whose network namespace is the one fd refers to. */
export function processesIn(fd: number): number[] {
  const ns = fstatSync(fd);
  return pids().filter((pid) => {
    if (pid === process.pid) return false;
    try {
      const own = statSync(`/proc/${pid}/ns/net`);
      return own.ino === ns.ino && own.dev === ns.dev;
    } catch {
      return false; // gone, or a zombie (which holds no namespace)
    }
  });
}

/** Whether pid's environment carries mark (NSLAB_EXEC=mark). */
export function carriesMark(pid: number, mark: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`${MARK_VARIABLE}=${mark}`);
  } catch {
    return false;
  }
}

/** The pipes among pid's stdin, stdout and stderr: "pipe:[123]", or "socket:[123]" (Node's child pipes are socket pairs). */
export function stdioPipes(pid: number): string[] {
  return [0, 1, 2].flatMap((fd) => {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      return /^(pipe|socket):\[/.test(link) ? [link] : [];
    } catch {
      return [];
    }
  });
}

/** Every process (other than this one) with a descriptor on one of these pipes. */
export function processesHolding(pipes: readonly string[]): number[] {
  if (!pipes.length) return [];
  return pids().filter((pid) => {
    if (pid === process.pid) return false;
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return pipes.includes(readlinkSync(`/proc/${pid}/fd/${fd}`));
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  });
}

/** pid's command line ("sleep 600"), or its name in brackets when it has none, for messages. */
export function commandOf(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return argv.length ? argv.join(' ') : `[${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}]`;
  } catch {
    return '(gone)';
  }
}
