// A classic BPF program for SO_ATTACH_FILTER, as `tcpdump -dd EXPR` prints it: the kernel runs
// it on each packet before queueing it, so what it refuses costs neither queue space nor a read.
// struct sock_fprog holds a pointer to the instructions, so they go in native memory, which the
// kernel copies during setsockopt() and which is freed right after.
import koffi from 'koffi';
import { InvalidArgumentError } from '../errors.ts';
import { SOL_SOCKET, SO_ATTACH_FILTER } from '../sys/constants.ts';
import { errnoName, lastErrno, sys, SysError } from '../sys/libc.ts';
import { shown } from '../values/checks.ts';

/** One instruction, struct sock_filter: `{ 0x28, 0, 0, 0x0000000c }` from tcpdump -dd is { code: 0x28, jt: 0, jf: 0, k: 12 }. */
export interface BpfInstruction {
  /** The opcode (16 bits). */
  code: number;
  /** Where to jump when true (8 bits). */
  jt: number;
  /** Where to jump when false (8 bits). */
  jf: number;
  /** The constant operand (32 bits). */
  k: number;
}

/** BPF_MAXINSNS: the kernel refuses longer classic programs. */
const MAX_INSTRUCTIONS = 4096;
const INSTRUCTION = 8;

const fits = (v: unknown, max: number): boolean =>
  Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= max;

/** Checks the program's shape (the kernel checks its meaning at attach time, EINVAL). */
export function checkBpf(where: string, program: unknown): BpfInstruction[] {
  const ok =
    Array.isArray(program) &&
    program.length > 0 &&
    program.length <= MAX_INSTRUCTIONS &&
    program.every(
      (i: Partial<BpfInstruction> | null) =>
        typeof i === 'object' &&
        i !== null &&
        fits(i.code, 0xffff) &&
        fits(i.jt, 0xff) &&
        fits(i.jf, 0xff) &&
        fits(i.k, 0xffffffff),
    );
  if (!ok)
    throw new InvalidArgumentError(
      `${where}: bpf must be 1 to ${MAX_INSTRUCTIONS} instructions { code, jt, jf, k } (tcpdump -dd EXPR prints them), received ${shown(program)}`,
      program,
    );
  return program as BpfInstruction[];
}

/** Attaches the program to the socket (SO_ATTACH_FILTER). */
export function attachBpf(fd: number, program: readonly BpfInstruction[]): void {
  const size = program.length * INSTRUCTION;
  const memory = koffi.alloc('uint8_t', size);
  try {
    const code = Buffer.from(koffi.view(memory, size));
    program.forEach((i, n) => {
      code.writeUInt16LE(i.code, n * INSTRUCTION);
      code.writeUInt8(i.jt, n * INSTRUCTION + 2);
      code.writeUInt8(i.jf, n * INSTRUCTION + 3);
      code.writeUInt32LE(i.k, n * INSTRUCTION + 4);
    });
    // struct sock_fprog: unsigned short len, then (aligned) the pointer to the instructions.
    const fprog = Buffer.alloc(16);
    fprog.writeUInt16LE(program.length, 0);
    fprog.writeBigUInt64LE(koffi.address(memory), 8);
    if (sys.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, fprog.length) !== 0) {
      const errno = lastErrno();
      if (errnoName(errno) !== 'EINVAL') throw new SysError('setsockopt', errno, 'SO_ATTACH_FILTER');
      // The kernel's verifier refused it: a jump out of range, no return at the end, ...
      throw new InvalidArgumentError(
        `the kernel refused the BPF program (EINVAL: a jump out of range, or no return at its end?); take it from tcpdump -dd EXPR`,
        program,
      );
    }
  } finally {
    koffi.free(memory);
  }
}
