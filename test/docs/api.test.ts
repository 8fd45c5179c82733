// The API reference (npm run docs) is built from the doc comments, and TypeDoc refuses a public
// export without one. Running it here keeps that from rotting between releases.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect, test } from 'vitest';
import { REPO_ROOT } from '../assert/child-vitest.ts';

test(
  'TypeDoc builds the API reference; every public export is documented, and nothing else warns',
  { timeout: 180_000 },
  async () => {
    const out = mkdtempSync(join(tmpdir(), 'nslab-api-'));
    try {
      // Warnings as warnings, so that all of them are listed rather than the run stopping at the first.
      const r = await execa(
        'npm',
        ['run', 'docs', '--silent', '--', '--out', out, '--treatWarningsAsErrors', 'false'],
        {
          cwd: REPO_ROOT,
          env: { NO_COLOR: '1', FORCE_COLOR: '0' },
          all: true,
          reject: false,
        },
      );
      expect(r.exitCode, r.all).toBe(0);
      const warnings = r.all
        .split('\n')
        .filter((l) => l.startsWith('[warning]') && !/^\[warning\] Found \d+ errors/.test(l));
      expect(warnings).toEqual([]);
      expect(existsSync(join(out, 'index.html'))).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
);
