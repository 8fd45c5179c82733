// The claims report across kernels and across shards. Each kernel's run leaves a ClaimsReport
// (the host's in report/claims.json, each guest's in report/kernels/<release>.json); this puts
// them side by side, one column per kernel, and calls out every claim whose verdict differs.
// Shards of one run (vitest --shard) are merged back into one report first.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ClaimRow, type ClaimsReport, cell, claimOrder, verdictOf } from './claims-reporter.ts';

/** A kernel's report, with how it was produced when a guest ran it. */
export interface KernelReport extends ClaimsReport {
  /** 'host' for the machine's own kernel, else the guest kernel's image path. */
  source?: string;
  guest?: { accel: string; accelNote: string; exitCode: number; timings: Record<string, number> };
}

/** Reports of several shards of one suite run merged into one: the tests of each claim joined, its verdict recomputed. */
export function mergeShards(shards: readonly ClaimsReport[]): ClaimsReport {
  const kernels = [...new Set(shards.map((s) => s.kernel))];
  if (kernels.length > 1) throw new Error(`shards ran on different kernels (${kernels.join(', ')}): merge them as kernels, not shards`);
  const rows = new Map<string, ClaimRow>();
  for (const shard of shards) {
    for (const row of shard.claims) {
      const into = rows.get(row.id) ?? { id: row.id, verdict: '', tests: [] };
      const names = new Set(into.tests.map((t) => t.name));
      into.tests.push(...row.tests.filter((t) => !names.has(t.name)));
      rows.set(row.id, into);
    }
  }
  const generatedAt = shards.map((s) => s.generatedAt).sort().at(-1) ?? new Date().toISOString();
  return {
    kernel: kernels[0] ?? 'unknown',
    generatedAt,
    claims: [...rows.values()].sort((a, b) => claimOrder(a.id) - claimOrder(b.id)).map((r) => ({ ...r, verdict: verdictOf(r.tests) })),
  };
}

/** The host's report and every guest's in a report directory, host first. */
export function loadKernelReports(dir = 'report'): KernelReport[] {
  const reports: KernelReport[] = [];
  const host = join(dir, 'claims.json');
  if (existsSync(host)) reports.push({ source: 'host', ...(JSON.parse(readFileSync(host, 'utf8')) as ClaimsReport) });
  const kernelsDir = join(dir, 'kernels');
  const files = existsSync(kernelsDir) ? readdirSync(kernelsDir).filter((f) => f.endsWith('.json')).sort() : [];
  for (const f of files) {
    reports.push(JSON.parse(readFileSync(join(kernelsDir, f), 'utf8')) as KernelReport);
  }
  return reports;
}

/** Saves a guest's report as DIR/kernels/<release>.json, where loadKernelReports finds it. */
export function saveKernelReport(dir: string, report: KernelReport): string {
  mkdirSync(join(dir, 'kernels'), { recursive: true });
  const file = join(dir, 'kernels', `${report.kernel}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

/** What kind of verdict: holds, nuance, does-not-hold, skipped, failed or absent. */
export function verdictKind(verdict: string | undefined): string {
  if (verdict === undefined) return 'absent';
  if (verdict === 'holds') return 'holds';
  if (verdict.startsWith('holds with a nuance')) return 'nuance';
  if (verdict.startsWith('does not hold')) return 'does-not-hold';
  if (verdict.startsWith('skipped')) return 'skipped';
  return 'failed';
}

/** Measured numbers and random MACs vary from run to run; they are not differences between kernels. */
const withoutNumbers = (s: string): string =>
  s.replace(/\b[0-9a-f]{2}(:[0-9a-f]{2}){5}\b/gi, 'MAC').replace(/\b[0-9a-f]{4}\.[0-9a-f]{12}\b/gi, 'BRIDGE-ID').replace(/\d+(\.\d+)?/g, 'N');

export interface CrossKernelRow {
  id: string;
  verdicts: Array<string | undefined>;
  /** The verdict's kind differs between kernels (holds here, fails there, ...). */
  differs: boolean;
  /** Same kinds but different wording (a nuance that reads differently), numbers aside. */
  detailsDiffer: boolean;
}

export interface CrossKernel {
  kernels: Array<{ label: string; kernel: string; source?: string }>;
  rows: CrossKernelRow[];
}

export function crossKernel(reports: readonly KernelReport[]): CrossKernel {
  const ids = [...new Set(reports.flatMap((r) => r.claims.map((c) => c.id)))].sort((a, b) => claimOrder(a) - claimOrder(b));
  const rows = ids.map((id) => {
    const verdicts = reports.map((r) => r.claims.find((c) => c.id === id)?.verdict);
    const kinds = new Set(verdicts.map(verdictKind));
    const texts = new Set(verdicts.map((v) => withoutNumbers(v ?? '')));
    return { id, verdicts, differs: kinds.size > 1, detailsDiffer: kinds.size === 1 && texts.size > 1 };
  });
  return {
    kernels: reports.map((r) => ({ label: r.source === 'host' ? `host ${r.kernel}` : r.kernel, kernel: r.kernel, ...(r.source ? { source: r.source } : {}) })),
    rows,
  };
}

const short = (verdict: string | undefined): string => {
  const kind = verdictKind(verdict);
  return kind === 'does-not-hold' ? 'does not hold' : kind === 'nuance' ? 'holds, nuance' : kind;
};

export function renderCrossKernelMarkdown(x: CrossKernel, reports: readonly KernelReport[] = []): string {
  const lines = [
    '# Claims across kernels',
    '',
    `One column per kernel; "host" is the machine's own kernel, the others ran in a QEMU guest (npm run kernels). Full verdicts and observed values: report/claims.md (host) and report/kernels/<release>.json.`,
    '',
    `| claim | ${x.kernels.map((k) => cell(k.label)).join(' | ')} | same everywhere? |`,
    `| --- | ${x.kernels.map(() => '---').join(' | ')} | --- |`,
    ...x.rows.map((r) => `| ${r.id} | ${r.verdicts.map((v) => short(v)).join(' | ')} | ${r.differs ? '**differs**' : r.detailsDiffer ? 'details differ' : 'yes'} |`),
    '',
  ];
  const diffs = x.rows.filter((r) => r.differs || r.detailsDiffer);
  lines.push('## Differences', '');
  if (diffs.length === 0) lines.push('None: every claim has the same verdict on every kernel.', '');
  for (const r of diffs) {
    lines.push(`- **${r.id}**${r.differs ? '' : ' (same verdict, different details)'}:`);
    r.verdicts.forEach((v, i) => lines.push(`  - ${x.kernels[i]?.label}: ${v ?? 'not run'}`));
  }
  const guests = reports.filter((r) => r.guest);
  if (guests.length) {
    lines.push('', '## Guest runs', '');
    for (const g of guests) {
      const t = g.guest?.timings ?? {};
      const s = (ms: number | undefined): string => (ms === undefined ? '?' : `${(ms / 1000).toFixed(1)} s`);
      lines.push(`- ${g.kernel} (${g.guest?.accelNote}): exit status ${g.guest?.exitCode}; boot to command ${s(t.bootMs)}, to first test result ${s(t.firstResultMs)}, whole run ${s(t.totalMs)}`);
    }
  }
  lines.push('');
  return lines.join('\n');
}

/** The cross-kernel table for a terminal: one line per claim, differences marked with "!". */
export function renderCrossKernelText(x: CrossKernel): string {
  const widths = x.kernels.map((k, i) => Math.max(k.label.length, ...x.rows.map((r) => short(r.verdicts[i]).length)));
  const idWidth = Math.max(5, ...x.rows.map((r) => r.id.length));
  const line = (mark: string, id: string, cells: string[]): string => `${mark} ${id.padEnd(idWidth)}  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  const out = [line(' ', 'claim', x.kernels.map((k) => k.label)), ...x.rows.map((r) => line(r.differs ? '!' : r.detailsDiffer ? '~' : ' ', r.id, r.verdicts.map(short)))];
  const diffs = x.rows.filter((r) => r.differs);
  out.push('', diffs.length ? `! = the verdict differs between kernels (${diffs.map((r) => r.id).join(', ')}); ~ = same verdict, different details` : 'The verdicts are the same on every kernel.');
  return `${out.join('\n')}\n`;
}
