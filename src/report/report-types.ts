// The claims report as data: what the reporter writes, what the cross-kernel report reads and
// compares, and what the renderers (render.ts) word. Kept apart from all three, which import it.
import type { Verdict } from './claim.ts';

/** A claim's verdict on one kernel. */
export interface ClaimVerdict {
  kind: 'holds' | 'nuance' | 'does-not-hold' | 'skipped' | 'failed';
  /** Why it is not a plain "holds": the tests' notes, the reason for skipping, or the failure's first line. */
  note?: string;
  /** The test that failed (kind 'failed'). */
  test?: string;
}

export interface ClaimRow {
  id: string;
  verdict: ClaimVerdict;
  tests: Array<{ name: string; state: string; verdict?: Verdict; note?: string; observed: Record<string, unknown> }>;
}

export interface ClaimsReport {
  kernel: string;
  generatedAt: string;
  claims: ClaimRow[];
  /** The device kinds the run's tests declared (src/report/kinds.ts); absent in reports of older runs. */
  kinds?: KindRow[];
}

/** One test that declared a device kind, as it ended. */
export interface KindTest {
  name: string;
  state: string;
  /** The skip reason, or the failure's first line. */
  note?: string;
}

/** A device kind on one kernel: its tests pass (works), were skipped for want of it (missing), or failed (differs). */
export interface KindRow {
  kind: string;
  status: 'works' | 'missing' | 'differs';
  /** Why it is missing (the skip reason), or which test failed and how. */
  note?: string;
  tests: KindTest[];
}

export interface CrossKinds {
  /** Column labels, as the claims table's. */
  kernels: string[];
  rows: Array<{ kind: string; cells: Array<KindRow | undefined>; differs: boolean }>;
}

/** A kernel's report, with how it was produced when a guest ran it. */
export interface KernelReport extends ClaimsReport {
  /** 'host' for the machine's own kernel, else the guest kernel's image path. */
  source?: string;
  guest?: { accel: string; accelNote: string; exitCode: number; timings: Record<string, number> };
}

export interface CrossKernelRow {
  id: string;
  verdicts: Array<ClaimVerdict | undefined>;
  /** The verdict's kind differs between kernels (holds here, fails there, ...). */
  differs: boolean;
  /** Same kinds but different wording (a nuance that reads differently), numbers aside. */
  detailsDiffer: boolean;
}

export interface CrossKernel {
  kernels: Array<{ label: string; kernel: string; source?: string }>;
  rows: CrossKernelRow[];
}
