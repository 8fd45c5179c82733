// Re-reading a value until a condition holds, with one deadline computed up front, pausing
// between reads until a wake-up or a short recheck, never past the deadline. No fixed sleeps:
// the wait ends as soon as the value is there. Below everything that waits: the namespace
// handle's teardown polls /proc with it, the device waits (src/wait/) poll kernel state.
import { performance } from 'node:perf_hooks';

let defaultTimeout = 5_000;

/** How long waits last unless a call says otherwise; configureWaits() changes it. */
export const waitDefaults: {
  /** Milliseconds (5000 unless configureWaits changed it). */
  readonly timeout: number;
} = {
  get timeout() {
    return defaultTimeout;
  },
};

/**
 * A deadline is computed once from the timeout, so it must be a number a clock reaches: NaN
 * compares false with every time (the wait would never end), and Infinity never comes.
 */
export function requireMilliseconds(where: string, name: string, value: unknown, min: '>= 0' | '> 0'): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (min === '>= 0' ? value >= 0 : value > 0);
  const received = typeof value === 'string' ? JSON.stringify(value) : String(value);
  if (!ok)
    throw new TypeError(`${where}: ${name} must be a finite number of milliseconds ${min}, received ${received}`);
  return value;
}

/** Sets the default timeout of every wait (matchers, until, pollUntil) from now on, in milliseconds. */
export function configureWaits(options: { timeout?: number }): void {
  const { timeout } = options;
  if (timeout === undefined) return;
  defaultTimeout = requireMilliseconds('configureWaits', 'timeout', timeout, '>= 0');
}

// Notifications for a pending linkwatch change only come when linkwatch runs (up to ~1 s
// later); re-reading sooner flushes it. 10 ms keeps that latency low at a negligible cost.
const RECHECK_MS = 10;

/** What a wait ended with: the last value read, and whether the condition held. */
export interface Waited<T> {
  /** The value of the last read. */
  value: T;
  /** Whether the condition held at the last read. */
  met: boolean;
  /** Milliseconds from the start of the wait to the end of its last read. */
  elapsedMs: number;
  /** How many reads the wait made, the first included. */
  reads: number;
}

export interface PollOptions {
  timeout?: number;
  /** The longest pause between two reads (ms). */
  recheckMs?: number;
  /** Subscribes to whatever should cut a pause short; returns the unsubscribe function. */
  wake?: (notify: () => void) => () => void;
}

/**
 * Re-reads until condition holds or the deadline (computed once, up front) passes, pausing
 * between reads until a wake-up or the recheck interval, whichever is first. Returns the last
 * value either way, for the caller to explain.
 */
export async function pollUntil<T>(
  read: () => T | Promise<T>,
  condition: (value: T) => boolean,
  options: PollOptions = {},
): Promise<Waited<T>> {
  const timeout = requireMilliseconds('pollUntil', 'timeout', options.timeout ?? waitDefaults.timeout, '>= 0');
  const recheckMs = requireMilliseconds('pollUntil', 'recheckMs', options.recheckMs ?? RECHECK_MS, '> 0');
  const start = performance.now();
  const deadline = start + timeout;
  let wake: () => void = () => undefined;
  const unsubscribe = options.wake?.(() => wake());
  try {
    for (let reads = 1; ; reads++) {
      const value = await read();
      const met = condition(value);
      const now = performance.now();
      if (met || now >= deadline) return { value, met, elapsedMs: now - start, reads };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(recheckMs, deadline - now));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    unsubscribe?.();
  }
}
