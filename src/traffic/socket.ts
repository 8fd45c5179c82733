// The sockets of the reachability probes and the listeners. A socket's namespace is fixed when
// its descriptor is created, and Node's net and dgram create theirs lazily, in whatever
// namespace the thread is in by then. So each descriptor is created here, inside one
// synchronous switch (src/handle/switch.ts), bound there, and only then handed on: to Node
// (net.Socket, net.Server, which adopt a descriptor) or, for datagrams and ICMP, which Node's
// dgram cannot adopt, to the readiness reactor with non-blocking recvfrom()/sendto().
import { withNetns } from '../handle/switch.ts';
import { endpointOf, sockaddr, SOCKADDR_MAX, type Endpoint } from '../handle/sockaddr.ts';
import { check, errnoName, lastErrno, sys, SysError } from '../sys/libc.ts';
import * as C from '../sys/constants.ts';
import { unwatch, watch } from '../netlink/reactor.ts';
import { asPermissionError, DeviceNotFoundError, InvalidAddressError } from '../errors.ts';

/** Where a socket is opened: in which namespace, and bound to what. */
export interface SocketPlace {
  /** The descriptor holding the namespace. */
  nsFd: number;
  /** The namespace's label, for messages. */
  label: string;
  /** Who opens it, for messages: "toReach", "listen". */
  where: string;
  /** The source address to bind (any address of the family when only a port is given). */
  from?: string | undefined;
  /** The port to bind (0: the kernel picks one). */
  port?: number | undefined;
  /** The device to bind to (SO_BINDTODEVICE): packets leave and arrive through it only. */
  dev?: string | undefined;
}

const anyAddress = (family: 4 | 6): string => (family === 4 ? '0.0.0.0' : '::');

function bindToDevice(fd: number, place: SocketPlace, dev: string): void {
  const name = Buffer.from(`${dev}\0`);
  if (sys.setsockopt(fd, C.SOL_SOCKET, C.SO_BINDTODEVICE, name, name.length) === 0) return;
  const errno = lastErrno();
  const cause = new SysError('setsockopt', errno, `SO_BINDTODEVICE ${dev}`);
  if (errnoName(errno) === 'ENODEV') throw new DeviceNotFoundError(dev, { cause });
  throw asPermissionError(cause, 'CAP_NET_RAW', `${place.where}: binding a socket to device ${dev}`);
}

function bindTo(fd: number, place: SocketPlace, family: 4 | 6): void {
  const address = place.from ?? anyAddress(family);
  const sa = sockaddr(address, place.port ?? 0);
  if (sys.bind(fd, sa, sa.length) === 0) return;
  const errno = lastErrno();
  const cause = new SysError('bind', errno, `${address} port ${place.port ?? 0} in ${place.label}`);
  if (errnoName(errno) === 'EADDRNOTAVAIL') {
    throw new InvalidAddressError(
      `${place.where}: ${address} is not an address of namespace ${place.label} (bind: EADDRNOTAVAIL): ` +
        'add it to a device there first, or, for an IPv6 address just added, wait for its DAD to end (or add it with dad: false)',
      address,
    );
  }
  throw cause;
}

/**
 * A non-blocking socket created in the namespace, bound to the device and then the address and
 * port asked for; bound to the wildcard address when bindAlways (so its port is known at once).
 */
export function openSocket(
  place: SocketPlace,
  family: 4 | 6,
  type: number,
  protocol: number,
  what: string,
  bindAlways = false,
): number {
  const af = family === 4 ? C.AF_INET : C.AF_INET6;
  return withNetns(place.nsFd, () => {
    let fd: number;
    try {
      fd = check(sys.socket(af, type | C.SOCK_CLOEXEC | C.SOCK_NONBLOCK, protocol), 'socket', what);
    } catch (error) {
      throw asPermissionError(error, 'CAP_NET_RAW', `${place.where}: opening a ${what} socket in ${place.label}`);
    }
    try {
      if (place.dev !== undefined) bindToDevice(fd, place, place.dev);
      if (bindAlways || place.from !== undefined || place.port) bindTo(fd, place, family);
      return fd;
    } catch (error) {
      sys.close(fd);
      throw error;
    }
  });
}

/** The address and port a socket is bound to. */
function localEndpoint(fd: number): Endpoint {
  const sa = Buffer.alloc(SOCKADDR_MAX);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(sa.length);
  check(sys.getsockname(fd, sa, len), 'getsockname');
  return endpointOf(sa);
}

/** openSocket() bound in any case, with the address and port it got (the kernel's pick for port 0). */
export function openBound(
  place: SocketPlace,
  family: 4 | 6,
  type: number,
  what: string,
): { fd: number; local: Endpoint } {
  const fd = openSocket(place, family, type, 0, what, true);
  try {
    return { fd, local: localEndpoint(fd) };
  } catch (error) {
    sys.close(fd);
    throw error;
  }
}

/** recvfrom() calls per readiness report: a flood cannot hold the main thread, and the reactor reports what is left. */
const READS_PER_WAKEUP = 64;

/**
 * A non-blocking datagram or raw socket read through the reactor: each datagram goes to
 * onMessage with its sender; a pending socket error (an ICMP error reported on a connected UDP
 * socket: ECONNREFUSED) goes to onError. Closing unwatches before the descriptor goes.
 */
export class DatagramSocket {
  readonly fd: number;
  private readonly buffer = Buffer.alloc(65_536);
  private readonly from = Buffer.alloc(SOCKADDR_MAX);
  private readonly fromLen = Buffer.alloc(4);
  private open = true;

  constructor(
    fd: number,
    onMessage: (data: Buffer, from: Endpoint) => void,
    onError: (code: string) => void = () => undefined,
  ) {
    this.fd = fd;
    try {
      watch(fd, () => this.drain(onMessage, onError));
    } catch (error) {
      sys.close(fd);
      throw error;
    }
  }

  private drain(onMessage: (data: Buffer, from: Endpoint) => void, onError: (code: string) => void): void {
    for (let i = 0; i < READS_PER_WAKEUP && this.open; i++) {
      this.fromLen.writeUInt32LE(this.from.length);
      const n = Number(sys.recvfrom(this.fd, this.buffer, this.buffer.length, 0, this.from, this.fromLen));
      if (n < 0) {
        const code = errnoName(lastErrno());
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return;
        onError(code);
        continue;
      }
      onMessage(Buffer.from(this.buffer.subarray(0, n)), endpointOf(this.from));
    }
  }

  /** Sends one datagram (to the connected peer when to is undefined); the errno name when refused. */
  send(data: Buffer, to?: Buffer): string | undefined {
    const n = to ? sys.sendto(this.fd, data, data.length, 0, to, to.length) : sys.send(this.fd, data, data.length, 0);
    return Number(n) < 0 ? errnoName(lastErrno()) : undefined;
  }

  /** Stops reading and closes the descriptor; again is a no-op. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    unwatch(this.fd);
    sys.close(this.fd);
  }
}
