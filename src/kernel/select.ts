// Which kernel a name stands for: a Debian short name ("6.12", unpacked on first use), a release
// ("6.1.0-57-amd64", unpacked in the store or installed in /boot), or a path to a bzImage or a
// vmlinux, with its modules beside it, under /lib/modules, or where the user says.
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KernelRunnerError } from './errors.ts';
import { DEBIAN_KERNELS, debianKernel, kernelStore, type UnpackedKernel, unpackedKernels } from './debian.ts';

export interface KernelChoice {
  /** The image to boot (bzImage or vmlinux). */
  path: string;
  /** The directory holding lib/modules/RELEASE ("/" for the host's own /lib/modules), if known. */
  modulesRoot?: string;
  /** The kernel's config (CONFIG_*), when one is known. */
  config?: string;
}

export interface SelectOptions {
  store?: string;
  boot?: string;
  /** lib/modules/RELEASE's parent for a kernel given by path (default: found beside it, else /). */
  modulesRoot?: string;
  onNote?: (note: string) => void;
}

/** Kernels installed in /boot, newest first (vmlinuz-6.1.0-57-amd64). */
export function installedKernels(boot = '/boot'): string[] {
  let names: string[];
  try {
    names = readdirSync(boot).filter((n) => n.startsWith('vmlinuz-'));
  } catch {
    return [];
  }
  return names.sort((a, b) => b.localeCompare(a, 'en', { numeric: true })).map((n) => join(boot, n));
}

/** Every name `--kernel` takes right now, for an error that lists them. */
export function availableKernels(o: SelectOptions = {}): string[] {
  const names = Object.entries(DEBIAN_KERNELS).map(([name, k]) => `${name} (${k.description})`);
  const unpacked = unpackedKernels(o.store ?? kernelStore()).map((k) => `${k.release} (unpacked ${k.name})`);
  const boot = installedKernels(o.boot).map((p) => `${basename(p).slice('vmlinuz-'.length)} (${p})`);
  return [...names, ...unpacked, ...boot, 'or a path to a bzImage or vmlinux'];
}

/** A kernel given by path: modules in ROOT/lib/modules/RELEASE when the image is ROOT/boot/vmlinuz-*, else the host's. */
function byPath(path: string, o: SelectOptions): KernelChoice {
  if (o.modulesRoot) return { path, modulesRoot: o.modulesRoot };
  const beside = dirname(dirname(path));
  const name = basename(path);
  const release = name.startsWith('vmlinuz-') ? name.slice('vmlinuz-'.length) : undefined;
  if (release && basename(dirname(path)) === 'boot' && existsSync(join(beside, 'lib', 'modules', release))) {
    const config = join(dirname(path), `config-${release}`);
    return { path, modulesRoot: beside, ...(existsSync(config) ? { config } : {}) };
  }
  return { path };
}

const unpackedChoice = (k: UnpackedKernel): KernelChoice => ({
  path: k.image,
  modulesRoot: k.modulesRoot,
  config: k.config,
});

export function selectKernel(spec: string, o: SelectOptions = {}): KernelChoice {
  const store = o.store ?? kernelStore();
  if (spec.includes('/')) {
    if (!existsSync(spec))
      throw new KernelRunnerError(`kernel ${spec} does not exist; available: ${availableKernels(o).join(', ')}`);
    return byPath(spec, o);
  }
  if (DEBIAN_KERNELS[spec]) return unpackedChoice(debianKernel(spec, { store, onNote: o.onNote }));
  const unpacked = unpackedKernels(store).find((k) => k.release === spec);
  if (unpacked) return unpackedChoice(unpacked);
  const inBoot = installedKernels(o.boot).find((p) => basename(p) === `vmlinuz-${spec}`);
  if (inBoot) return byPath(inBoot, o);
  throw new KernelRunnerError(`no kernel called ${JSON.stringify(spec)}; available: ${availableKernels(o).join(', ')}`);
}
