// Which kernel modules the initramfs must load, in order, from the kernel's own modules.dep.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * Drivers the guest needs before it can reach the host's root: the virtio-mmio transport of
 * QEMU's microvm machine and 9p over virtio. Everything else (dummy, tun, bridge, veth, ...) is
 * loaded later from the shared root by the kernel's own module autoload, through modprobe.
 */
export const BOOT_MODULES = ['virtio_mmio', '9pnet_virtio', '9p'];

/** Loaded early when the kernel has them, to save a modprobe from the 9p root: the overlay on the working directory. */
export const EARLY_MODULES = ['overlay'];

/** Module name as the kernel spells it (dashes and underscores are the same). */
const canonical = (name: string): string => name.replaceAll('-', '_');
const nameOf = (path: string): string => canonical(basename(path).replace(/\.ko(\.(xz|gz|zst))?$/, ''));

/**
 * The files to load for `wanted`, dependencies first, as paths relative to modulesDir. Modules
 * that modules.dep does not know are taken to be built in (modules.builtin) or absent.
 */
export function moduleLoadOrder(modulesDir: string, wanted: readonly string[]): { files: string[]; missing: string[] } {
  let dep: string;
  try {
    dep = readFileSync(join(modulesDir, 'modules.dep'), 'utf8');
  } catch {
    return { files: [], missing: [...wanted] };
  }
  const deps = new Map<string, { file: string; needs: string[] }>();
  for (const line of dep.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const file = line.slice(0, colon);
    deps.set(nameOf(file), {
      file,
      needs: line
        .slice(colon + 1)
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(nameOf),
    });
  }
  let builtin = '';
  try {
    builtin = readFileSync(join(modulesDir, 'modules.builtin'), 'utf8');
  } catch {
    // No list: a module missing from modules.dep is reported as missing.
  }
  const builtins = new Set(builtin.split('\n').filter(Boolean).map(nameOf));
  const files: string[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string, depth: number): void => {
    if (seen.has(name) || depth > 64) return;
    seen.add(name);
    const entry = deps.get(name);
    if (!entry) {
      if (!builtins.has(name)) missing.push(name);
      return;
    }
    for (const need of entry.needs) visit(need, depth + 1);
    files.push(entry.file);
  };
  for (const w of wanted) visit(canonical(w), 0);
  return { files, missing };
}
