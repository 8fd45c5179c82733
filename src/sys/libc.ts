// The libc calls nslab needs, bound once through koffi. Everything here is synchronous and
// runs on the calling thread, which matters: setns() and unshare() act on the calling thread
// only, so namespace switches must never go through koffi's async (worker-thread) calls.
import koffi from 'koffi';
import { constants as osConstants } from 'node:os';
import { ErrnoError } from '../errors.ts';

const libc = koffi.load('libc.so.6');

// Variadic functions (open, ioctl, prctl) are bound as variadic, as koffi's contract asks, and
// called with the type of each extra argument. A fixed-arity binding happens to work on x86-64
// and AArch64 Linux, but not on ABIs that pass variadic arguments differently (Apple's arm64,
// which puts them on the stack). The cost is under ~1 us per call, on calls made once or twice per
// namespace.
const variadic = {
  open: libc.func('int open(const char *path, int flags, ...)'),
  ioctl: libc.func('int ioctl(int fd, unsigned long request, ...)'),
  prctl: libc.func('int prctl(int option, ...)'),
};

export const sys = {
  socket: libc.func('int socket(int domain, int type, int protocol)'),
  bind: libc.func('int bind(int fd, const void *addr, uint32_t len)'),
  setsockopt: libc.func('int setsockopt(int fd, int level, int name, const void *val, uint32_t len)'),
  // len is a socklen_t *: a 4-byte buffer holding the value's size, which the call updates.
  getsockopt: libc.func('int getsockopt(int fd, int level, int name, void *val, void *len)'),
  send: libc.func('long send(int fd, const void *buf, size_t len, int flags)'),
  recv: libc.func('long recv(int fd, void *buf, size_t len, int flags)'),
  // The probes' and listeners' datagrams (src/traffic/): addr is a sockaddr, alen a socklen_t * as in getsockopt.
  sendto: libc.func('long sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t alen)'),
  recvfrom: libc.func('long recvfrom(int fd, void *buf, size_t len, int flags, void *addr, void *alen)'),
  connect: libc.func('int connect(int fd, const void *addr, uint32_t len)'),
  getsockname: libc.func('int getsockname(int fd, void *addr, void *alen)'),
  // vec points to native memory (see recvmsg.ts): koffi then passes the pointer as it is, where
  // a struct argument would be converted field by field on every call, twice as slow.
  recvmmsg: libc.func('int recvmmsg(int fd, void *vec, unsigned int vlen, int flags, void *timeout)'),
  close: libc.func('int close(int fd)'),
  open: (path: string, flags: number, mode: number): number => variadic.open(path, flags, 'uint32_t', mode),
  /** An ioctl whose argument is a buffer (struct ifreq and the like). */
  ioctl: (fd: number, request: number, arg: Buffer): number => variadic.ioctl(fd, request, 'void *', arg),
  /** An ioctl whose argument is an integer (TUNSETPERSIST). */
  ioctlInt: (fd: number, request: number, arg: number): number => variadic.ioctl(fd, request, 'unsigned long', arg),
  setns: libc.func('int setns(int fd, int nstype)'),
  unshare: libc.func('int unshare(int flags)'),
  mount: libc.func(
    'int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const void *data)',
  ),
  umount2: libc.func('int umount2(const char *target, int flags)'),
  poll: libc.func('int poll(void *fds, unsigned long nfds, int timeout)'),
  eventfd: libc.func('int eventfd(unsigned int initval, int flags)'),
  write: libc.func('long write(int fd, const void *buf, size_t len)'),
  read: libc.func('long read(int fd, void *buf, size_t len)'),
  prctl: (option: number, a2: number, a3: number, a4: number, a5: number): number =>
    variadic.prctl(option, 'unsigned long', a2, 'unsigned long', a3, 'unsigned long', a4, 'unsigned long', a5),
  getppid: libc.func('int getppid(void)'),
};

const errnoNames = new Map<number, string>(
  Object.entries(osConstants.errno).map(([name, value]) => [value, name] as [number, string]),
);

export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

export function lastErrno(): number {
  return koffi.errno();
}

/** A failed libc call: which call, on what, and the errno it set. */
export class SysError extends ErrnoError {
  /** The system call that failed. */
  readonly call: string;
  constructor(call: string, errno: number, detail?: string) {
    const code = errnoName(errno);
    super(`${call}${detail ? ` (${detail})` : ''} failed: ${code}`, errno, code);
    this.call = call;
  }
}

/** Throws SysError when a libc call returned -1; returns the result otherwise. */
export function check(result: number, call: string, detail?: string): number {
  if (result < 0) throw new SysError(call, lastErrno(), detail);
  return result;
}
