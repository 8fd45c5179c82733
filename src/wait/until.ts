// Waiting for kernel state with one deadline, computed up front. Each round re-reads the state
// (targeted reads, which also flush pending linkwatch work) and then sleeps until the next link
// or address notification of the namespace, or a short recheck, whichever comes first, never
// past the deadline. No fixed sleeps: the wait ends as soon as the state is there.
import { performance } from 'node:perf_hooks';
import type { Netns } from '../netns/netns.ts';

/** How long waits last unless a call says otherwise. */
export const waitDefaults = { timeout: 5_000 };

export function configureWaits(options: { timeout?: number }): void {
  const { timeout } = options;
  if (timeout === undefined) return;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0) {
    throw new TypeError(`configureWaits: timeout must be milliseconds >= 0, received ${String(timeout)}`);
  }
  waitDefaults.timeout = timeout;
}

// Notifications for a pending linkwatch change only come when linkwatch runs (up to ~1 s
// later); re-reading sooner flushes it. 10 ms keeps that latency low at a negligible cost.
const RECHECK_MS = 10;

export interface Waited<T> {
  value: T;
  /** Whether the condition held at the last read. */
  met: boolean;
  elapsedMs: number;
  reads: number;
}

export async function until<T>(ns: Netns, read: () => T, condition: (value: T) => boolean, timeoutMs = waitDefaults.timeout): Promise<Waited<T>> {
  const start = performance.now();
  const deadline = start + timeoutMs;
  let wake: () => void = () => undefined;
  const unsubscribe = ns.events.subscribe(() => wake());
  try {
    for (let reads = 1; ; reads++) {
      const value = read();
      const met = condition(value);
      const now = performance.now();
      if (met || now >= deadline) return { value, met, elapsedMs: now - start, reads };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(RECHECK_MS, deadline - now));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    unsubscribe();
  }
}
