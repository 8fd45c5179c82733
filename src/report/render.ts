// Words for the claims reports. Everything else keeps a verdict as data ({ kind, note }); these
// renderers are the edge where it becomes text, one per medium (Markdown for the files, plain
// text for the terminal), so another medium is another function here and nothing else changes.
import type {
  ClaimRow,
  ClaimsReport,
  ClaimVerdict,
  CrossKernel,
  CrossKinds,
  KernelReport,
  KindRow,
} from './report-types.ts';

/** The verdict in full: "holds", "holds with a nuance: …", "does not hold on this kernel: …", "skipped: …", "failed: TEST (…)". */
export function verdictText(v: ClaimVerdict | undefined): string {
  if (v === undefined) return 'not run';
  switch (v.kind) {
    case 'holds':
      return 'holds';
    case 'nuance':
      return `holds with a nuance: ${v.note ?? ''}`;
    case 'does-not-hold':
      return `does not hold on this kernel: ${v.note ?? ''}`;
    case 'skipped':
      return `skipped: ${v.note ?? 'no reason given'}`;
    case 'failed':
      return `failed: ${v.test ?? ''}${v.note ? ` (${v.note})` : ''}`;
  }
}

/** The verdict in a table cell of the cross-kernel report: its kind only. */
export function verdictShort(v: ClaimVerdict | undefined): string {
  if (v === undefined) return 'absent';
  return v.kind === 'does-not-hold' ? 'does not hold' : v.kind === 'nuance' ? 'holds, nuance' : v.kind;
}

/** Text made safe for a cell of a Markdown table. */
export const cell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

function observedText(row: ClaimRow): string {
  return row.tests
    .flatMap((t) => Object.entries(t.observed).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`))
    .join('; ');
}

/** One kernel's claims report as Markdown (report/claims.md). */
export function renderClaimsMarkdown(report: ClaimsReport): string {
  return [
    `# Claims report`,
    '',
    `Kernel ${report.kernel}, ${report.generatedAt}. Each row is a claim of shared/claims.md reproduced on this kernel; values were read from the kernel.`,
    '',
    '| claim | verdict | observed |',
    '| --- | --- | --- |',
    ...report.claims.map((r) => `| ${r.id} | ${cell(verdictText(r.verdict))} | ${cell(observedText(r))} |`),
    '',
    ...(report.kinds?.length
      ? [
          '## Device kinds',
          '',
          'From the tests that declare the kinds they need (test/kinds/): works where they pass, missing where the kernel lacks the kind, differs where a test failed.',
          '',
          '| kind | status | tests |',
          '| --- | --- | --- |',
          ...report.kinds.map((k) => `| ${k.kind} | ${cell(kindText(k))} | ${k.tests.length} |`),
          '',
        ]
      : []),
  ].join('\n');
}

/** A kind's status in full: "works", "missing: REASON", "differs: TEST: FAILURE". */
export function kindText(k: KindRow | undefined): string {
  if (k === undefined) return 'not run';
  return k.note && k.status !== 'works' ? `${k.status}: ${k.note}` : k.status;
}

/** One kernel's device kinds for a terminal: a line per kind. */
export function renderKindsText(kinds: readonly KindRow[]): string {
  const width = Math.max(...kinds.map((k) => k.kind.length));
  return `${kinds.map((k) => `  ${k.kind.padEnd(width)}  ${kindText(k)}`).join('\n')}\n`;
}

/** The device kinds of several kernels side by side, as Markdown, each difference spelled out. */
export function renderCrossKindsMarkdown(x: CrossKinds): string[] {
  if (x.rows.length === 0) return [];
  const lines = [
    '## Device kinds across kernels',
    '',
    `| kind | ${x.kernels.map(cell).join(' | ')} | same everywhere? |`,
    `| --- | ${x.kernels.map(() => '---').join(' | ')} | --- |`,
    ...x.rows.map(
      (r) =>
        `| ${r.kind} | ${r.cells.map((c) => c?.status ?? 'not run').join(' | ')} | ${r.differs ? '**differs**' : 'yes'} |`,
    ),
    '',
  ];
  for (const r of x.rows.filter((row) => row.cells.some((c) => c?.note))) {
    lines.push(`- **${r.kind}**:`);
    r.cells.forEach((c, i) => lines.push(`  - ${x.kernels[i]}: ${kindText(c)}`));
  }
  return [...lines, ''];
}

/** The device kinds of several kernels for a terminal, differences marked with "!". */
export function renderCrossKindsText(x: CrossKinds): string {
  if (x.rows.length === 0) return '';
  const widths = x.kernels.map((k, i) =>
    Math.max(k.length, ...x.rows.map((r) => (r.cells[i]?.status ?? 'not run').length)),
  );
  const kindWidth = Math.max(4, ...x.rows.map((r) => r.kind.length));
  const line = (mark: string, kind: string, cells: string[]): string =>
    `${mark} ${kind.padEnd(kindWidth)}  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  return `${[
    line(' ', 'kind', x.kernels),
    ...x.rows.map((r) =>
      line(
        r.differs ? '!' : ' ',
        r.kind,
        r.cells.map((c) => c?.status ?? 'not run'),
      ),
    ),
  ].join('\n')}\n`;
}

/** One kernel's claims for a terminal: a line per claim, the observed values on a line below. */
export function renderClaimsText(report: ClaimsReport): string {
  const width = Math.max(...report.claims.map((c) => c.id.length));
  const lines = report.claims.map((c) => {
    const observed = observedText(c);
    return `  ${c.id.padEnd(width)}  ${verdictText(c.verdict)}${observed ? `\n  ${' '.repeat(width)}  observed: ${observed}` : ''}`;
  });
  return `${lines.join('\n')}\n`;
}

/** The claims of several kernels side by side, with every difference spelled out, as Markdown. */
export function renderCrossKernelMarkdown(
  x: CrossKernel,
  reports: readonly KernelReport[] = [],
  kinds?: CrossKinds,
): string {
  const lines = [
    '# Claims across kernels',
    '',
    `One column per kernel; "host" is the machine's own kernel, the others ran in a QEMU guest (npm run kernels). Full verdicts and observed values: report/claims.md (host) and report/kernels/<release>.json.`,
    '',
    `| claim | ${x.kernels.map((k) => cell(k.label)).join(' | ')} | same everywhere? |`,
    `| --- | ${x.kernels.map(() => '---').join(' | ')} | --- |`,
    ...x.rows.map(
      (r) =>
        `| ${r.id} | ${r.verdicts.map(verdictShort).join(' | ')} | ${r.differs ? '**differs**' : r.detailsDiffer ? 'details differ' : 'yes'} |`,
    ),
    '',
  ];
  const diffs = x.rows.filter((r) => r.differs || r.detailsDiffer);
  lines.push('## Differences', '');
  if (diffs.length === 0) lines.push('None: every claim has the same verdict on every kernel.', '');
  for (const r of diffs) {
    lines.push(`- **${r.id}**${r.differs ? '' : ' (same verdict, different details)'}:`);
    r.verdicts.forEach((v, i) => lines.push(`  - ${x.kernels[i]?.label}: ${verdictText(v)}`));
  }
  if (kinds) lines.push('', ...renderCrossKindsMarkdown(kinds));
  const guests = reports.filter((r) => r.guest);
  if (guests.length) {
    lines.push('', '## Guest runs', '');
    for (const g of guests) {
      const t = g.guest?.timings ?? {};
      const s = (ms: number | undefined): string => (ms === undefined ? '?' : `${(ms / 1000).toFixed(1)} s`);
      lines.push(
        `- ${g.kernel} (${g.guest?.accelNote}): exit status ${g.guest?.exitCode}; boot to command ${s(t.bootMs)}, to first test result ${s(t.firstResultMs)}, whole run ${s(t.totalMs)}`,
      );
    }
  }
  lines.push('');
  return lines.join('\n');
}

/** The cross-kernel table for a terminal: one line per claim, differences marked with "!". */
export function renderCrossKernelText(x: CrossKernel): string {
  const widths = x.kernels.map((k, i) =>
    Math.max(k.label.length, ...x.rows.map((r) => verdictShort(r.verdicts[i]).length)),
  );
  const idWidth = Math.max(5, ...x.rows.map((r) => r.id.length));
  const line = (mark: string, id: string, cells: string[]): string =>
    `${mark} ${id.padEnd(idWidth)}  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  const out = [
    line(
      ' ',
      'claim',
      x.kernels.map((k) => k.label),
    ),
    ...x.rows.map((r) => line(r.differs ? '!' : r.detailsDiffer ? '~' : ' ', r.id, r.verdicts.map(verdictShort))),
  ];
  const diffs = x.rows.filter((r) => r.differs);
  out.push(
    '',
    diffs.length
      ? `! = the verdict differs between kernels (${diffs.map((r) => r.id).join(', ')}); ~ = same verdict, different details`
      : 'The verdicts are the same on every kernel.',
  );
  return `${out.join('\n')}\n`;
}
