// A vector of struct mmsghdr for recvmmsg(), laid out once in native memory, each with its
// iovec, address and control buffers: one call with one pointer reads up to `count` messages,
// since the capture path reads packets by the ten thousand a second and each koffi call costs
// microseconds. The buffers are views of that memory; what a caller keeps it copies out, since
// the next receive overwrites them. Calls are synchronous on the main thread, so one area
// serves every socket. The layout is LP64's (x86-64, AArch64).
import koffi from 'koffi';
import { NslabError } from '../errors.ts';
import { sys } from './libc.ts';

/** struct mmsghdr: a msghdr (56 bytes), then msg_len and padding. */
const MMSGHDR = 64;
const MSG_LEN = 56;
const IOVEC = 16;
const NAME = 32;
const CONTROL = 256;

/** One received message's buffers. */
export interface Slot {
  /** The received bytes (the first of them, up to the length asked for). */
  readonly data: Buffer;
  /** The sender's address (sockaddr_ll for a packet socket). */
  readonly name: Buffer;
  /** The control messages (cmsghdr, 8-byte aligned). */
  readonly control: Buffer;
}

export class ReceiveArea {
  /** The most data bytes one message takes. */
  readonly capacity: number;
  /** Each message's buffers, by its place in the vector. */
  readonly slots: readonly Slot[];
  private readonly all: Buffer;
  /** Where each slot's iovec starts in all. */
  private readonly iovAt: number[] = [];
  private readonly memory: unknown;

  constructor(capacity: number, count: number) {
    if (koffi.sizeof('void *') !== 8)
      throw new NslabError('packet capture needs a 64-bit process (LP64 msghdr layout)');
    this.capacity = capacity;
    const each = IOVEC + NAME + CONTROL + capacity;
    const size = count * (MMSGHDR + each);
    this.memory = koffi.alloc('uint8_t', size);
    const base = koffi.address(this.memory);
    this.all = Buffer.from(koffi.view(this.memory, size));
    const slots: Slot[] = [];
    for (let i = 0; i < count; i++) {
      const at = count * MMSGHDR + i * each;
      const h = i * MMSGHDR;
      this.all.writeBigUInt64LE(base + BigInt(at + IOVEC), h); // msg_name
      this.all.writeBigUInt64LE(base + BigInt(at), h + 16); // msg_iov
      this.all.writeBigUInt64LE(1n, h + 24); // msg_iovlen
      this.all.writeBigUInt64LE(base + BigInt(at + IOVEC + NAME), h + 32); // msg_control
      this.all.writeBigUInt64LE(base + BigInt(at + IOVEC + NAME + CONTROL), at); // iov_base
      this.iovAt.push(at);
      slots.push({
        name: this.all.subarray(at + IOVEC, at + IOVEC + NAME),
        control: this.all.subarray(at + IOVEC + NAME, at + IOVEC + NAME + CONTROL),
        data: this.all.subarray(at + IOVEC + NAME + CONTROL, at + each),
      });
    }
    this.slots = slots;
  }

  /**
   * recvmmsg() of up to slots.length messages of at most len bytes each: how many came, or -1
   * (errno set). Each message's length() is its result as recvmsg() would have returned it.
   */
  receive(fd: number, len: number, flags: number): number {
    const iovLen = BigInt(Math.min(len, this.capacity));
    for (let i = 0; i < this.iovAt.length; i++) {
      // The call overwrites msg_namelen and msg_controllen; iov_len is the length asked for.
      this.all.writeUInt32LE(NAME, i * MMSGHDR + 8);
      this.all.writeBigUInt64LE(BigInt(CONTROL), i * MMSGHDR + 40);
      this.all.writeBigUInt64LE(iovLen, this.iovAt[i]! + 8);
    }
    return Number(sys.recvmmsg(fd, this.memory, this.iovAt.length, flags, null));
  }

  /** Message i's result (msg_len) of the last receive. */
  length(i: number): number {
    return this.all.readUInt32LE(i * MMSGHDR + MSG_LEN);
  }

  /** The control messages of message i of the last receive: level, type and data of each. */
  *controlMessages(i: number): Generator<{ level: number; type: number; data: Buffer }> {
    const { control } = this.slots[i]!;
    const end = Math.min(Number(this.all.readBigUInt64LE(i * MMSGHDR + 40)), control.length);
    // cmsghdr: a size_t length (header included), then level and type; each aligned to 8 bytes.
    for (let at = 0; at + 16 <= end;) {
      const len = Number(control.readBigUInt64LE(at));
      if (len < 16 || at + len > end) return;
      yield {
        level: control.readInt32LE(at + 8),
        type: control.readInt32LE(at + 12),
        data: control.subarray(at + 16, at + len),
      };
      at += (len + 7) & ~7;
    }
  }
}
