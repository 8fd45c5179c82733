// Opening a path that should be a network namespace file (/proc/PID/ns/net, a pin under
// /run/netns) without trusting it: a FIFO would block open() on the main thread until a writer
// came, and another namespace type or an ordinary file would fail later, in setns(), with EINVAL.
import { fstatSync, readlinkSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.ts';
import { check, sys } from '../sys/libc.ts';
import { CLONE_NEWNET, NS_GET_NSTYPE, O_CLOEXEC, O_NONBLOCK, O_RDONLY } from '../sys/constants.ts';

/** What the file open on fd is, in words, when it is not a network namespace (undefined when it is one). */
function notANetns(fd: number): string | undefined {
  const st = fstatSync(fd);
  // Namespace files are regular files of nsfs; an ioctl is only asked of a regular file, never of a device.
  if (!st.isFile())
    return st.isFIFO() ? 'a FIFO' : st.isDirectory() ? 'a directory' : st.isSocket() ? 'a socket' : 'a device file';
  const type = sys.ioctlInt(fd, NS_GET_NSTYPE, 0);
  if (type === CLONE_NEWNET) return undefined;
  if (type < 0) return 'a regular file';
  // The kernel's own name of the type: /proc/self/fd/N reads "uts:[4026531838]".
  return `a ${/^(\w+):\[/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1] ?? 'non-network'} namespace`;
}

/** A descriptor on the network namespace at path; SysError when it cannot be opened, InvalidArgumentError when it is not one. */
export function openNetnsFile(path: string): number {
  const fd = check(sys.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0), 'open', path);
  let what: string | undefined;
  try {
    what = notANetns(fd);
  } catch (error) {
    sys.close(fd);
    throw error;
  }
  if (what) {
    sys.close(fd);
    throw new InvalidArgumentError(
      `${path} is ${what}, not a network namespace: pass /proc/PID/ns/net or a pin under /run/netns`,
      path,
    );
  }
  return fd;
}
