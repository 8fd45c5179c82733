// One struct msghdr for recvmsg(), laid out once in native memory with its iovec, address and
// control buffers, so that a receive is one call with one pointer: the capture path reads
// packets by the ten thousand a second. The buffers are views of that memory; what a caller
// keeps it copies out, since the next receive overwrites them. Calls are synchronous on the
// main thread, so one area serves every socket. The layout is LP64's (x86-64, AArch64).
import koffi from 'koffi';
import { NslabError } from '../errors.ts';
import { sys } from './libc.ts';

const MSGHDR = 56;
const IOVEC = 16;
const NAME = 32;
const CONTROL = 256;

export class ReceiveArea {
  /** The received bytes (the first len of them). */
  readonly data: Buffer;
  /** The sender's address (sockaddr_ll for a packet socket). */
  readonly name: Buffer;
  /** The control messages (cmsghdr, 8-byte aligned). */
  readonly control: Buffer;
  private readonly header: Buffer;
  private readonly memory: unknown;
  /** The most data bytes one receive takes. */
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    if (koffi.sizeof('void *') !== 8)
      throw new NslabError('packet capture needs a 64-bit process (LP64 msghdr layout)');
    const size = MSGHDR + IOVEC + NAME + CONTROL + capacity;
    this.memory = koffi.alloc('uint8_t', size);
    const base = koffi.address(this.memory);
    const all = Buffer.from(koffi.view(this.memory, size));
    this.header = all.subarray(0, MSGHDR + IOVEC);
    let at = MSGHDR + IOVEC;
    this.name = all.subarray(at, (at += NAME));
    this.control = all.subarray(at, (at += CONTROL));
    this.data = all.subarray(at);
    this.header.writeBigUInt64LE(base + BigInt(MSGHDR + IOVEC), 0); // msg_name
    this.header.writeBigUInt64LE(base + BigInt(MSGHDR), 16); // msg_iov
    this.header.writeBigUInt64LE(1n, 24); // msg_iovlen
    this.header.writeBigUInt64LE(base + BigInt(MSGHDR + IOVEC + NAME), 32); // msg_control
    this.header.writeBigUInt64LE(base + BigInt(MSGHDR + IOVEC + NAME + CONTROL), MSGHDR); // iov_base
  }

  /** recvmsg() into at most len bytes of data: its result, -1 on failure (errno set). */
  receive(fd: number, len: number, flags: number): number {
    this.header.writeUInt32LE(NAME, 8); // msg_namelen, which the call overwrites
    this.header.writeBigUInt64LE(BigInt(CONTROL), 40); // msg_controllen
    this.header.writeBigUInt64LE(BigInt(Math.min(len, this.capacity)), MSGHDR + 8); // iov_len
    return Number(sys.recvmsg(fd, this.memory, flags));
  }

  /** The length of the control messages the last receive filled in. */
  get controlLength(): number {
    return Number(this.header.readBigUInt64LE(40));
  }
}

/** The control messages of the last receive: level, type and data of each. */
export function* controlMessages(area: ReceiveArea): Generator<{ level: number; type: number; data: Buffer }> {
  const end = Math.min(area.controlLength, area.control.length);
  // cmsghdr: a size_t length (header included), then level and type; each aligned to 8 bytes.
  for (let at = 0; at + 16 <= end;) {
    const len = Number(area.control.readBigUInt64LE(at));
    if (len < 16 || at + len > end) return;
    yield {
      level: area.control.readInt32LE(at + 8),
      type: area.control.readInt32LE(at + 12),
      data: area.control.subarray(at + 16, at + len),
    };
    at += (len + 7) & ~7;
  }
}
