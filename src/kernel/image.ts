// Kernel images: which kernel to boot, its release, and the uncompressed vmlinux inside a
// bzImage. Under TCG the bzImage's own decompressor costs seconds at every boot, while the ELF
// vmlinux boots directly through its PVH entry point, so the vmlinux is extracted once and cached.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { KernelRunnerError } from './errors.ts';
import type { KernelChoice } from './select.ts';

export interface KernelImage {
  /** The file the user named (bzImage or vmlinux). */
  path: string;
  /** `uname -r` of that kernel, read from the image itself. */
  release: string;
  /** The file QEMU boots: the extracted vmlinux when it has a PVH entry, else `path`. */
  bootPath: string;
  /** Whether bootPath is an ELF with a PVH entry note. */
  pvh: boolean;
  /** Where the kernel's modules are (may not exist: then only built-in drivers are there). */
  modulesDir: string;
  /** The kernel's config (CONFIG_*), when one came with it. */
  config?: string;
}

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** The release string a bzImage carries in its setup header ("6.1.0-56-amd64"). */
export function bzImageRelease(image: Buffer): string | undefined {
  if (image.length < 0x250 || image.toString('latin1', 0x202, 0x206) !== 'HdrS') return undefined;
  const at = image.readUInt16LE(0x20e) + 0x200;
  const end = image.indexOf(0, at);
  const version = image.toString('latin1', at, end < 0 ? at + 256 : end);
  return version.split(' ')[0] || undefined;
}

/** The release an ELF vmlinux carries: its "Linux version X ..." banner. */
function elfRelease(image: Buffer): string | undefined {
  const at = image.indexOf('Linux version ');
  if (at < 0) return undefined;
  return image.toString('latin1', at + 14, at + 200).split(' ')[0] || undefined;
}

/** Whether an ELF64 image has the Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY), which QEMU boots directly. */
export function hasPvhNote(elf: Buffer): boolean {
  if (!elf.subarray(0, 4).equals(ELF_MAGIC) || elf[4] !== 2) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (elf.readUInt32LE(ph) !== 4 /* PT_NOTE */) continue;
    let at = Number(elf.readBigUInt64LE(ph + 8));
    const end = at + Number(elf.readBigUInt64LE(ph + 32));
    while (at + 12 <= end) {
      const namesz = elf.readUInt32LE(at);
      const descsz = elf.readUInt32LE(at + 4);
      const type = elf.readUInt32LE(at + 8);
      const name = elf.toString('latin1', at + 12, at + 12 + namesz).replace(/\0+$/, '');
      if (name === 'Xen' && type === 18) return true;
      at += 12 + Math.ceil(namesz / 4) * 4 + Math.ceil(descsz / 4) * 4;
    }
  }
  return false;
}

const xz = (payload: Buffer, format: 'xz' | 'lzma'): Buffer => {
  try {
    // --single-stream: the kernel appends the uncompressed size after the stream.
    return execFileSync('xz', ['-dc', '--single-stream', `--format=${format}`], { input: payload, maxBuffer: 1 << 30 });
  } catch (e) {
    throw new KernelRunnerError(
      `cannot decompress the kernel (${format}): ${(e as Error).message.split('\n')[0]}; is xz-utils installed?`,
    );
  }
};

/** The compressed payload of a bzImage decompressed to the ELF vmlinux (the kernel's scripts/extract-vmlinux, exactly: the header says where the payload is). */
export function extractVmlinux(image: Buffer): Buffer {
  const setupSects = image[0x1f1] || 4;
  const start = (setupSects + 1) * 512 + image.readUInt32LE(0x248);
  const payload = image.subarray(start, start + image.readUInt32LE(0x24c));
  const magic = (bytes: number[]): boolean => payload.subarray(0, bytes.length).equals(Buffer.from(bytes));
  let out: Buffer;
  if (magic([0x1f, 0x8b])) out = gunzipSync(payload);
  else if (magic([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) out = xz(payload, 'xz');
  else if (magic([0x28, 0xb5, 0x2f, 0xfd])) out = zstdDecompressSync(payload);
  else if (magic([0x5d, 0x00, 0x00])) out = xz(payload, 'lzma');
  else
    throw new KernelRunnerError(
      `unsupported kernel compression (payload starts ${payload.subarray(0, 4).toString('hex')}); pass an uncompressed vmlinux instead`,
    );
  if (!out.subarray(0, 4).equals(ELF_MAGIC))
    throw new KernelRunnerError('the decompressed kernel payload is not an ELF vmlinux');
  return out;
}

/** Reads a kernel image, extracting (and caching under cacheDir) its vmlinux. */
export function loadKernel(choice: KernelChoice, cacheDir: string): KernelImage {
  const { path } = choice;
  let image: Buffer;
  try {
    if (!statSync(path).isFile()) throw new Error('not a regular file');
    image = readFileSync(path);
  } catch (e) {
    throw new KernelRunnerError(`kernel ${path} cannot be read (${(e as Error).message.split('\n')[0]})`);
  }
  // What every outcome shares; only the file QEMU boots, and how, differ.
  const loaded = (release: string, bootPath: string, pvh: boolean): KernelImage => ({
    path,
    release,
    bootPath,
    pvh,
    modulesDir: join(choice.modulesRoot ?? '/', 'lib', 'modules', release),
    ...(choice.config === undefined ? {} : { config: choice.config }),
  });
  if (image.subarray(0, 4).equals(ELF_MAGIC)) {
    const release = elfRelease(image);
    if (!release)
      throw new KernelRunnerError(`${path} is an ELF file but not a Linux kernel (no "Linux version" banner)`);
    if (!hasPvhNote(image))
      throw new KernelRunnerError(`${path} is a vmlinux without a PVH entry (CONFIG_PVH): pass its bzImage instead`);
    return loaded(release, path, true);
  }
  const release = bzImageRelease(image);
  if (!release)
    throw new KernelRunnerError(`${path} is not a Linux kernel image (no bzImage header, not an ELF vmlinux)`);
  const hash = createHash('sha256').update(image).digest('hex').slice(0, 16);
  const bootPath = join(cacheDir, `vmlinux-${release}-${hash}`);
  const marker = `${bootPath}.pvh`;
  if (existsSync(bootPath)) return loaded(release, bootPath, true);
  if (existsSync(marker)) return loaded(release, path, false);
  const vmlinux = extractVmlinux(image);
  mkdirSync(cacheDir, { recursive: true });
  if (!hasPvhNote(vmlinux)) {
    writeFileSync(marker, 'no PVH entry: boot the bzImage\n');
    return loaded(release, path, false);
  }
  // Written aside and renamed, so a concurrent run never boots half a file.
  const tmp = `${bootPath}.${process.pid}.tmp`;
  writeFileSync(tmp, vmlinux);
  renameSync(tmp, bootPath);
  return loaded(release, bootPath, true);
}
