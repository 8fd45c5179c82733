// Running Vitest in a child process, on a project of its own: how the fixture tests watch a
// test fail or time out from outside, and how the downstream test runs a user's project.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const BIN = `${REPO_ROOT}/node_modules/.bin`;

/**
 * The environment for a child run: ours without Vitest's worker variables (a child would take
 * itself for one of our workers), without colours, and with the repo's bin first on PATH, so
 * `#!/usr/bin/env node` scripts get the Node the repo pins.
 */
export function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^VITEST/.test(key) && key !== 'FORCE_COLOR') env[key] = value;
  }
  return { ...env, NO_COLOR: '1', PATH: `${BIN}:${env.PATH ?? ''}` };
}

export interface ChildRun {
  exitCode: number | undefined;
  output: string;
}

/**
 * `vitest run` in dir with Vitest's own CLI, under the Node running us (started through a
 * wrapper command, such as unshare, if given); resolves when it has exited.
 */
export async function runVitest(
  dir: string,
  args: readonly string[] = [],
  options: { wrapper?: readonly string[] } = {},
): Promise<ChildRun> {
  const [file, ...pre] = [...(options.wrapper ?? []), process.execPath];
  const result = await execa(
    file!,
    [...pre, `${REPO_ROOT}/node_modules/vitest/vitest.mjs`, 'run', '--root', dir, ...args],
    {
      cwd: dir,
      env: childEnv(),
      extendEnv: false,
      all: true,
      reject: false,
      // A guard against a hung child, far above what a run takes.
      timeout: 60_000,
    },
  );
  return { exitCode: result.exitCode, output: result.all ?? '' };
}
/** A scratch Vitest project in a temporary directory, removed by the caller. */
export function childProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'nslab-fixtures-'));
  writeFileSync(
    join(dir, 'vitest.config.mjs'),
    "export default { test: { include: ['*.test.ts'], pool: 'forks', testTimeout: 10000, hookTimeout: 10000 } };\n",
  );
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
