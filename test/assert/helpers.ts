// What the matcher tests share: running a matcher by name, catching its failure, taking a
// failure message apart. The kernel oracles (iproute2 JSON, sysfs) are in ../helpers/oracle.ts.
import { stripVTControlCharacters } from 'node:util';
import type { MatcherState } from 'vitest';
import { expect } from '../../src/vitest.ts';
import { deviceMatchers, matchers } from '../../src/assert/index.ts';
import type { LinkState } from '../../src/index.ts';

export type MatcherName = keyof typeof matchers;
export type DeviceMatcherName = keyof typeof deviceMatchers;
/** The matchers whose receiver is a device (the namespace matchers have tests of their own). */
export const MATCHER_NAMES = Object.keys(deviceMatchers) as DeviceMatcherName[];

type Outcome = { pass: boolean; message: () => string };
type AnyMatcher = (this: MatcherState, received: unknown, ...args: unknown[]) => Promise<Outcome>;
type ByName = Record<string, (...args: unknown[]) => Promise<void>>;

/** expect(received)[name](...args) and expect(received).not[name](...args), for tables of cases. */
export function assertion(received: unknown, name: MatcherName, args: readonly unknown[], not = false): Promise<void> {
  const a = expect(received);
  return ((not ? a.not : a) as unknown as ByName)[name]!(...args);
}

// Vitest only shows a matcher's message when the assertion fails; a passing wait's report
// ("after waiting N ms ... (R reads)") is reached by running the matcher inside a wrapper
// matcher, with Vitest's own matcher context, and keeping what it returned.
expect.extend({
  async nslabExplain(
    this: MatcherState,
    received: unknown,
    name: MatcherName,
    args: unknown[],
    box: { outcome?: Outcome },
  ) {
    box.outcome = await (matchers[name] as AnyMatcher).call(this, received, ...args);
    return { pass: !this.isNot, message: () => 'nslabExplain never fails' };
  },
});

/** Runs a matcher and returns its verdict and its message, whichever way it went. */
export async function verdict(
  received: unknown,
  name: MatcherName,
  ...args: unknown[]
): Promise<{ pass: boolean; message: string }> {
  const box: { outcome?: Outcome } = {};
  await (expect(received) as unknown as { nslabExplain(...a: unknown[]): Promise<void> }).nslabExplain(name, args, box);
  return { pass: box.outcome!.pass, message: stripVTControlCharacters(box.outcome!.message()) };
}

/** verdict() of a device matcher, with its message taken apart. */
export async function explain(
  received: unknown,
  name: MatcherName,
  ...args: unknown[]
): Promise<{ pass: boolean; message: string; report: Report }> {
  const { pass, message } = await verdict(received, name, ...args);
  return { pass, message, report: parseReport(message) };
}

/**
 * The error run() ends with, sync throw or rejection alike (bad arguments throw before the
 * matcher's promise exists); fails the test if it succeeds. Colours are stripped from the message.
 */
export async function failure(run: () => unknown): Promise<Error> {
  let outcome: unknown;
  try {
    await run();
  } catch (error) {
    outcome = error;
  }
  if (!(outcome instanceof Error))
    throw new Error(`expected a failure, got ${outcome === undefined ? 'success' : String(outcome)}`);
  outcome.message = stripVTControlCharacters(outcome.message);
  return outcome;
}

/** A matcher's message taken apart (see src/assert/match-state.ts for its layout). */
export interface Report {
  hint: string;
  expected: string;
  received: string;
  device: string;
  waitedMs: number;
  timeoutMs: number;
  reads: number;
  state: LinkState;
}

const LAYOUT =
  /^(?<hint>.*)\n\nExpected: (?<expected>.*)\nReceived: (?<received>[^]*?)\n\nThe kernel's state of (?<device>.*) after waiting (?<waited>\d+) ms of (?<timeout>\d+) ms \((?<reads>\d+) reads\):\n(?<state>\{[^]*\})$/;

export function parseReport(message: string): Report {
  const m = LAYOUT.exec(stripVTControlCharacters(message));
  if (!m?.groups) throw new Error(`not an nslab matcher message:\n${message}`);
  const g = m.groups as Record<string, string>;
  return {
    hint: g.hint!,
    expected: g.expected!,
    received: g.received!,
    device: g.device!,
    waitedMs: Number(g.waited),
    timeoutMs: Number(g.timeout),
    reads: Number(g.reads),
    state: JSON.parse(g.state!) as LinkState,
  };
}
