// Order statistics for the bench reports.

/** Linear interpolation between closest ranks (numpy's default), as bench/baselines/run-all.sh does. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const xs = [...values].sort((a, b) => a - b);
  const k = (xs.length - 1) * q;
  const f = Math.floor(k);
  const c = Math.min(f + 1, xs.length - 1);
  return xs[f]! + (xs[c]! - xs[f]!) * (k - f);
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);
export const mean = (values: readonly number[]): number =>
  values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;

export interface Summary {
  n: number;
  median: number;
  p10: number;
  p90: number;
  mean: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    median: median(values),
    p10: quantile(values, 0.1),
    p90: quantile(values, 0.9),
    mean: mean(values),
    // Not Math.max(...values): tens of thousands of arguments overflow the stack.
    max: values.length ? values.reduce((a, b) => Math.max(a, b)) : Number.NaN,
  };
}

/** A number for a table: 3 significant digits, at most 2 decimals for small values. */
export function fmt(x: number | undefined, digits = 2): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(Math.min(1, digits));
  return x.toFixed(digits);
}

export const ratio = (a: number, b: number): number => a / b;
export const fmtRatio = (x: number): string => (Number.isFinite(x) ? `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×` : '–');
