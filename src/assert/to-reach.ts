// toReach: does a packet from this namespace get an answer from the target? ICMP echo, a TCP
// connect or a UDP request, sent by sockets opened inside the namespace (src/traffic/).
import type { MatcherState } from 'vitest';
import { isLink, type Link } from '../devices/link.ts';
import { InvalidAddressError, InvalidArgumentError } from '../errors.ts';
import { NetlinkError } from '../netlink/errors.ts';
import type { Netns } from '../netns/netns.ts';
import { requireMilliseconds, waitDefaults } from '../sys/poll.ts';
import { probe, type ProbeTarget, type ProbeVerdict } from '../traffic/probe.ts';
import { requireInteger, shown } from '../values/checks.ts';
import { parseAddress } from '../values/route.ts';
import { describeValue, type MatcherResult, type WaitOption } from './match-state.ts';
import { deviceName, requireNetns } from './match-namespace.ts';

/** toReach's options: how to probe (ICMP echo unless tcp or udp), from where, and the wait. */
export interface ReachOptions extends WaitOption {
  /** A TCP connect to this port instead of an echo: reached when the connect succeeds (a RST is "refused"). */
  tcp?: number;
  /** A UDP datagram to this port instead of an echo: reached when any datagram comes back. */
  udp?: number;
  /** What the UDP datagram carries (default: the bytes "nslab toReach"). */
  payload?: string | Uint8Array;
  /** The source address: one of the namespace's own (bind()). */
  from?: string;
  /** The device the probes leave by (SO_BINDTODEVICE): a handle of this namespace, or a name. */
  dev?: Link | string;
  /**
   * Under .not: how long the target must stay unanswering, in ms (default 1000). The window
   * must begin within timeout; each answer starts it again.
   */
  for?: number;
}

const M = 'toReach';
const KEYS = ['tcp', 'udp', 'payload', 'from', 'dev', 'timeout', 'for'];
/** How long .not.toReach wants silence unless told: long enough for a reply a router forwards, short enough for a test. */
export const QUIET_DEFAULT_MS = 1000;

const port = (name: string, value: unknown): number =>
  requireInteger(value, 1, 65535, (v) => `${M}: ${name} must be a port number from 1 to 65535, received ${v}`);

function checkOptions(options: unknown): ReachOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new TypeError(
      `${M}: options must be an object ({ tcp?, udp?, payload?, from?, dev?, timeout?, for? }), received ${describeValue(options)}`,
    );
  const unknown = Object.keys(options).filter((k) => !KEYS.includes(k));
  if (unknown.length)
    throw new TypeError(
      `${M}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the options are ${KEYS.join(', ')}`,
    );
  return options as ReachOptions;
}

/** The probes of this call, checked before anything is opened. */
async function target(ns: Netns, dst: unknown, o: ReachOptions): Promise<ProbeTarget> {
  const to = parseAddress(M, 'target', dst);
  if (o.tcp !== undefined && o.udp !== undefined)
    throw new InvalidArgumentError(`${M}: pass tcp or udp, not both (one probe per call)`, o);
  if (o.payload !== undefined && o.udp === undefined)
    throw new InvalidArgumentError(`${M}: payload is what a UDP probe sends; pass udp too`, o.payload);
  if (o.payload !== undefined && typeof o.payload !== 'string' && !(o.payload instanceof Uint8Array))
    throw new InvalidArgumentError(
      `${M}: payload must be a string or bytes, received ${describeValue(o.payload)}`,
      o.payload,
    );
  const from = o.from === undefined ? undefined : parseAddress(M, 'from', o.from);
  if (from && from.family !== to.family)
    throw new InvalidAddressError(
      `${M}: from ${from.address} is IPv${from.family} and the target ${to.address} IPv${to.family}; use one family`,
      o.from,
    );
  if (isLink(o.dev) && o.dev.ns !== ns)
    throw new InvalidArgumentError(`${M}: dev ${o.dev} is not a device of ${ns.label}`, o.dev);
  const dev = deviceName(M, o.dev);
  // A link-local target means nothing without the link: the dev's index is its scope.
  const linkLocal = to.family === 6 && to.bytes[0] === 0xfe && (to.bytes[1]! & 0xc0) === 0x80;
  if (linkLocal && dev === undefined)
    throw new InvalidArgumentError(`${M}: ${to.address} is link-local: pass dev, the link to reach it on`, dst);
  // Node's connect takes a scope only as an interface name, looked up in the thread's namespace (the host's).
  if (linkLocal && o.tcp !== undefined)
    throw new InvalidArgumentError(
      `${M}: a TCP probe of a link-local target (${to.address}) is not supported: Node's connect cannot carry its scope; probe it by ICMP or UDP, or a global address by TCP`,
      dst,
    );
  const scopeId = linkLocal ? (await ns.link(dev!)).index : 0;
  const transport =
    o.tcp !== undefined
      ? { tcp: port('tcp', o.tcp) }
      : o.udp !== undefined
        ? { udp: port('udp', o.udp), payload: Buffer.from(o.payload ?? 'nslab toReach') }
        : { icmp: true as const };
  return {
    nsFd: ns.fd,
    label: ns.label,
    where: M,
    to: to.address,
    family: to.family,
    scopeId,
    from: from?.address,
    dev,
    transport,
  };
}

const how = (t: ProbeTarget): string =>
  'tcp' in t.transport
    ? `TCP port ${t.transport.tcp}`
    : 'udp' in t.transport
      ? `UDP port ${t.transport.udp}`
      : 'ICMP echo';

/** What the kernel would do with the packet: its route lookup, and the neighbour entry of the next hop. */
async function evidence(ns: Netns, t: ProbeTarget): Promise<string> {
  const where = t.from ? ` from ${t.from}` : '';
  let lookup;
  try {
    lookup = await ns.route.get(t.to, { from: t.from });
  } catch (error) {
    if (!(error instanceof NetlinkError)) throw error;
    return `The kernel's answer to route get ${t.to}${where} in ${ns.label}:\nrefused (${error.code}${error.extack ? `: ${error.extack}` : ''})`;
  }
  const lines = [`The kernel's answer to route get ${t.to}${where} in ${ns.label}:`, JSON.stringify(lookup, null, 2)];
  const hop = lookup.via ?? t.to;
  if (lookup.type === 'local') lines.push(`${t.to} is local: delivered without a neighbour`);
  else if (lookup.dev !== undefined) {
    // The device may be gone since the lookup: the failure is still reported, with what the read met.
    const entry = await ns.neigh.get({ dev: lookup.dev, to: hop }).catch((error: Error) => error);
    lines.push(
      `The neighbour entry of the next hop ${hop} on ${lookup.dev}:`,
      entry instanceof Error ? `(not read: ${entry.message})` : entry ? JSON.stringify(entry, null, 2) : '(none)',
    );
  }
  return lines.join('\n');
}

const story = (v: ProbeVerdict): string => {
  const SHOWN = 12;
  const lines = v.events.map((e) => `+${e.at.toFixed(1)} ms ${e.dir} ${e.text}`);
  return lines.length > SHOWN
    ? [`(${lines.length - SHOWN} earlier lines left out)`, ...lines.slice(-SHOWN)].join('\n')
    : lines.join('\n');
};

function summary(v: ProbeVerdict): string {
  const got = v.events.filter((e) => e.dir === 'got');
  const answers = got.filter((e) => e.answer);
  const last = got[got.length - 1];
  if (answers.length)
    return `answered: ${answers[answers.length - 1]!.text} (${answers.length} answers to ${v.sent} probes)`;
  return `no answer to ${v.sent} probes; ${last ? `last came back: ${last.text}` : 'nothing came back (timeout)'}`;
}

/**
 * The target answers a probe sent from this namespace: an ICMP echo reply (IPv4 or IPv6), a
 * TCP connect that succeeds ({ tcp: port }; a RST is refused, not reached), or any UDP datagram
 * back ({ udp: port, payload? }). Probes go out until an answer or the deadline.
 *
 * `.not.toReach` waits until the target stops answering and then proves it stays so: it passes
 * once no answer came for a whole window of `for` ms (default 1000), probing all along, and
 * fails when no such window begins within `timeout`. Silence needs a stated length to mean
 * anything (a dropped packet looks like one still on its way), and a target that answers once
 * more after the first miss is not unreachable.
 */
export async function toReach(
  this: MatcherState,
  received: unknown,
  dst: string,
  options?: ReachOptions,
): Promise<MatcherResult> {
  const ns = requireNetns(M, received);
  const o = checkOptions(options);
  const timeout = requireMilliseconds(M, 'timeout', o.timeout ?? waitDefaults.timeout, '>= 0');
  if (o.for !== undefined && !this.isNot)
    throw new TypeError(`${M}: for (a window of silence) applies to .not.toReach only; received for: ${shown(o.for)}`);
  const quietMs = requireMilliseconds(M, 'for', o.for ?? QUIET_DEFAULT_MS, '> 0');
  const t = await target(ns, dst, o);
  const verdict = await probe(t, this.isNot ? { want: 'silence', timeout, quietMs } : { want: 'answer', timeout });
  // Only a failure is explained: the lookups would lengthen every passing check.
  const explained = verdict.reached === Boolean(this.isNot) ? await evidence(ns, t) : '';
  const expected = `${t.to} by ${how(t)}${t.from ? ` from ${t.from}` : ''}${t.dev ? ` dev ${t.dev}` : ''}`;
  const wait = this.isNot ? `${timeout} ms for a window of ${quietMs} ms without an answer` : `${timeout} ms`;
  const { utils } = this;
  return {
    pass: verdict.reached,
    message: () =>
      [
        utils.matcherHint(M, 'received', 'expected', { isNot: this.isNot }),
        '',
        `Expected: ${this.isNot ? 'not ' : ''}${utils.printExpected(expected)}`,
        `Received: ${utils.printReceived(summary(verdict))}`,
        '',
        `The probes from ${ns.label} after ${Math.round(verdict.elapsedMs)} ms (waiting up to ${wait}; ${verdict.sent} sent):`,
        story(verdict),
        '',
        explained,
      ].join('\n'),
  };
}
