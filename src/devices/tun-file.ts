// An open /dev/net/tun descriptor: the thing whose lifetime decides a tun/tap's carrier.
// Opening it alone attaches to nothing; TUNSETIFF attaches it to a device (creating the device
// if needed) and turns the carrier on; the last close of an attached descriptor turns it off.
import { check, sys, SysError } from '../sys/libc.ts';
import * as C from '../sys/constants.ts';
import type { NetnsHandle } from '../handle/handle.ts';
import { requireOneOf } from '../values/checks.ts';
import { validateName, type IfName } from '../values/name.ts';
import { asPermissionError, NslabError } from '../errors.ts';

const IFREQ_LEN = 40;

export const TUN_MODES = ['tap', 'tun'] as const;
/** 'tap' (IFF_TAP: Ethernet frames) or 'tun' (IFF_TUN: IP packets). */
export type TunMode = (typeof TUN_MODES)[number];

/** An open /dev/net/tun descriptor; attaching it to a device turns the carrier on, closing it turns it off. */
export class TunFile {
  private fdValue: number | undefined;

  private constructor(fd: number) {
    this.fdValue = fd;
  }

  /** Opens /dev/net/tun inside ns: devices it creates or attaches to live in that namespace. */
  static open(ns: NetnsHandle): TunFile {
    try {
      // check() runs inside the switch: errno must be read before setns() back overwrites it.
      return new TunFile(
        ns.run(() => check(sys.open('/dev/net/tun', C.O_RDWR | C.O_CLOEXEC, 0), 'open', '/dev/net/tun')),
      );
    } catch (error) {
      const code = error instanceof SysError ? error.code : String(error);
      throw new NslabError(
        `cannot open /dev/net/tun (${code}): is the tun module loaded, and does the container have --device /dev/net/tun?`,
        { cause: error },
      );
    }
  }

  /** The file descriptor number; throws once closed. */
  get fd(): number {
    if (this.fdValue === undefined) throw new NslabError('this tun descriptor was already closed');
    return this.fdValue;
  }

  /** True once close() has run. */
  get closed(): boolean {
    return this.fdValue === undefined;
  }

  /**
   * TUNSETIFF: attaches to the device called name, creating it when it does not exist.
   * exclusive: only create (IFF_TUN_EXCL); an existing device of that name, tun or not, fails with EBUSY.
   */
  attach(name: string, mode: TunMode = 'tap', options: { exclusive?: boolean } = {}): void {
    validateName(name);
    attachTun(this, name, requireOneOf(mode, TUN_MODES, `attach ${name}: mode`), options.exclusive ?? false);
  }

  /** TUNSETPERSIST: a persistent device outlives its descriptors (and then has no carrier). */
  persist(on: boolean): void {
    check(sys.ioctlInt(this.fd, C.TUNSETPERSIST, on ? 1 : 0), 'ioctl', 'TUNSETPERSIST');
  }

  /** Closes the descriptor (the last close of an attached one drops the carrier); a second call does nothing. */
  close(): void {
    if (this.fdValue === undefined) return;
    sys.close(this.fdValue);
    this.fdValue = undefined;
  }
}

/** TunFile.attach for a name and mode already checked (addTap checks them once, at its edge). */
export function attachTun(file: TunFile, name: IfName, mode: TunMode, exclusive: boolean): void {
  const ifr = Buffer.alloc(IFREQ_LEN);
  ifr.write(name, 0, 'utf8');
  ifr.writeUInt16LE((mode === 'tap' ? C.IFF_TAP : C.IFF_TUN) | C.IFF_NO_PI | (exclusive ? C.IFF_TUN_EXCL : 0), 16);
  try {
    check(sys.ioctl(file.fd, C.TUNSETIFF, ifr), 'ioctl', `TUNSETIFF ${name}`);
  } catch (error) {
    throw asPermissionError(error, 'CAP_NET_ADMIN', `attaching to tun device ${name}`);
  }
}
