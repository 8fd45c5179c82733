// Can a socket bind to this address right now? A real socket, created inside the namespace
// and bound with bind(2), which is exactly what fails while an IPv6 address is tentative.
import { lastErrno, errnoName, sys, check } from '../sys/libc.ts';
import * as C from '../sys/constants.ts';
import { requireInteger } from '../values/checks.ts';
import { withNetns } from './switch.ts';
import { sockaddr } from './sockaddr.ts';

/** What tryBind() found: whether the address could be bound in the namespace. */
export interface BindResult {
  /** True when bind() succeeded. */
  bound: boolean;
  /** The errno name when bind failed: EADDRNOTAVAIL while the address is tentative. */
  code?: string;
}

/** Binds a UDP socket to address (port 0 = any) inside the namespace nsFd holds, then closes it. */
export function tryBind(nsFd: number, address: string, options: { port?: number; scopeId?: number } = {}): BindResult {
  const port = requireInteger(
    options.port ?? 0,
    0,
    0xffff,
    (v) => `tryBind: port must be an integer from 0 to 65535, received ${v}`,
  );
  const scopeId = requireInteger(
    options.scopeId ?? 0,
    0,
    0xffffffff,
    (v) => `tryBind: scopeId must be an interface index from 0 to 4294967295, received ${v}`,
  );
  const sa = sockaddr(address, port, scopeId);
  const family = sa.length === 16 ? C.AF_INET : C.AF_INET6;
  return withNetns(nsFd, () => {
    const fd = check(
      sys.socket(family, C.SOCK_DGRAM | C.SOCK_CLOEXEC, 0),
      'socket',
      `UDP/IPv${family === C.AF_INET ? 4 : 6}`,
    );
    try {
      return sys.bind(fd, sa, sa.length) === 0 ? { bound: true } : { bound: false, code: errnoName(lastErrno()) };
    } finally {
      sys.close(fd);
    }
  });
}
