// Debian's kernels by short name ("6.1", "6.12", "6.1-rt"), unpacked from their packages into
// nslab's own store with `dpkg-deb -x` and indexed with `depmod -b`: nothing is installed as
// the host's boot kernel, no initramfs is built by Debian's hooks, and /boot and /lib/modules
// stay as they were. The store outlives `npm ci` (it is not under node_modules), so a package
// is downloaded once per version.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KernelRunnerError } from './errors.ts';

export interface DebianKernelName {
  /** The package that always depends on the newest build (Debian's meta-package). */
  package: string;
  description: string;
}

/** The kernels known by short name. `--kernel` also takes any release or path (see select.ts). */
export const DEBIAN_KERNELS: Readonly<Record<string, DebianKernelName>> = {
  '6.1': { package: 'linux-image-amd64', description: "Debian bookworm's kernel" },
  '6.12': { package: 'linux-image-6.12-amd64', description: 'Debian 6.12 LTS (bookworm-security)' },
  '6.1-rt': { package: 'linux-image-rt-amd64', description: 'Debian 6.1 built with PREEMPT_RT' },
};

/** What `npm run claims` and `npm test` boot when no kernel is named. */
export const DEFAULT_GUEST_KERNELS = ['6.1', '6.12'] as const;

/** The guest kernels of this run: NSLAB_GUEST_KERNELS (comma-separated names, releases or paths), else the defaults. */
export function guestKernels(env = process.env): string[] {
  const listed = (env.NSLAB_GUEST_KERNELS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  return listed.length ? listed : [...DEFAULT_GUEST_KERNELS];
}

export interface UnpackedKernel {
  /** The short name it was asked for ("6.12"). */
  name: string;
  /** The package unpacked ("linux-image-6.12.117+deb12-amd64") and its version. */
  package: string;
  version: string;
  /** `uname -r` of the kernel. */
  release: string;
  /** Its bzImage, its config and the directory that holds lib/modules/RELEASE. */
  image: string;
  config: string;
  modulesRoot: string;
}

const INDEX = 'nslab-kernel.json';

/** Where unpacked kernels live: NSLAB_KERNEL_STORE, else the user's cache. */
export function kernelStore(): string {
  return (
    process.env.NSLAB_KERNEL_STORE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nslab', 'kernels')
  );
}

/** The kernels already unpacked in the store, newest version first. */
export function unpackedKernels(store = kernelStore()): UnpackedKernel[] {
  let dirs: string[];
  try {
    dirs = readdirSync(store);
  } catch {
    return [];
  }
  const found: UnpackedKernel[] = [];
  for (const d of dirs) {
    try {
      found.push(JSON.parse(readFileSync(join(store, d, INDEX), 'utf8')) as UnpackedKernel);
    } catch {
      // Not an unpacked kernel (an interrupted unpack has no index yet).
    }
  }
  return found.sort((a, b) => b.version.localeCompare(a.version, 'en', { numeric: true }));
}

const run = (file: string, args: string[], cwd?: string): string =>
  execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });

const firstLine = (e: unknown): string => {
  const err = e as { stderr?: string; message: string };
  return (err.stderr?.trim() || err.message).split('\n')[0] ?? '';
};

/** The real image package behind a meta-package, and its version, from the package lists. */
function concretePackage(meta: string): { package: string; version: string } {
  let pkg = meta;
  // A meta-package depends on the image package of the current ABI; that one has no such dependency.
  for (let hops = 0; hops < 4; hops++) {
    const next = /^\s*Depends: (linux-image-\S+)$/m.exec(run('apt-cache', ['depends', '--important', pkg]))?.[1];
    if (!next) break;
    pkg = next;
  }
  const version = /^Version: (\S+)$/m.exec(run('apt-cache', ['show', '--no-all-versions', pkg]))?.[1];
  if (!version) throw new Error(`apt-cache shows no version of ${pkg}`);
  return { package: pkg, version };
}

/**
 * The kernel called `name`, unpacked into the store if it is not there yet. `refresh` (what setup
 * asks) also looks in the package lists for a newer build, which costs a few apt-cache runs;
 * without lists or a reachable archive, the newest one already unpacked under that name is used.
 */
export function debianKernel(
  name: string,
  options: { store?: string; refresh?: boolean; onNote?: (note: string) => void } = {},
): UnpackedKernel {
  const known = DEBIAN_KERNELS[name];
  if (!known) throw new KernelRunnerError(`no Debian kernel is called ${JSON.stringify(name)}`);
  const store = options.store ?? kernelStore();
  const have = unpackedKernels(store).filter((k) => k.name === name);
  if (have[0] && !options.refresh) return have[0];
  let wanted: { package: string; version: string };
  try {
    wanted = concretePackage(known.package);
  } catch (e) {
    if (have[0]) return have[0];
    throw new KernelRunnerError(
      `cannot find ${known.package} (${known.description}) in the package lists (${firstLine(e)}): on Debian, run apt-get update (npm run setup does), or pass --kernel PATH`,
    );
  }
  const ready = have.find((k) => k.package === wanted.package && k.version === wanted.version);
  if (ready) return ready;
  options.onNote?.(`unpacking ${wanted.package} ${wanted.version} (${known.description}) into ${store}`);
  mkdirSync(store, { recursive: true });
  // Built aside and renamed into place, so that an interrupted unpack is never taken for a kernel.
  const work = mkdtempSync(join(store, '.unpack-'));
  try {
    try {
      run('apt-get', ['download', `${wanted.package}=${wanted.version}`], work);
    } catch (e) {
      if (have[0]) {
        options.onNote?.(`cannot download ${wanted.package} (${firstLine(e)}); using ${have[0].package}`);
        return have[0];
      }
      throw new KernelRunnerError(
        `cannot download ${wanted.package} ${wanted.version}: ${firstLine(e)}; check the network and apt's sources`,
      );
    }
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) throw new KernelRunnerError(`apt-get download ${wanted.package} left no .deb in ${work}`);
    const root = join(work, 'root');
    try {
      run('dpkg-deb', ['-x', join(work, deb), root]);
    } catch (e) {
      throw new KernelRunnerError(`dpkg-deb -x ${deb} failed: ${firstLine(e)}`);
    }
    const image = readdirSync(join(root, 'boot')).find((f) => f.startsWith('vmlinuz-'));
    if (!image) throw new KernelRunnerError(`${deb} holds no /boot/vmlinuz-*: not a kernel image package`);
    const release = image.slice('vmlinuz-'.length);
    // Packages ship no modules.dep: their postinst runs depmod, which an unpack does not.
    const modulesRoot = existsSync(join(root, 'usr', 'lib', 'modules', release)) ? join(root, 'usr') : root;
    try {
      run('depmod', ['-b', modulesRoot, release]);
    } catch (e) {
      throw new KernelRunnerError(`depmod -b for ${release} failed: ${firstLine(e)}; is kmod installed?`);
    }
    rmSync(join(work, deb));
    const dir = join(store, `${wanted.package}_${wanted.version}`);
    const relocate = (p: string): string => join(dir, p.slice(work.length + 1));
    const entry: UnpackedKernel = {
      name,
      ...wanted,
      release,
      image: relocate(join(root, 'boot', image)),
      config: relocate(join(root, 'boot', `config-${release}`)),
      modulesRoot: relocate(modulesRoot),
    };
    writeFileSync(join(work, INDEX), `${JSON.stringify(entry, null, 2)}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
    return entry;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
