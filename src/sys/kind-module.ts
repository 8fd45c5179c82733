// Some drivers create devices in the initial namespace as their module loads: dummy makes dummy0,
// bonding bond0, ifb ifb0 and ifb1, unless a module option sets their count to 0 (systemd ships
// such options; a minimal root has none). Left to the kernel's autoload, nslab's first device of
// such a kind would put one in the host's namespace. So nslab loads the module itself, with the
// count 0, before the kernel would, and refuses the kind when it cannot.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { ModuleLoadError } from '../errors.ts';

/** Device kind: its module and the module parameter that counts the devices it creates as it loads. */
export const DEVICE_MAKING_MODULES: Readonly<Record<string, { module: string; count: string }>> = {
  dummy: { module: 'dummy', count: 'numdummies' },
  bond: { module: 'bonding', count: 'max_bonds' },
  ifb: { module: 'ifb', count: 'numifbs' },
};

/** Where the facts about modules are read; other roots only in tests. */
export interface ModuleHost {
  /** Loaded and built-in modules (/sys/module/NAME). */
  sysModule: string;
  /** The program the kernel runs to load a module; missing on kernels without module loading. */
  kernelModprobe: string;
  /** 1 when no module may be loaded any more. */
  modulesDisabled: string;
  /** This root's modules of the running kernel. */
  modulesDir: string;
}

const systemHost = (): ModuleHost => ({
  sysModule: '/sys/module',
  kernelModprobe: '/proc/sys/kernel/modprobe',
  modulesDisabled: '/proc/sys/kernel/modules_disabled',
  modulesDir: `/lib/modules/${release()}`,
});

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/**
 * Makes sure creating a device of this kind cannot make the kernel load a module with defaults
 * that create devices: loads it with the count 0 when it is not loaded yet. Throws
 * ModuleLoadError, naming the command to run, when it cannot be loaded but could be by the kernel.
 */
export function preloadKindModule(kind: string, host: ModuleHost = systemHost()): void {
  const entry = DEVICE_MAKING_MODULES[kind];
  if (!entry || existsSync(join(host.sysModule, entry.module))) return;
  // Nothing to fear from a kernel that cannot load modules: it refuses the kind instead.
  const modprobe = read(host.kernelModprobe);
  if (!modprobe || read(host.modulesDisabled) === '1') return;
  const option = `${entry.count}=0`;
  try {
    execFileSync(modprobe, [entry.module, option], {
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      timeout: 60_000,
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    const said = e.stderr?.trim() || (e.code === 'ENOENT' ? `${modprobe} does not exist in this root` : e.message);
    // This root's modules of the running kernel lack it: the kernel's own modprobe finds none either.
    if (/not found/i.test(said) && existsSync(join(host.modulesDir, 'modules.dep'))) return;
    throw new ModuleLoadError(kind, entry.module, option, said, { cause: error });
  }
}
