// What the kernel runner's tests share: whether a guest can run here at all, and the QEMU
// processes a given process has started (read from /proc, not from the runner's own books).
import { readdirSync, readFileSync } from 'node:fs';
import { DEFAULT_GUEST_KERNELS } from '../../src/kernel/debian.ts';
import { BUSYBOX } from '../../src/kernel/initramfs.ts';
import { QEMU, which } from '../../src/kernel/qemu.ts';
import { selectKernel } from '../../src/kernel/select.ts';
import { procStat } from '../helpers/proc.ts';

/** Why no guest of `kernel` can boot on this machine, or undefined when one can. */
export function guestUnavailable(kernel: string = DEFAULT_GUEST_KERNELS[0]): string | undefined {
  if (!which(QEMU))
    return `${QEMU} is not installed and could not be (scripts/setup.d/40-kernel.sh installs qemu-system-x86)`;
  try {
    selectKernel(kernel);
  } catch (e) {
    return (e as Error).message;
  }
  try {
    readFileSync(BUSYBOX);
  } catch {
    return `no ${BUSYBOX} (busybox-static)`;
  }
  return undefined;
}

/** PIDs of QEMU processes whose parent is ppid. */
export function qemuChildren(ppid = process.pid): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    const p = procStat(Number(pid));
    if (p && p.comm.startsWith('qemu-system') && p.ppid === ppid && p.state !== 'Z') found.push(p.pid);
  }
  return found;
}
