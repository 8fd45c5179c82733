// The namespace matchers, toHaveRoute and toRoute, against the kernel the same four ways as the
// device matchers (matchers.test.ts): each fails while the kernel says otherwise, with the
// expectation and the table (or lookup) it saw, waits for a route that comes later, and under
// .not fails while the route is there and waits for it to go. `ip -json route` is the oracle.
import { describe } from 'vitest';
import { test, expect } from '../../src/vitest.ts';
import { InvalidAddressError, InvalidArgumentError, type Netns } from '../../src/index.ts';
import { ipRouteGet, ipRoutes } from '../helpers/oracle.ts';
import { wiredV4 } from '../helpers/wired.ts';
import { failure, verdict } from './helpers.ts';

const FAIL_AFTER = { timeout: 200 };

/** The parts of a namespace matcher's message (see matchWait in src/assert/match-state.ts). */
function parts(message: string): { hint: string; expected: string; received: string; title: string; body: string } {
  const m =
    /^(?<hint>.*)\n\nExpected: (?<expected>.*)\nReceived: (?<received>[^]*?)\n\n(?<title>.*) after waiting (?<waited>\d+) ms of (?<timeout>\d+) ms \(\d+ reads\):\n(?<body>[^]*)$/.exec(
      message,
    );
  if (!m?.groups) throw new Error(`not an nslab matcher message:\n${message}`);
  return m.groups as { hint: string; expected: string; received: string; title: string; body: string };
}

const hasRoute = async (ns: Netns, dst: string, table: string | number = 'main'): Promise<boolean> =>
  (await ipRoutes(ns, 4, table)).some((r) => r.dst === dst);

describe('toHaveRoute', () => {
  test('fails while the route is missing; the message has the expectation, the table and the wait', async ({
    netns,
  }) => {
    await wiredV4(netns);
    expect(await hasRoute(netns, '198.51.100.0/24', 100)).toBe(false);
    const error = await failure(() =>
      expect(netns).toHaveRoute('198.51.100.0/24', { via: '192.0.2.254', dev: 'v0', table: 100, ...FAIL_AFTER }),
    );
    const p = parts(error.message);
    expect(p.hint).toBe('expect(received).toHaveRoute(expected)');
    expect(p.expected).toBe('"198.51.100.0/24 via 192.0.2.254 dev v0 table 100"');
    expect(p.received).toBe('"no route to 198.51.100.0/24"');
    expect(p.title).toMatch(/^The routes \(IPv4, table 100\) in ns\d+$/);
    expect(p.body).toBe('(none)');
    expect(Number(/after waiting (\d+) ms/.exec(error.message)![1])).toBeGreaterThanOrEqual(200);
  });

  test('the table printed is what iproute2 lists: a route of the same prefix with another gateway', async ({
    netns,
  }) => {
    await wiredV4(netns);
    await netns.route.add({ dst: '198.51.100.0/24', via: '192.0.2.253', metric: 5 });
    const error = await failure(() =>
      expect(netns).toHaveRoute('198.51.100.0/24', { via: '192.0.2.254', ...FAIL_AFTER }),
    );
    const p = parts(error.message);
    const ip = (await ipRoutes(netns, 4)).find((r) => r.dst === '198.51.100.0/24')!;
    expect(p.received).toContain(
      `198.51.100.0/24 via ${ip.gateway} dev ${ip.dev} proto boot scope global metric ${ip.metric}`,
    );
    // The kernel's own route of v0's subnet is in the table shown.
    expect(p.body).toContain('192.0.2.0/24 dev v0 proto kernel scope link src 192.0.2.1');
    // Each other property must match too.
    await expect(netns).toHaveRoute('198.51.100.0/24', { via: '192.0.2.253', metric: 5, table: 'main' });
    await expect(netns).not.toHaveRoute('198.51.100.0/24', { metric: 6, timeout: 0 });
    await expect(netns).not.toHaveRoute('198.51.100.0/24', { type: 'blackhole', timeout: 0 });
  });

  test('waits for a route that comes later, and says how long it waited', async ({ netns }) => {
    const v0 = await wiredV4(netns);
    const pending = verdict(netns, 'toHaveRoute', 'default', { via: '192.0.2.254', dev: v0 });
    await netns.route.add({ dst: 'default', via: '192.0.2.254' });
    const { pass, message } = await pending;
    expect(pass).toBe(true);
    expect(Number(/\((\d+) reads\)/.exec(message)![1])).toBeGreaterThan(1);
    expect(await hasRoute(netns, 'default')).toBe(true);
  });

  test('.not fails while the route is there, and waits for it to go', async ({ netns }) => {
    await wiredV4(netns);
    await netns.route.add({
      dst: '203.0.113.0/24',
      nexthops: [
        { via: '192.0.2.10', dev: 'v0', weight: 2 },
        { via: '192.0.2.11', dev: 'v0' },
      ],
    });
    // A multipath route goes via each of its next hops.
    await expect(netns).toHaveRoute('203.0.113.0/24', { via: '192.0.2.11', dev: 'v0' });
    const error = await failure(() => expect(netns).not.toHaveRoute('203.0.113.0/24', FAIL_AFTER));
    const p = parts(error.message);
    expect(p.hint).toBe('expect(received).not.toHaveRoute(expected)');
    expect(p.expected).toBe('not "203.0.113.0/24"');
    expect(p.body).toContain(
      '203.0.113.0/24 proto boot scope global nexthop via 192.0.2.10 dev v0 weight 2 nexthop via 192.0.2.11 dev v0 weight 1',
    );
    const pending = expect(netns).not.toHaveRoute('203.0.113.0/24');
    await netns.route.del({ dst: '203.0.113.0/24' });
    await pending;
    expect(await hasRoute(netns, '203.0.113.0/24')).toBe(false);
  });
});

describe('toRoute', () => {
  test('fails while the kernel has no route, showing its refusal', async ({ netns }) => {
    await wiredV4(netns);
    expect(await ipRouteGet(netns, '198.51.100.7')).toEqual({ refused: 'RTNETLINK answers: Network is unreachable' });
    const error = await failure(() => expect(netns).toRoute('198.51.100.7', { via: '192.0.2.254', ...FAIL_AFTER }));
    const p = parts(error.message);
    expect(p.hint).toBe('expect(received).toRoute(expected)');
    expect(p.expected).toBe('"198.51.100.7 via 192.0.2.254"');
    expect(p.received).toBe('"refused (ENETUNREACH)"');
    expect(p.title).toMatch(/^The kernel's answer to route get 198\.51\.100\.7 in ns\d+$/);
  });

  test('waits for the route, then agrees with ip route get', async ({ netns }) => {
    const v0 = await wiredV4(netns);
    const pending = verdict(netns, 'toRoute', '198.51.100.7', { via: '192.0.2.254', dev: v0, from: '192.0.2.1' });
    await netns.route.add({ dst: '198.51.100.0/24', via: '192.0.2.254' });
    const { pass, message } = await pending;
    expect(pass).toBe(true);
    const ip = await ipRouteGet(netns, '198.51.100.7', ['from', '192.0.2.1']);
    expect([ip.gateway, ip.dev]).toEqual(['192.0.2.254', 'v0']);
    expect(parts(message).body).toContain('"via": "192.0.2.254"');
  });

  test('the more specific route wins; .not waits for it to go, and the default takes over', async ({ netns }) => {
    await wiredV4(netns);
    await netns.route.add({ dst: 'default', via: '192.0.2.254' });
    await netns.route.add({ dst: '198.51.100.0/24', via: '192.0.2.253' });
    await expect(netns).toRoute('198.51.100.7', { via: '192.0.2.253' });
    const pending = expect(netns).not.toRoute('198.51.100.7', { via: '192.0.2.253' });
    await netns.route.del({ dst: '198.51.100.0/24' });
    await pending;
    await expect(netns).toRoute('198.51.100.7', { via: '192.0.2.254', type: 'unicast', timeout: 0 });
    expect((await ipRouteGet(netns, '198.51.100.7')).gateway).toBe('192.0.2.254');
  });
});

describe('bad input to the namespace matchers', () => {
  test('a receiver that is not a namespace: a TypeError that says so', async ({ netns }) => {
    const v0 = await wiredV4(netns);
    for (const receiver of [v0, 'ns1', undefined]) {
      for (const run of [() => expect(receiver).toHaveRoute('default'), () => expect(receiver).toRoute('192.0.2.7')]) {
        const error = await failure(run);
        expect(error).toBeInstanceOf(TypeError);
        expect(error.message).toMatch(
          /^to(HaveRoute|Route): expected a namespace from nslab \(the netns fixture, createNetns\(\), adoptNetns\(\)\)/,
        );
      }
    }
  });

  test('malformed expectations fail at once, with the typed error of route.add', async ({ netns }) => {
    expect(await failure(() => expect(netns).toHaveRoute('198.51.100.7/24'))).toBeInstanceOf(InvalidAddressError);
    expect(await failure(() => expect(netns).toHaveRoute('default', { via: '192.0.2.1/24' }))).toBeInstanceOf(
      InvalidAddressError,
    );
    expect(await failure(() => expect(netns).toHaveRoute('default', { table: 0 }))).toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(await failure(() => expect(netns).toRoute('198.51.100.0/24'))).toBeInstanceOf(InvalidAddressError);
    const dev = await failure(() => expect(netns).toRoute('198.51.100.7', { dev: 7 as unknown as string }));
    expect(dev).toBeInstanceOf(TypeError);
    expect(dev.message).toBe('toRoute: dev must be a device handle or a device name, received 7');
    const timeout = await failure(() => expect(netns).toRoute('198.51.100.7', { timeout: -1 }));
    expect(timeout.message).toMatch(/^toRoute: options must be \{ timeout\?: milliseconds >= 0 \}/);
  });
});
