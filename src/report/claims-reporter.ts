// A Vitest reporter that turns the suites' claim tests into the claims report: a row per claim
// of ../shared/claims.md with its verdict on this kernel and the values observed, written to
// report/claims.json and report/claims.md and printed at the end of the run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import type { ClaimRecord, Verdict } from './claim.ts';

export interface ClaimRow {
  id: string;
  /** holds | holds with a nuance: … | does not hold on this kernel: … | skipped: … | failed: … */
  verdict: string;
  tests: Array<{ name: string; state: string; verdict?: Verdict; note?: string; observed: Record<string, unknown> }>;
}

export interface ClaimsReport {
  kernel: string;
  generatedAt: string;
  claims: ClaimRow[];
}

const CLAIM_ID = /^([CXE]\d+)\b/;

export function verdictOf(tests: ClaimRow['tests']): string {
  const failed = tests.find((t) => t.state === 'failed');
  if (failed) return `failed: ${failed.name}${failed.note ? ` (${failed.note})` : ''}`;
  const ran = tests.filter((t) => t.state === 'passed');
  if (ran.length === 0) return `skipped: ${tests.map((t) => t.note).find(Boolean) ?? 'no reason given'}`;
  const notHolding = ran.filter((t) => t.verdict === 'does-not-hold');
  if (notHolding.length) return `does not hold on this kernel: ${notHolding.map((t) => t.note).join('; ')}`;
  const nuances = ran.filter((t) => t.verdict === 'nuance');
  if (nuances.length) return `holds with a nuance: ${nuances.map((t) => t.note).join('; ')}`;
  return 'holds';
}

/** Sort key of a claim ID: the document's C1..Cn, then X1..Xn beyond it, then end-to-end scenarios E1..En. */
export const claimOrder = (id: string): number => 'CXE'.indexOf(id[0]!) * 1000 + Number(id.slice(1));

function collect(modules: ReadonlyArray<TestModule>): ClaimRow[] {
  const rows = new Map<string, ClaimRow>();
  for (const mod of modules) {
    for (const test of mod.children.allTests()) {
      const id = CLAIM_ID.exec(test.name)?.[1];
      if (!id) continue;
      const result = test.result();
      const meta = test.meta() as { claim?: ClaimRecord };
      const record = meta.claim;
      const note = result.state === 'skipped' ? result.note : result.state === 'failed' ? result.errors?.[0]?.message.split('\n')[0] : record?.note;
      const row = rows.get(id) ?? { id, verdict: '', tests: [] };
      row.tests.push({
        name: test.name,
        state: result.state,
        ...(note ? { note } : {}),
        ...(record?.verdict ? { verdict: record.verdict } : {}),
        observed: record?.observed ?? {},
      });
      rows.set(id, row);
    }
  }
  return [...rows.values()].sort((a, b) => claimOrder(a.id) - claimOrder(b.id)).map((r) => ({ ...r, verdict: verdictOf(r.tests) }));
}

export const cell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

function observedText(row: ClaimRow): string {
  return row.tests
    .flatMap((t) => Object.entries(t.observed).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`))
    .join('; ');
}

export function renderMarkdown(report: ClaimsReport): string {
  return [
    `# Claims report`,
    '',
    `Kernel ${report.kernel}, ${report.generatedAt}. Each row is a claim of shared/claims.md reproduced on this kernel; values were read from the kernel.`,
    '',
    '| claim | verdict | observed |',
    '| --- | --- | --- |',
    ...report.claims.map((r) => `| ${r.id} | ${cell(r.verdict)} | ${cell(observedText(r))} |`),
    '',
  ].join('\n');
}

export default class ClaimsReporter implements Reporter {
  private readonly outDir: string;

  constructor(options: { outDir?: string } = {}) {
    // NSLAB_REPORT_DIR: the kernel runner's guest writes to its result share (src/kernel/run.ts).
    this.outDir = options.outDir ?? process.env.NSLAB_REPORT_DIR ?? 'report';
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const claims = collect(modules);
    if (claims.length === 0) return;
    const report: ClaimsReport = { kernel: release(), generatedAt: new Date().toISOString(), claims };
    mkdirSync(this.outDir, { recursive: true });
    writeFileSync(join(this.outDir, 'claims.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(this.outDir, 'claims.md'), renderMarkdown(report));
    const width = Math.max(...claims.map((c) => c.id.length));
    const lines = claims.map((c) => `  ${c.id.padEnd(width)}  ${c.verdict}${observedText(c) ? `\n  ${' '.repeat(width)}  observed: ${observedText(c)}` : ''}`);
    process.stdout.write(`\nClaims on kernel ${report.kernel} (report/claims.md, report/claims.json):\n${lines.join('\n')}\n\n`);
  }
}
