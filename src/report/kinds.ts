// The claims report's companion table: which device kinds work on a kernel, generated from the
// results of the tests that declare the kinds they need (Vitest meta `kinds`, test/helpers/kinds.ts)
// and never written by hand. A kind works where its tests pass, is missing where they were
// skipped because the kernel lacks it, and differs where the kernel has it but a test failed.
import type { TestModule } from 'vitest/node';
import type { CrossKinds, KindRow, KindTest, KernelReport } from './report-types.ts';

/** A kind's status from its tests: a failure outweighs a pass, which outweighs a skip. */
export function kindStatus(tests: readonly KindTest[]): Pick<KindRow, 'status' | 'note'> {
  const failed = tests.find((t) => t.state === 'failed');
  if (failed) return { status: 'differs', note: `${failed.name}${failed.note ? `: ${failed.note}` : ''}` };
  if (tests.some((t) => t.state === 'passed')) return { status: 'works' };
  return { status: 'missing', note: tests.map((t) => t.note).find(Boolean) };
}

/** Rows sorted by kind, each with the status its tests give (recomputed, as for claims, never read from a file). */
export function withStatuses(rows: Iterable<Pick<KindRow, 'kind' | 'tests'>>): KindRow[] {
  return [...rows]
    .sort((a, b) => a.kind.localeCompare(b.kind))
    .map((r) => ({ kind: r.kind, ...kindStatus(r.tests), tests: r.tests }));
}

/** Joins the tests of each kind across reports of one kernel (shards of one run). */
export function mergeKinds(lists: ReadonlyArray<readonly KindRow[] | undefined>): KindRow[] {
  const rows = new Map<string, Pick<KindRow, 'kind' | 'tests'>>();
  for (const row of lists.flatMap((l) => l ?? [])) {
    const into = rows.get(row.kind) ?? { kind: row.kind, tests: [] };
    const names = new Set(into.tests.map((t) => t.name));
    into.tests.push(...row.tests.filter((t) => !names.has(t.name)));
    rows.set(row.kind, into);
  }
  return withStatuses(rows.values());
}

/** The kinds rows of a finished run: every test with meta.kinds counts for each kind it names. */
export function collectKinds(modules: ReadonlyArray<TestModule>): KindRow[] {
  const rows = new Map<string, Pick<KindRow, 'kind' | 'tests'>>();
  for (const mod of modules) {
    for (const test of mod.children.allTests()) {
      const { kinds } = test.meta() as { kinds?: unknown };
      if (!Array.isArray(kinds)) continue;
      const result = test.result();
      const note =
        result.state === 'skipped'
          ? result.note
          : result.state === 'failed'
            ? result.errors?.[0]?.message.split('\n')[0]
            : undefined;
      const named = kinds.filter((k): k is string => typeof k === 'string');
      // A test skipped for want of one of its kinds says nothing of the others ("bond" missing
      // does not make the bridge it also needs missing); a skip naming none counts for all.
      const lacking = result.state === 'skipped' ? named.filter((k) => note?.includes(`"${k}"`)) : [];
      for (const kind of lacking.length ? lacking : named) {
        const row = rows.get(kind) ?? { kind, tests: [] };
        row.tests.push({ name: test.fullName, state: result.state, note: note || undefined });
        rows.set(kind, row);
      }
    }
  }
  return withStatuses(rows.values());
}

/** The kinds of several kernels side by side; a row differs when its status is not the same everywhere. */
export function crossKernelKinds(reports: readonly KernelReport[]): CrossKinds {
  const kinds = [...new Set(reports.flatMap((r) => (r.kinds ?? []).map((k) => k.kind)))].sort();
  return {
    kernels: reports.map((r) => (r.source === 'host' ? `host ${r.kernel}` : r.kernel)),
    rows: kinds.map((kind) => {
      const cells = reports.map((r) => r.kinds?.find((k) => k.kind === kind));
      return { kind, cells, differs: new Set(cells.map((c) => c?.status ?? 'absent')).size > 1 };
    }),
  };
}
