// How a suite test records what it saw for the claims report: values read from the kernel
// and, where the kernel differs from the document, a verdict in plain words. Stored in the
// task's metadata, which Vitest hands to reporters (src/report/claims-reporter.ts).
import type { RunnerTestCase } from 'vitest';

export type Verdict = 'holds' | 'nuance' | 'does-not-hold';

export interface ClaimRecord {
  verdict?: Verdict;
  /** Why the verdict is not a plain "holds". */
  note?: string;
  observed: Record<string, unknown>;
}

declare module 'vitest' {
  interface TaskMeta {
    claim?: ClaimRecord;
  }
}

export interface ClaimRecorder {
  /** Records a value read from the kernel (kept JSON-serialisable). */
  observe(key: string, value: unknown): void;
  /** The kernel does what the document says, and more precisely: note says how. */
  nuance(note: string): void;
  /** The kernel does not do what the document says: note says what it does instead. */
  doesNotHold(note: string): void;
}

export function claim(task: Readonly<RunnerTestCase>): ClaimRecorder {
  const meta = task.meta as { claim?: ClaimRecord };
  const record = (meta.claim ??= { observed: {} });
  return {
    observe(key, value) {
      record.observed[key] = JSON.parse(JSON.stringify(value ?? null));
    },
    nuance(note) {
      record.verdict = 'nuance';
      record.note = record.note ? `${record.note}; ${note}` : note;
    },
    doesNotHold(note) {
      record.verdict = 'does-not-hold';
      record.note = record.note ? `${record.note}; ${note}` : note;
    },
  };
}
