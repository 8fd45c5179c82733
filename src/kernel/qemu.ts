// QEMU's command line for a guest: the microvm machine (no PCI, no firmware), the kernel booted
// through its PVH entry, the host's root and a result directory over virtio-9p, the serial
// console on stdio, and no network device at all.
import { accessSync, closeSync, constants, openSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { KernelRunnerError } from './errors.ts';
import { GUEST_TMPFS, TAGS } from './guest-init.ts';

export const QEMU = 'qemu-system-x86_64';

export type Accel = 'kvm' | 'tcg';

export interface QemuOptions {
  kernel: string;
  /** The kernel is an ELF with a PVH entry (else a bzImage, booted through QEMU's option ROM). */
  pvh: boolean;
  initramfs: string;
  /** The kernel's release and where its modules are: elsewhere than /lib/modules/RELEASE, stage 1 has modprobe told (guest-init.ts). */
  release: string;
  modulesDir: string;
  outDir: string;
  /** The working directory, shared on its own: the guest's tmpfs on /tmp, /run and /var/tmp hides it when it lies there. */
  cwd: string;
  accel: Accel;
  memoryMiB: number;
  cpus: number;
  /** Appended to the kernel command line (later parameters win). */
  append?: string;
}

/** The host's TSC frequency in kHz: microvm has no PIT to calibrate against, so the guest is told. */
export function hostTscKhz(): number | undefined {
  try {
    const mhz = /^cpu MHz\s*:\s*([\d.]+)/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
    return mhz ? Math.round(Number(mhz) * 1000) : undefined;
  } catch {
    return undefined;
  }
}

/** What the kernel command line can carry as one parameter: no spaces, quotes or shell syntax. */
const PLAIN_PATH = /^\/[A-Za-z0-9._+~/-]*$/;

export function kernelCommandLine(o: Pick<QemuOptions, 'append' | 'release' | 'modulesDir'>): string {
  const tsc = hostTscKhz();
  const ownModules = o.modulesDir.replace(/\/+$/, '') === `/lib/modules/${o.release}`;
  if (!ownModules && !PLAIN_PATH.test(o.modulesDir)) {
    throw new KernelRunnerError(
      `the modules of ${o.release} are in ${JSON.stringify(o.modulesDir)}, a path the kernel command line cannot carry: move them to a path of letters, digits and ._+~/-`,
    );
  }
  if (!ownModules && GUEST_TMPFS.some((d) => o.modulesDir.startsWith(`/${d}/`))) {
    throw new KernelRunnerError(
      `the modules of ${o.release} are in ${o.modulesDir}, under a directory the guest replaces with its own tmpfs: keep them (NSLAB_KERNEL_STORE) elsewhere`,
    );
  }
  return [
    'console=ttyS0',
    'quiet',
    'loglevel=4',
    'rdinit=/init',
    // A panic reboots at once, and -no-reboot makes a reboot QEMU's exit; reboot=t (triple
    // fault) works on a machine with no keyboard controller or ACPI reset.
    'panic=-1',
    'reboot=t',
    ...(tsc ? [`tsc_early_khz=${tsc}`] : []),
    'random.trust_cpu=on',
    // Read by stage 1 (guest-init.ts); a dotted name the kernel keeps to itself, never init's argument.
    ...(ownModules ? [] : [`nslab.modules=${o.modulesDir}`]),
    ...(o.append ? [o.append] : []),
  ].join(' ');
}

/** A value inside a QEMU option list, where a comma ends the value unless doubled. */
const qemuOptionValue = (value: string): string => value.replaceAll(',', ',,');

export function qemuArgs(o: QemuOptions): string[] {
  const share = (id: string, path: string, tag: string, readonly: boolean): string[] => [
    '-fsdev',
    `local,id=${id},path=${qemuOptionValue(path)},security_model=none,multidevs=remap${readonly ? ',readonly=on' : ''}`,
    '-device',
    `virtio-9p-device,fsdev=${id},mount_tag=${tag}`,
  ];
  return [
    '-M',
    `microvm,x-option-roms=${o.pvh ? 'off' : 'on'},rtc=on`,
    '-accel',
    o.accel,
    '-cpu',
    o.accel === 'kvm' ? 'host' : 'max',
    '-m',
    String(o.memoryMiB),
    '-smp',
    String(o.cpus),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-nic',
    'none',
    '-chardev',
    'stdio,id=console,signal=off',
    '-serial',
    'chardev:console',
    '-kernel',
    o.kernel,
    '-initrd',
    o.initramfs,
    '-append',
    kernelCommandLine(o),
    ...share('root', '/', TAGS.root, true),
    ...share('out', o.outDir, TAGS.out, false),
    ...share('cwd', o.cwd, TAGS.cwd, true),
  ];
}

/** Where an executable is on PATH, if anywhere. */
export function which(file: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, file);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Whether /dev/kvm can be opened for use; that it then works is only known by booting (see run.ts). */
export function kvmDeviceUsable(): boolean {
  try {
    closeSync(openSync('/dev/kvm', constants.O_RDWR));
    return true;
  } catch {
    return false;
  }
}
