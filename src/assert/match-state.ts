// What every nslab matcher shares: check the receiver, wait for the kernel state (or for its
// negation under .not) until the deadline, and explain the outcome with the whole state seen.
import { inspect } from 'node:util';
import type { MatcherState } from 'vitest';
import { isLink, type Link } from '../devices/link.ts';
import type { LinkState } from '../devices/state.ts';
import { waitDefaults, type Waited } from '../sys/poll.ts';
import { waitForState } from '../wait/state.ts';
import { until } from '../wait/until.ts';

/** How long a matcher waits for the kernel. */
export interface WaitOption {
  /** Milliseconds to wait for the state before failing (default: waitDefaults.timeout). */
  timeout?: number;
}

export type StateSpec = WaitSpec<LinkState>;

/** A matcher about a part of the device's world that Link.state() does not read: what to read instead, and its name. */
export interface ReadSpec<T> extends WaitSpec<T> {
  /** One synchronous read; the wait repeats it on every notification of the namespace and every 10 ms. */
  read: (link: Link) => T;
  /** What was read, for the failure message: "The neighbour table of ...". */
  title: (link: Link) => string;
}

export interface MatcherResult {
  pass: boolean;
  message: () => string;
}

/** A short rendering of any value for an error message: bounded, and safe on cycles. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
  const shown = inspect(value, { depth: 0, breakLength: Infinity, maxArrayLength: 5, maxStringLength: 40 });
  return `${name} ${shown.length > 160 ? `${shown.slice(0, 160)}…` : shown}`;
}

export function requireLink(matcher: string, received: unknown): Link {
  if (!isLink(received)) {
    const shown = describeValue(received);
    throw new TypeError(
      `${matcher}: expected a device handle from nslab (ns.addBridge(), ns.addTap(), ns.link(), ...), received ${shown}`,
    );
  }
  return received;
}

export function requireOptions(matcher: string, options: unknown): WaitOption {
  if (options === undefined) return {};
  const t = (options as WaitOption | null)?.timeout;
  if (typeof options !== 'object' || options === null || (t !== undefined && !(Number.isFinite(t) && t >= 0))) {
    throw new TypeError(
      `${matcher}: options must be { timeout?: milliseconds >= 0 }, received ${describeValue(options)}`,
    );
  }
  return options as WaitOption;
}

/** What a wait shows when it is explained: whose state, and the state itself. */
export interface WaitSubject<T> {
  /** Whose state it is, for the line before it: "The kernel's state of bridge br0 (index 2) in ns1". */
  title: string;
  /** Waits, until the deadline, for the condition. */
  wait: (condition: (value: T) => boolean, timeout: number) => Promise<Waited<T>>;
  /** The whole state as printed after the title. */
  render: (value: T) => string;
}

/** What a matcher waits for on any subject: StateSpec's fields over a value of type T. */
export interface WaitSpec<T> {
  /** Does the value satisfy the matcher? */
  holds: (value: T) => boolean;
  /** The expectation, in words or as a value. */
  expected: string;
  /** Whether the matcher takes an expected value: the header reads toHaveMac(expected), or toHaveCarrier(). */
  takesExpected: boolean;
  /** The part of the value the matcher is about. */
  received: (value: T) => unknown;
  timeout?: number | undefined;
}

/**
 * The one wait every nslab matcher makes: for the state (or its negation under .not) until one
 * deadline, then an explanation with the expectation, the relevant value and the whole state seen.
 */
export async function matchWait<T>(
  ctx: MatcherState,
  matcher: string,
  subject: WaitSubject<T>,
  spec: WaitSpec<T>,
): Promise<MatcherResult> {
  const want = !ctx.isNot;
  const timeout = spec.timeout ?? waitDefaults.timeout;
  const waited = await subject.wait((v) => spec.holds(v) === want, timeout);
  const pass = waited.met ? want : !want;
  const { utils } = ctx;
  return {
    pass,
    message: () =>
      [
        // Placeholders, as Jest's and jest-dom's matchers print them: the values follow below.
        utils.matcherHint(matcher, 'received', spec.takesExpected ? 'expected' : '', { isNot: ctx.isNot }),
        '',
        `Expected: ${ctx.isNot ? 'not ' : ''}${utils.printExpected(spec.expected)}`,
        `Received: ${utils.printReceived(spec.received(waited.value))}`,
        '',
        `${subject.title} after waiting ${Math.round(waited.elapsedMs)} ms of ${timeout} ms (${waited.reads} reads):`,
        subject.render(waited.value),
      ].join('\n'),
  };
}

export async function matchState(
  ctx: MatcherState,
  matcher: string,
  received: unknown,
  spec: StateSpec,
): Promise<MatcherResult> {
  const link = requireLink(matcher, received);
  return matchWait(
    ctx,
    matcher,
    {
      title: `The kernel's state of ${link}`,
      wait: (condition, timeout) => waitForState(link, condition, { timeout }),
      render: (value) => JSON.stringify(value, null, 2),
    },
    spec,
  );
}

/** matchState for another read of the device's namespace (its neighbours, say): waits, and explains, the same way. */
export async function matchRead<T>(
  ctx: MatcherState,
  matcher: string,
  received: unknown,
  spec: ReadSpec<T>,
): Promise<MatcherResult> {
  const link = requireLink(matcher, received);
  return matchWait(
    ctx,
    matcher,
    {
      title: spec.title(link),
      wait: (condition, timeout) => until(link.ns, () => spec.read(link), condition, timeout),
      render: (value) => JSON.stringify(value, null, 2),
    },
    spec,
  );
}
