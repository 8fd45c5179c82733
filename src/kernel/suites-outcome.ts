// Whether a guest's run of the claim suites worked as a run. A claim test that fails is a finding
// about that kernel, kept in the claims report, and so is a device-kinds test that fails (the
// kind differs there: the report's kinds table); anything else that makes Vitest exit non-zero
// (global setup or teardown, an unhandled error, a test that is no claim, a suite that did not
// load) means the run itself is broken, and its report cannot be trusted to be whole.
import type { GuestResult } from './run.ts';

const TAIL_LINES = 40;
// Vitest colours its output on the guest's console (CI is set), and hides the cursor.
const plain = (text: string): string => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

/** Vitest's lines that tell of a failure no test result carries, each with the line that follows it. */
function runErrors(lines: readonly string[]): string[] {
  return lines.flatMap((line, i) => {
    if (/^error during close\b/.test(line)) return [line];
    if (/⎯\s*(Unhandled Errors?|Startup Error|Failed Suites \d+)\s*⎯/.test(line)) {
      const next = lines.slice(i + 1).find((l) => l.trim() && !/^Vitest caught/.test(l));
      return [`${line.replace(/⎯+/g, '').trim()}: ${next?.trim() ?? ''}`];
    }
    return [];
  });
}

/**
 * Why the guest's suites run failed for a reason other than a claim that does not hold, or
 * undefined when it did not. expectedClaims are the IDs the report must have.
 */
export function suitesRunProblem(
  r: Pick<GuestResult, 'exitCode' | 'output' | 'report'>,
  expectedClaims: readonly string[] = [],
): string | undefined {
  const lines = plain(r.output).split('\n');
  const tail = `\n--- the guest's output (last lines) ---\n${lines.slice(-TAIL_LINES).join('\n')}`;
  if (!r.report) return `the suites (exit status ${r.exitCode}) wrote no claims report${tail}`;
  const ids = new Set(r.report.claims.map((c) => c.id));
  const missing = expectedClaims.filter((id) => !ids.has(id));
  if (missing.length)
    return `the claims report lacks ${missing.join(', ')}: their tests did not run (exit status ${r.exitCode})${tail}`;
  if (r.exitCode === 0) return undefined;
  const errors = runErrors(lines);
  // A kinds test counts once however many kinds it names; a claim test never names kinds.
  const failedFindings = new Set(
    [...r.report.claims.flatMap((c) => c.tests), ...(r.report.kinds ?? []).flatMap((k) => k.tests)]
      .filter((t) => t.state === 'failed')
      .map((t) => t.name),
  ).size;
  const failedTests = Number(/^\s*Tests\s+(\d+) failed/m.exec(lines.join('\n'))?.[1] ?? 0);
  if (errors.length === 0 && failedFindings > 0 && failedTests === failedFindings) return undefined;
  const why = errors.length
    ? errors.join('; ')
    : failedTests > failedFindings
      ? `${failedTests - failedFindings} failed test(s) are neither a claim's nor a device kind's`
      : 'no claim or device-kind test failed';
  return `the suites exited with status ${r.exitCode} for a reason other than a claim that does not hold: ${why}${tail}`;
}
