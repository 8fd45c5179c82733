// toHaveSeen: a packet like this one went through the captured device. It waits, with one
// deadline computed up front, woken by each batch of arrivals (a recheck every 100 ms is only a
// safety net), over every packet the capture kept since it started: a packet that came before
// the call counts, as "was seen on this device" says.
//
// `.not` proves an absence, which a wait cannot do by ending early: it passes when no matching
// packet came by the end of a window (`for`, in ms; default 0, what was captured up to now),
// and fails at the first match, without waiting the window out. The window is stated by the
// test rather than taken from the wait timeout, because how long "never" must last is the
// test's claim to make, and a default long enough for one test would slow all the others.
import type { MatcherState } from 'vitest';
import { Capture, type CapturedPacket } from '../capture/capture.ts';
import { InvalidArgumentError } from '../errors.ts';
import { checkPattern, matchesPattern, type PacketPattern } from '../packet/pattern.ts';
import { pollUntil, requireMilliseconds, waitDefaults } from '../sys/poll.ts';
import { describeValue, type MatcherResult } from './match-state.ts';

/** toHaveSeen's options: the wait, and under .not the window that must stay clear. */
export interface SeenOptions {
  /** Milliseconds to wait for a matching packet (default: waitDefaults.timeout). */
  timeout?: number;
  /** Under .not: milliseconds from the call during which no matching packet may come (default 0). */
  for?: number;
}

const M = 'toHaveSeen';
const EXCERPT = 10;
const RECHECK_MS = 100;

export function requireCapture(matcher: string, received: unknown): Capture {
  if (!(received instanceof Capture))
    throw new TypeError(`${matcher}: expected a capture from ns.capture(device), received ${describeValue(received)}`);
  return received;
}

function requireSeenOptions(isNot: boolean, options: unknown): { timeout: number; window: number } {
  if (options !== undefined && (typeof options !== 'object' || options === null))
    throw new InvalidArgumentError(
      `${M}: options must be { timeout?, for? }, received ${describeValue(options)}`,
      options,
    );
  const o = (options ?? {}) as SeenOptions;
  const unknown = Object.keys(o).filter((k) => k !== 'timeout' && k !== 'for');
  if (unknown.length)
    throw new InvalidArgumentError(`${M}: unknown option ${unknown.join(', ')}; it takes timeout and for`, options);
  if (o.for !== undefined && !isNot)
    throw new InvalidArgumentError(
      `${M}: "for" is the window of .not.toHaveSeen; a positive match waits up to "timeout"`,
      options,
    );
  if (o.timeout !== undefined && isNot)
    throw new InvalidArgumentError(`${M}: .not.toHaveSeen watches for the window "for", not a "timeout"`, options);
  return {
    timeout: requireMilliseconds(M, 'timeout', o.timeout ?? waitDefaults.timeout, '>= 0'),
    window: requireMilliseconds(M, 'for', o.for ?? 0, '>= 0'),
  };
}

/** The capture saw a packet matching pattern (a partial match over its decoded layers and direction). */
export async function toHaveSeen(
  this: MatcherState,
  received: unknown,
  pattern: PacketPattern,
  options?: SeenOptions,
): Promise<MatcherResult> {
  const capture = requireCapture(M, received);
  const wanted = checkPattern(M, pattern);
  const { timeout, window } = requireSeenOptions(this.isNot, options);
  const limit = this.isNot ? window : timeout;
  // Each read tests only the packets that came since the last one (by seq), so a wait over a
  // busy device does not re-test thousands of packets on every wake-up.
  let match: CapturedPacket | undefined;
  let tested = 0;
  const read = (): readonly CapturedPacket[] => {
    const packets = capture.packets;
    for (const p of packets) {
      if (match || p.seq <= tested) continue;
      tested = p.seq;
      if (matchesPattern(p, wanted)) match = p;
    }
    return packets;
  };
  const waited = await pollUntil(read, () => match !== undefined, {
    timeout: limit,
    recheckMs: RECHECK_MS,
    wake: (notify) => capture.subscribe(notify),
  });
  const stats = capture.stats();
  const { utils } = this;
  return {
    pass: waited.met,
    message: () =>
      [
        utils.matcherHint(M, 'capture', 'pattern', { isNot: this.isNot }),
        '',
        `Expected: ${this.isNot ? 'no packet like ' : 'a packet like '}${utils.printExpected(wanted)}${this.isNot ? ` within ${window} ms` : ''}`,
        `Received: ${match ? `#${match.seq} ${match.summary()}` : `none of ${waited.value.length} packets matched`}`,
        '',
        `The ${capture} after ${Math.round(waited.elapsedMs)} ms of ${limit} ms: ${stats.kept} packets kept, ` +
          `${stats.evicted} let go, ${stats.filtered} filtered out, ${stats.drops} dropped by the kernel` +
          `${capture.ended ? `; it ended: ${capture.ended}` : ''}. The last ${EXCERPT}:`,
        capture.excerpt(EXCERPT) || '(none)',
      ].join('\n'),
  };
}
