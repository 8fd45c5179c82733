// src/sys/constants.ts is generated once and committed; this regenerates it from this machine's
// kernel and libc headers and proves the committed file still says the same.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function hasCompiler(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v cc'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('src/sys/constants.ts equals a fresh run of scripts/gen-constants.sh', (ctx) => {
  if (!hasCompiler()) ctx.skip('no C compiler (cc) to build the generator');
  if (!existsSync('/usr/include/linux/rtnetlink.h'))
    ctx.skip('no kernel UAPI headers (/usr/include/linux/rtnetlink.h; Debian: linux-libc-dev)');
  const dir = mkdtempSync(join(tmpdir(), 'nslab-constants-'));
  try {
    const out = join(dir, 'constants.ts');
    execFileSync('bash', [join(root, 'scripts/gen-constants.sh'), out], { stdio: ['ignore', 'ignore', 'pipe'] });
    const fresh = readFileSync(out, 'utf8');
    expect(fresh.length).toBeGreaterThan(1000);
    expect(readFileSync(join(root, 'src/sys/constants.ts'), 'utf8')).toBe(fresh);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
