// Where the runner keeps what it derives from kernels (vmlinux, initramfs, the KVM probe).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheDir(): string {
  if (process.env.NSLAB_CACHE_DIR) return process.env.NSLAB_CACHE_DIR;
  const local = join(process.cwd(), 'node_modules');
  return existsSync(local)
    ? join(local, '.cache', 'nslab', 'kernel')
    : join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nslab', 'kernel');
}
