// The guest's initramfs: static busybox, the boot modules and stage 1, built once per kernel
// release and content and cached.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type CpioEntry, cpioArchive } from './cpio.ts';
import { KernelRunnerError } from './errors.ts';
import { stage1Script } from './guest-init.ts';
import { BOOT_MODULES, EARLY_MODULES, moduleLoadOrder } from './modules.ts';

/** busybox-static's binary; Debian's dynamic busybox cannot run in an initramfs without libc. */
export const BUSYBOX = '/bin/busybox';

function staticBusybox(path: string): Buffer {
  let bin: Buffer;
  try {
    bin = readFileSync(path);
  } catch {
    throw new KernelRunnerError(`no busybox at ${path}: install busybox-static (npm run setup does)`);
  }
  // A dynamically linked ELF has a PT_INTERP program header naming its loader.
  const phoff = Number(bin.readBigUInt64LE(0x20));
  const phnum = bin.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    if (bin.readUInt32LE(phoff + i * bin.readUInt16LE(0x36)) === 3) {
      throw new KernelRunnerError(`${path} is dynamically linked: install busybox-static instead of busybox`);
    }
  }
  return bin;
}

/** A module's contents, uncompressed: busybox's insmod loads plain .ko files. */
function moduleBytes(file: string): Buffer {
  if (file.endsWith('.xz')) return execFileSync('xz', ['-dc', file], { maxBuffer: 1 << 28 });
  if (file.endsWith('.zst')) return execFileSync('zstd', ['-dc', file], { maxBuffer: 1 << 28 });
  if (file.endsWith('.gz')) return execFileSync('gzip', ['-dc', file], { maxBuffer: 1 << 28 });
  return readFileSync(file);
}

export interface Initramfs {
  path: string;
  /** Boot modules neither in modules.dep nor built in: the guest will likely fail to mount its root. */
  missingModules: string[];
}

export function buildInitramfs(release: string, modulesDir: string, cacheDir: string, busybox = BUSYBOX): Initramfs {
  const { files, missing: absent } = moduleLoadOrder(modulesDir, [...BOOT_MODULES, ...EARLY_MODULES]);
  const missing = absent.filter((m) => BOOT_MODULES.includes(m));
  const script = stage1Script();
  // The key covers everything that goes in, by identity (path, size, mtime) rather than
  // content, so that a cache hit costs a few stat calls.
  const key = createHash('sha256');
  key.update(`v1\0${release}\0${script}\0`);
  for (const f of [busybox, ...files.map((m) => join(modulesDir, m))]) {
    const s = statSync(f, { throwIfNoEntry: false });
    key.update(`${f}\0${s?.size}\0${s?.mtimeMs}\0`);
  }
  const path = join(cacheDir, `initramfs-${release}-${key.digest('hex').slice(0, 16)}.cpio`);
  if (existsSync(path)) return { path, missingModules: missing };

  const entries: CpioEntry[] = [
    { path: 'bin', mode: 0o040755 },
    { path: 'dev', mode: 0o040755 },
    // The kernel opens /dev/console for init's stdio before devtmpfs is mounted.
    { path: 'dev/console', mode: 0o020600, rdev: [5, 1] },
    { path: 'bin/busybox', mode: 0o100755, data: staticBusybox(busybox) },
    { path: 'init', mode: 0o100755, data: script },
    { path: 'modules', mode: 0o040755 },
  ];
  const names = files.map((m) => basename(m).replace(/\.(xz|zst|gz)$/, ''));
  files.forEach((m, i) =>
    entries.push({ path: `modules/${names[i]}`, mode: 0o100644, data: moduleBytes(join(modulesDir, m)) }),
  );
  entries.push({ path: 'modules/order', mode: 0o100644, data: `${names.join('\n')}\n` });
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, cpioArchive(entries));
  renameSync(tmp, path);
  return { path, missingModules: missing };
}
