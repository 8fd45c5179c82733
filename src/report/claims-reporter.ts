// A Vitest reporter that turns the suites' claim tests into the claims report: a row per claim
// of ../shared/claims.md with its verdict on this kernel and the values observed, written to
// report/claims.json and report/claims.md and printed at the end of the run. The verdict stays
// data ({ kind, note }) in the JSON; words for it are chosen only by the renderers (render.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import type { ClaimRecord } from './claim.ts';
import { collectKinds } from './kinds.ts';
import { renderClaimsMarkdown, renderClaimsText, renderKindsText } from './render.ts';
import type { ClaimRow, ClaimsReport, ClaimVerdict } from './report-types.ts';

export type { ClaimRow, ClaimsReport, ClaimVerdict } from './report-types.ts';

const CLAIM_ID = /^([CXE]\d+)\b/;

const joined = (notes: Array<string | undefined>): string | undefined => notes.filter(Boolean).join('; ') || undefined;
const withNote = (kind: ClaimVerdict['kind'], note: string | undefined): ClaimVerdict =>
  note ? { kind, note } : { kind };

/** A claim's verdict from its tests: a failure outweighs a skip, which outweighs "does not hold", then a nuance. */
export function verdictOf(tests: ClaimRow['tests']): ClaimVerdict {
  const failed = tests.find((t) => t.state === 'failed');
  if (failed) return { ...withNote('failed', failed.note), test: failed.name };
  const ran = tests.filter((t) => t.state === 'passed');
  if (ran.length === 0) return withNote('skipped', tests.map((t) => t.note).find(Boolean));
  const notHolding = ran.filter((t) => t.verdict === 'does-not-hold');
  if (notHolding.length) return withNote('does-not-hold', joined(notHolding.map((t) => t.note)));
  const nuances = ran.filter((t) => t.verdict === 'nuance');
  if (nuances.length) return withNote('nuance', joined(nuances.map((t) => t.note)));
  return { kind: 'holds' };
}

/** Sort key of a claim ID: the document's C1..Cn, then X1..Xn beyond it, then end-to-end scenarios E1..En. */
export const claimOrder = (id: string): number => 'CXE'.indexOf(id[0]!) * 1000 + Number(id.slice(1));

/**
 * Claims in report order, each with the verdict its tests give. The verdict is always derived
 * from the tests, never taken from a file: merged shards and reports written by an older nslab
 * get the same verdict as a fresh run would.
 */
export function withVerdicts(rows: Iterable<Pick<ClaimRow, 'id' | 'tests'>>): ClaimRow[] {
  return [...rows]
    .sort((a, b) => claimOrder(a.id) - claimOrder(b.id))
    .map((r) => ({ id: r.id, verdict: verdictOf(r.tests), tests: r.tests }));
}

function collect(modules: ReadonlyArray<TestModule>): ClaimRow[] {
  const rows = new Map<string, Pick<ClaimRow, 'id' | 'tests'>>();
  for (const mod of modules) {
    for (const test of mod.children.allTests()) {
      const id = CLAIM_ID.exec(test.name)?.[1];
      if (!id) continue;
      const result = test.result();
      const meta = test.meta() as { claim?: ClaimRecord };
      const record = meta.claim;
      const note =
        result.state === 'skipped'
          ? result.note
          : result.state === 'failed'
            ? result.errors?.[0]?.message.split('\n')[0]
            : record?.note;
      const row = rows.get(id) ?? { id, tests: [] };
      row.tests.push({
        name: test.name,
        state: result.state,
        note: note || undefined,
        verdict: record?.verdict,
        observed: record?.observed ?? {},
      });
      rows.set(id, row);
    }
  }
  return withVerdicts(rows.values());
}

export default class ClaimsReporter implements Reporter {
  private readonly outDir: string;

  constructor(options: { outDir?: string } = {}) {
    // NSLAB_REPORT_DIR: the kernel runner's guest writes to its result share (src/kernel/run.ts).
    this.outDir = options.outDir ?? process.env.NSLAB_REPORT_DIR ?? 'report';
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const claims = collect(modules);
    const kinds = collectKinds(modules);
    if (claims.length === 0 && kinds.length === 0) return;
    const report: ClaimsReport = { kernel: release(), generatedAt: new Date().toISOString(), claims, kinds };
    mkdirSync(this.outDir, { recursive: true });
    writeFileSync(join(this.outDir, 'claims.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(this.outDir, 'claims.md'), renderClaimsMarkdown(report));
    process.stdout.write(
      `\nClaims on kernel ${report.kernel} (report/claims.md, report/claims.json):\n${renderClaimsText(report)}\n` +
        (kinds.length ? `Device kinds on kernel ${report.kernel}:\n${renderKindsText(kinds)}\n` : ''),
    );
  }
}
