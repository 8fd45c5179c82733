// Waiting for something outside nslab's own waits (a killed process to disappear, the kernel to
// free a namespace): one deadline computed up front, re-reads until the condition holds or the
// deadline passes. Inside a namespace, prefer until() from src/wait/until.ts, which also wakes
// on the namespace's notifications.
import { performance } from 'node:perf_hooks';

const RECHECK_MS = 20;

export interface Polled<T> {
  value: T;
  met: boolean;
  elapsedMs: number;
}

/** Re-reads until condition(value) holds or timeoutMs passes; returns the last value either way. */
export async function pollUntil<T>(read: () => T | Promise<T>, condition: (value: T) => boolean, timeoutMs = 10_000): Promise<Polled<T>> {
  const start = performance.now();
  const deadline = start + timeoutMs;
  for (;;) {
    const value = await read();
    const now = performance.now();
    if (condition(value)) return { value, met: true, elapsedMs: now - start };
    if (now >= deadline) return { value, met: false, elapsedMs: now - start };
    await new Promise((resolve) => setTimeout(resolve, Math.min(RECHECK_MS, deadline - now)));
  }
}
