// The claims report across kernels and across shards. Each kernel's run leaves a ClaimsReport
// (the host's in report/claims.json, each guest's in report/kernels/<release>.json); this puts
// them side by side, one column per kernel, and calls out every claim whose verdict differs.
// Shards of one run (vitest --shard) are merged back into one report first. All of it is data;
// render.ts words it.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { claimOrder, withVerdicts } from './claims-reporter.ts';
import { mergeKinds, withStatuses } from './kinds.ts';
import type { ClaimRow, ClaimsReport, CrossKernel, KernelReport } from './report-types.ts';

export type { CrossKernel, CrossKernelRow, KernelReport } from './report-types.ts';

/** Reports of several shards of one suite run merged into one: the tests of each claim joined, its verdict recomputed. */
export function mergeShards(shards: readonly ClaimsReport[]): ClaimsReport {
  const kernels = [...new Set(shards.map((s) => s.kernel))];
  if (kernels.length > 1)
    throw new Error(`shards ran on different kernels (${kernels.join(', ')}): merge them as kernels, not shards`);
  const rows = new Map<string, Pick<ClaimRow, 'id' | 'tests'>>();
  for (const shard of shards) {
    for (const row of shard.claims) {
      const into = rows.get(row.id) ?? { id: row.id, tests: [] };
      const names = new Set(into.tests.map((t) => t.name));
      into.tests.push(...row.tests.filter((t) => !names.has(t.name)));
      rows.set(row.id, into);
    }
  }
  const generatedAt =
    shards
      .map((s) => s.generatedAt)
      .sort()
      .at(-1) ?? new Date().toISOString();
  return {
    kernel: kernels[0] ?? 'unknown',
    generatedAt,
    claims: withVerdicts(rows.values()),
    kinds: mergeKinds(shards.map((s) => s.kinds)),
  };
}

/** The host's report and every guest's in a report directory, host first. */
export function loadKernelReports(dir = 'report'): KernelReport[] {
  const reports: KernelReport[] = [];
  const host = join(dir, 'claims.json');
  if (existsSync(host)) reports.push({ source: 'host', ...(JSON.parse(readFileSync(host, 'utf8')) as ClaimsReport) });
  const kernelsDir = join(dir, 'kernels');
  const files = existsSync(kernelsDir)
    ? readdirSync(kernelsDir)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : [];
  for (const f of files) {
    reports.push(JSON.parse(readFileSync(join(kernelsDir, f), 'utf8')) as KernelReport);
  }
  return reports.map((r) => ({ ...r, claims: withVerdicts(r.claims), kinds: r.kinds && withStatuses(r.kinds) }));
}

/** Saves a guest's report as DIR/kernels/<release>.json, where loadKernelReports finds it. */
export function saveKernelReport(dir: string, report: KernelReport): string {
  mkdirSync(join(dir, 'kernels'), { recursive: true });
  const file = join(dir, 'kernels', `${report.kernel}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

/** Measured numbers and random MACs vary from run to run; they are not differences between kernels. */
const withoutNumbers = (s: string): string =>
  s
    .replace(/\b[0-9a-f]{2}(:[0-9a-f]{2}){5}\b/gi, 'MAC')
    .replace(/\b[0-9a-f]{4}\.[0-9a-f]{12}\b/gi, 'BRIDGE-ID')
    .replace(/\d+(\.\d+)?/g, 'N');

export function crossKernel(reports: readonly KernelReport[]): CrossKernel {
  const ids = [...new Set(reports.flatMap((r) => r.claims.map((c) => c.id)))].sort(
    (a, b) => claimOrder(a) - claimOrder(b),
  );
  const rows = ids.map((id) => {
    const verdicts = reports.map((r) => r.claims.find((c) => c.id === id)?.verdict);
    const kinds = new Set(verdicts.map((v) => v?.kind ?? 'absent'));
    const texts = new Set(verdicts.map((v) => withoutNumbers(`${v?.test ?? ''}\t${v?.note ?? ''}`)));
    return { id, verdicts, differs: kinds.size > 1, detailsDiffer: kinds.size === 1 && texts.size > 1 };
  });
  return {
    kernels: reports.map((r) => ({
      label: r.source === 'host' ? `host ${r.kernel}` : r.kernel,
      kernel: r.kernel,
      source: r.source,
    })),
    rows,
  };
}
