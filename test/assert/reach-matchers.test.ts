// toReach's message, taken apart: the expectation, what came back, the probes sent, the route
// lookup and the next hop's neighbour entry, each checked against iproute2 (`ip route get`,
// `ip neigh`) in the namespace; a passing check carries no lookups; and the inputs it refuses,
// with their typed errors, before any socket is opened.
import { describe } from 'vitest';
import { test, expect } from '../../src/vitest.ts';
import { InvalidAddressError, InvalidArgumentError, type Netns } from '../../src/index.ts';
import { ipNeighs, ipRouteGet } from '../helpers/oracle.ts';
import { wiredV4 } from '../helpers/wired.ts';
import { failure, verdict } from './helpers.ts';

const FAIL_AFTER = { timeout: 300 };

/** The parts of a toReach message (see src/assert/to-reach.ts). */
function parts(message: string) {
  const m =
    /^(?<hint>.*)\n\nExpected: (?<expected>.*)\nReceived: (?<received>.*)\n\nThe probes from (?<ns>\S+) after (?<elapsed>\d+) ms \(waiting up to (?<wait>[^;]+); (?<sent>\d+) sent\):\n(?<story>[^]*?)\n\n(?<evidence>[^]*)$/.exec(
      message,
    );
  if (!m?.groups) throw new Error(`not a toReach message:\n${message}`);
  return m.groups as Record<
    'hint' | 'expected' | 'received' | 'ns' | 'elapsed' | 'wait' | 'sent' | 'story' | 'evidence',
    string
  >;
}

describe('toReach failure messages', () => {
  test('an unresolved neighbour: what was sent, the lookup and the incomplete entry, as iproute2 shows them', async ({
    netns,
  }) => {
    await wiredV4(netns);
    const error = await failure(() => expect(netns).toReach('192.0.2.9', FAIL_AFTER));
    const p = parts(error.message);
    expect(p.hint).toBe('expect(received).toReach(expected)');
    expect(p.expected).toBe('"192.0.2.9 by ICMP echo"');
    expect(p.received).toBe(`"no answer to ${p.sent} probes; nothing came back (timeout)"`);
    expect(p.ns).toBe(netns.label);
    expect(Number(p.elapsed)).toBeGreaterThanOrEqual(300);
    const sent = p.story.split('\n').filter((l) => / sent echo request id \d+ seq \d+ to 192\.0\.2\.9$/.test(l));
    expect(sent.length).toBe(Number(p.sent));
    const ip = await ipRouteGet(netns, '192.0.2.9');
    const lookup = JSON.parse(/route get 192\.0\.2\.9 in \S+:\n(\{[^}]*\})/.exec(p.evidence)![1]!);
    expect(lookup).toMatchObject({ dst: '192.0.2.9', dev: ip.dev, src: ip.prefsrc, table: 'main' });
    const entry = JSON.parse(/next hop 192\.0\.2\.9 on v0:\n(\{[^}]*\})/.exec(p.evidence)![1]!);
    const oracle = (await ipNeighs(netns, ['dev', 'v0'])).find((n) => n.dst === '192.0.2.9');
    expect(oracle).toBeDefined();
    expect(entry).toMatchObject({ to: '192.0.2.9', dev: 'v0' });
    // iproute2 upper-cases the state; an entry still resolving may have failed by the time it lists.
    expect(['INCOMPLETE', 'FAILED']).toContain(oracle!.state?.[0]);
    expect(['incomplete', 'failed']).toContain(entry.state);
  });

  test('no route: the lookup refused, as ip route get is', async ({ netns }) => {
    await wiredV4(netns);
    const error = await failure(() => expect(netns).toReach('198.51.100.1', { from: '192.0.2.1', ...FAIL_AFTER }));
    const p = parts(error.message);
    expect(p.expected).toBe('"198.51.100.1 by ICMP echo from 192.0.2.1"');
    expect(p.received).toContain('last came back: sendto refused: ENETUNREACH');
    expect(p.evidence).toMatch(
      /^The kernel's answer to route get 198\.51\.100\.1 from 192\.0\.2\.1 in \S+:\nrefused \(ENETUNREACH/,
    );
    await expect(netns.exec('ip', ['route', 'get', '198.51.100.1'])).rejects.toThrow(/unreachable/);
  });

  test('a local target answers; a passing check makes no lookups; .not fails with "local"', async ({ netns }) => {
    await wiredV4(netns);
    await (await netns.loopback()).up();
    const ok = await verdict(netns, 'toReach', '192.0.2.1');
    expect(ok.pass).toBe(true);
    expect(ok.message).not.toContain('route get');
    expect(parts(ok.message).received).toMatch(
      /^"answered: echo reply seq \d+ from 192\.0\.2\.1 in [\d.]+ ms \(1 answers to \d+ probes\)"$/,
    );
    const error = await failure(() => expect(netns).not.toReach('192.0.2.1', { for: 100, timeout: 200 }));
    const p = parts(error.message);
    expect(p.hint).toBe('expect(received).not.toReach(expected)');
    expect(p.wait).toBe('200 ms for a window of 100 ms without an answer');
    expect(p.evidence).toContain('192.0.2.1 is local: delivered without a neighbour');
  });
});

describe('toReach inputs', () => {
  const refusals: Array<[string, (ns: Netns) => Promise<unknown>, new (...a: never[]) => Error, RegExp]> = [
    [
      'a name as target',
      (ns) => expect(ns).toReach('gateway'),
      InvalidAddressError,
      /^toReach: invalid target "gateway"/,
    ],
    [
      'a CIDR as target',
      (ns) => expect(ns).toReach('192.0.2.0/24'),
      InvalidAddressError,
      /invalid target "192\.0\.2\.0\/24"/,
    ],
    [
      'udp 0',
      (ns) => expect(ns).toReach('192.0.2.2', { udp: 0 }),
      InvalidArgumentError,
      /udp must be a port number from 1 to 65535, received 0/,
    ],
    ['tcp 1.5', (ns) => expect(ns).toReach('192.0.2.2', { tcp: 1.5 }), InvalidArgumentError, /received 1\.5/],
    [
      'tcp and udp',
      (ns) => expect(ns).toReach('192.0.2.2', { tcp: 1, udp: 1 }),
      InvalidArgumentError,
      /pass tcp or udp, not both/,
    ],
    [
      'payload without udp',
      (ns) => expect(ns).toReach('192.0.2.2', { payload: 'x' }),
      InvalidArgumentError,
      /payload is what a UDP probe sends/,
    ],
    [
      'from of the other family',
      (ns) => expect(ns).toReach('192.0.2.2', { from: '2001:db8::1' }),
      InvalidAddressError,
      /use one family/,
    ],
    [
      'for without .not',
      (ns) => expect(ns).toReach('192.0.2.2', { for: 100 }),
      TypeError,
      /for \(a window of silence\) applies to \.not\.toReach only/,
    ],
    [
      'for 0',
      (ns) => expect(ns).not.toReach('192.0.2.2', { for: 0 }),
      TypeError,
      /for must be a finite number of milliseconds > 0, received 0/,
    ],
    [
      'a negative timeout',
      (ns) => expect(ns).toReach('192.0.2.2', { timeout: -1 }),
      TypeError,
      /timeout must be a finite number of milliseconds >= 0/,
    ],
    [
      'options not an object',
      (ns) => expect(ns).toReach('192.0.2.2', 53 as never),
      TypeError,
      /options must be an object/,
    ],
    [
      'a link-local target without dev',
      (ns) => expect(ns).toReach('fe80::1'),
      InvalidArgumentError,
      /fe80::1 is link-local: pass dev/,
    ],
    [
      'an unknown option',
      (ns) => expect(ns).toReach('192.0.2.2', { ttl: 1 } as never),
      TypeError,
      /unknown option ttl/,
    ],
  ];
  for (const [what, attempt, type, words] of refusals) {
    test(`refuses ${what}`, async ({ netns }) => {
      const error = await failure(() => attempt(netns));
      expect(error).toBeInstanceOf(type);
      expect(error.message).toMatch(words);
    });
  }

  test('a receiver that is not a namespace, and a dev of another namespace', async ({ netns, makeNetns }) => {
    const v0 = await wiredV4(netns);
    await expect(expect(v0).toReach('192.0.2.2')).rejects.toThrow(/toReach: expected a namespace from nslab/);
    const other = await makeNetns();
    await expect(expect(other).toReach('192.0.2.2', { dev: v0 })).rejects.toThrow(
      new RegExp(`dev veth v0 \\(index \\d+\\) in ${netns.label} is not a device of ${other.label}$`),
    );
  });
});
