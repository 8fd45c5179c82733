// The Vagrantfile and the GitHub workflows are checked by their own validators: Vagrant's
// `vagrant validate` and action-validator's schema for workflows. Each validator is first shown
// to reject a broken file, so a pass means something.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, test } from 'vitest';
import { which } from '../../src/kernel/qemu.ts';

const repo = join(import.meta.dirname, '..', '..');
const workflowsDir = join(repo, '.github', 'workflows');

describe('GitHub workflows', () => {
  const workflows = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f));

  test('the validator rejects a workflow with an unknown key and a job without steps', () => {
    const state = validateWorkflow('on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    stepz: []\n');
    expect(state.errors.length).toBeGreaterThan(0);
  });

  test.each(workflows)('%s is a valid workflow', (file) => {
    const state = validateWorkflow(readFileSync(join(workflowsDir, file), 'utf8'));
    expect(state.errors).toEqual([]);
  });

  test('the suites are sharded and the shards merged into one report with the guests', () => {
    const ci = readFileSync(join(workflowsDir, 'ci.yml'), 'utf8');
    expect(ci).toMatch(/vitest run suites\/ --shard=\$\{\{ matrix\.shard \}\}\/\$\{\{ strategy\.job-total \}\}/);
    expect(ci).toMatch(/cli\.ts merge-shards report\/claims\.json artifacts\/claims-shard-\*\/claims\.json/);
    expect(ci).toMatch(/npm run kernels/);
  });
});

describe('Vagrantfile', () => {
  const vagrant = which('vagrant');

  const validate = (dir: string): { status: number | null; output: string } => {
    const home = mkdtempSync(join(tmpdir(), 'nslab-vagrant-'));
    try {
      // Vagrant keeps its state in .vagrant/ and ~/.vagrant.d: both go to a throwaway place.
      const r = spawnSync('vagrant', ['validate', '--ignore-provider'], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          ...process.env,
          VAGRANT_HOME: join(home, 'home'),
          VAGRANT_DOTFILE_PATH: join(home, 'dot'),
          VAGRANT_CHECKPOINT_DISABLE: '1',
        },
      });
      return { status: r.status, output: `${r.stdout}${r.stderr}` };
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  };

  test('vagrant validate rejects a broken Vagrantfile', { timeout: 60_000 }, ({ skip }) => {
    if (!vagrant)
      return skip('vagrant is not installed (scripts/setup.d/40-kernel.sh installs it where the distribution has it)');
    const dir = mkdtempSync(join(tmpdir(), 'nslab-vagrantfile-'));
    try {
      writeFileSync(
        join(dir, 'Vagrantfile'),
        readFileSync(join(repo, 'Vagrantfile'), 'utf8').replace('config.vm.hostname', 'config.vm.no_such_setting'),
      );
      const r = validate(dir);
      expect(r.status, r.output).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('vagrant validate accepts the Vagrantfile', { timeout: 60_000 }, ({ skip }) => {
    if (!vagrant)
      return skip('vagrant is not installed (scripts/setup.d/40-kernel.sh installs it where the distribution has it)');
    const r = validate(repo);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/Vagrantfile validated successfully/);
  });

  test("the Vagrantfile provisions through the project's own setup and runs the suites", () => {
    const file = readFileSync(join(repo, 'Vagrantfile'), 'utf8');
    expect(file).toMatch(/npm ci/);
    expect(file).toMatch(/scripts\/setup\.sh/);
    expect(file).toMatch(/npm run claims/);
    // Ruby's own parser, where Ruby is there (Vagrant brings it).
    if (which('ruby'))
      expect(execFileSync('ruby', ['-c', join(repo, 'Vagrantfile')], { encoding: 'utf8' })).toMatch(/Syntax OK/);
  });
});
