#!/usr/bin/env node
// `nslab kernels` (npm run kernels): runs the claim suites, or any command, under other kernels in
// QEMU guests and reports the claims side by side with the host's.
//
//   nslab kernels [run] [--kernel PATH|RELEASE]... [--host] [options] [-- command args...]
//   nslab kernels list                       the kernels --kernel takes
//   nslab kernels fetch [NAME]...            unpacks Debian's kernels (default: 6.1 and 6.12)
//   nslab kernels report [--report-dir DIR]  the cross-kernel table of the reports already there
//   nslab kernels merge-shards OUT IN...     one report from the claims.json of several shards
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ClaimsReport } from '../report/claims-reporter.ts';
import { crossKernel, loadKernelReports, mergeShards, saveKernelReport } from '../report/kernels.ts';
import { crossKernelKinds } from '../report/kinds.ts';
import {
  renderClaimsMarkdown,
  renderCrossKernelMarkdown,
  renderCrossKernelText,
  renderCrossKindsText,
} from '../report/render.ts';
import { KernelRunnerError } from './errors.ts';
import { DEBIAN_KERNELS, DEFAULT_GUEST_KERNELS, debianKernel, guestKernels } from './debian.ts';
import { availableKernels } from './select.ts';
import { guestKernelReport, REPORT_TESTS, runGuest } from './run.ts';
import { suitesRunProblem } from './suites-outcome.ts';

const USAGE = `usage: nslab kernels [run] [--kernel NAME|RELEASE|PATH]... [--modules DIR] [--host] [--accel auto|kvm|tcg]
                    [--timeout SECONDS] [--boot-timeout SECONDS] [--boot-retries N] [--memory MIB]
                    [--cpus N] [--append KERNEL-ARGS] [--report-dir DIR] [--console] [-- COMMAND ARGS...]
       nslab kernels list | fetch [NAME]... | report [--report-dir DIR] | merge-shards OUT.json IN.json...

A kernel is a Debian short name (${Object.keys(DEBIAN_KERNELS).join(', ')}: unpacked from its package
on first use, never installed), a release unpacked or in /boot, or the path of a bzImage or vmlinux
(--modules: the directory holding its lib/modules/RELEASE, if not beside it).
Without a command, runs the claim suites and the device-kinds tests (vitest run suites/
test/kinds/) in each kernel's guest (default: NSLAB_GUEST_KERNELS, else ${DEFAULT_GUEST_KERNELS.join(' and ')}), saves each report as
DIR/kernels/<release>.json and prints the claims and the kinds side by side with the host's
DIR/claims.json. --host runs them on the host first.
With a command, runs it in the guest and exits with its status. --console shows the guest's
whole console (kernel messages included) instead of the command's output only.`;

function printCrossKernel(dir: string): boolean {
  const reports = loadKernelReports(dir);
  if (reports.length === 0) return false;
  const x = crossKernel(reports);
  const kinds = crossKernelKinds(reports);
  writeFileSync(join(dir, 'kernels.md'), renderCrossKernelMarkdown(x, reports, kinds));
  process.stdout.write(`\nClaims across kernels (${join(dir, 'kernels.md')}):\n${renderCrossKernelText(x)}\n`);
  if (kinds.rows.length) process.stdout.write(`Device kinds across kernels:\n${renderCrossKindsText(kinds)}\n`);
  return true;
}

async function run(argv: string[]): Promise<number> {
  const dash = argv.indexOf('--');
  const command = dash >= 0 ? argv.slice(dash + 1) : undefined;
  const { values } = parseArgs({
    args: dash >= 0 ? argv.slice(0, dash) : argv,
    options: {
      kernel: { type: 'string', multiple: true },
      modules: { type: 'string' },
      host: { type: 'boolean' },
      accel: { type: 'string', default: 'auto' },
      timeout: { type: 'string', default: '1800' },
      'boot-timeout': { type: 'string', default: '60' },
      'boot-retries': { type: 'string', default: '2' },
      memory: { type: 'string', default: '2048' },
      cpus: { type: 'string', default: '2' },
      append: { type: 'string' },
      'report-dir': { type: 'string', default: 'report' },
      console: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!['auto', 'kvm', 'tcg'].includes(values.accel))
    throw new KernelRunnerError(`--accel must be auto, kvm or tcg, not ${values.accel}`);
  const dir = values['report-dir'];
  let status = 0;
  if (values.host && !command) {
    process.stderr.write('nslab kernels: the suites and the device kinds on the host kernel\n');
    // The repository's Vitest with its reporter writes DIR/claims.json.
    const host = spawnSync('vitest', ['run', ...REPORT_TESTS], {
      stdio: 'inherit',
      env: { ...process.env, NSLAB_REPORT_DIR: dir },
    });
    if (host.error) throw host.error;
    status ||= host.status ?? 1;
  }
  for (const kernel of values.kernel?.length ? values.kernel : guestKernels()) {
    process.stderr.write(`nslab kernels: ${command ? command.join(' ') : 'the suites'} under ${kernel}\n`);
    const result = await runGuest({
      kernel,
      modulesRoot: values.modules,
      command,
      accel: values.accel as 'auto',
      timeoutMs: Number(values.timeout) * 1000,
      bootTimeoutMs: Number(values['boot-timeout']) * 1000,
      bootRetries: Number(values['boot-retries']),
      memoryMiB: Number(values.memory),
      cpus: Number(values.cpus),
      append: values.append,
      // --console: the kernel's messages too, for a guest that does not boot.
      ...(values.console
        ? { onConsole: (text: string) => process.stdout.write(text) }
        : { onOutput: (line: string) => process.stdout.write(line) }),
      onNote: (note) => process.stderr.write(`nslab kernels: ${note}\n`),
    });
    const t = result.timings;
    process.stderr.write(
      `nslab kernels: ${result.kernel.release} under ${result.accel.toUpperCase()}: exit status ${result.exitCode}; boot ${(t.bootMs / 1000).toFixed(1)} s` +
        `${t.firstResultMs !== undefined ? `, first test result at ${(t.firstResultMs / 1000).toFixed(1)} s` : ''}, total ${(t.totalMs / 1000).toFixed(1)} s` +
        `${t.attempts > 1 ? ` (${t.attempts} boots)` : ''}\n`,
    );
    const report = command ? undefined : guestKernelReport(result);
    if (report) saveKernelReport(dir, report);
    status ||= result.exitCode;
    // Said apart from the claims, which a broken run cannot be trusted to report whole.
    const problem = command ? undefined : suitesRunProblem(result);
    if (problem) {
      process.stderr.write(`nslab kernels: ${result.kernel.release}: ${problem.split('\n')[0]}\n`);
      status ||= 1;
    }
  }
  if (!command) printCrossKernel(dir);
  return status;
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv[0] === 'kernels' ? argv.slice(1) : argv;
  switch (first) {
    case 'list':
      for (const k of availableKernels()) process.stdout.write(`${k}\n`);
      return 0;
    case 'fetch':
      for (const name of rest.length ? rest : DEFAULT_GUEST_KERNELS) {
        const k = debianKernel(name, {
          refresh: true,
          onNote: (note) => process.stderr.write(`nslab kernels: ${note}\n`),
        });
        process.stdout.write(`${name}\t${k.release}\t${k.image}\n`);
      }
      return 0;
    case 'report': {
      const { values } = parseArgs({ args: rest, options: { 'report-dir': { type: 'string', default: 'report' } } });
      if (!printCrossKernel(values['report-dir']))
        throw new KernelRunnerError(`no reports in ${values['report-dir']}: run npm run claims first`);
      return 0;
    }
    case 'merge-shards': {
      const [out, ...inputs] = rest;
      if (!out || inputs.length === 0)
        throw new KernelRunnerError('usage: nslab kernels merge-shards OUT.json IN.json...');
      const merged = mergeShards(inputs.map((f) => JSON.parse(readFileSync(f, 'utf8')) as ClaimsReport));
      writeFileSync(out, `${JSON.stringify(merged, null, 2)}\n`);
      writeFileSync(out.replace(/(\.json)?$/, '.md'), renderClaimsMarkdown(merged));
      process.stdout.write(
        `merged ${inputs.length} shards: ${merged.claims.length} claims on ${merged.kernel} -> ${out}\n`,
      );
      return 0;
    }
    case 'run':
      return run(rest);
    default:
      return run(first === undefined ? [] : [first, ...rest]);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(
    `nslab kernels: ${e instanceof KernelRunnerError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? (e as Error).message : ((e as Error).stack ?? String(e))}\n`,
  );
  process.exitCode = 2;
}
