// toHaveStatsSince against real traffic: busybox ping between two namespaces joined by a veth
// (IPv6 off, so only the test's packets move the counters), with iproute2's counters as the oracle.
import { test, expect } from '../../src/vitest.ts';
import { ipStats } from '../helpers/oracle.ts';
import { pingRight, wiredPair } from '../helpers/traffic.ts';
import { explain, failure, parseReport } from './helpers.ts';

test('waits for traffic that comes after the mark, and says how long it waited', async ({ makeNetns, skip }) => {
  const { left, r } = await wiredPair({ makeNetns, skip });
  const mark = await r.stats();
  const pending = explain(r, 'toHaveStatsSince', mark, { rxPackets: 2 });
  expect((await pingRight(left, 2)).exitCode).toBe(0);
  const { pass, report } = await pending;
  expect(pass).toBe(true);
  expect(report.reads).toBeGreaterThan(1);
  const oracle = await ipStats(r.ns, 'right0');
  expect(oracle.rxPackets - mark.rxPackets).toBeGreaterThanOrEqual(2);
});

test('fails on a quiet device: the message has the expectation, the increase seen and the wait', async ({ netns }) => {
  // Down, so nothing at all is sent or received.
  const [v] = await netns.addVeth('v0', { peerName: 'v1' });
  const mark = await v!.stats();
  const error = await failure(() => expect(v).toHaveStatsSince(mark, { rxPackets: 1, txBytes: 10 }, { timeout: 200 }));
  const report = parseReport(error.message);
  expect(report.hint).toBe('expect(received).toHaveStatsSince(expected)');
  expect(report.expected).toBe('"at least 1 more rxPackets, 10 more txBytes than at the mark"');
  expect(report.received).toBe('Object {\n  "rxPackets": 0,\n  "txBytes": 0,\n}');
  expect(report.waitedMs).toBeGreaterThanOrEqual(200);
  expect(report.state.stats).toEqual(await ipStats(netns, 'v0'));
  await expect(v).not.toHaveStatsSince(mark, { rxPackets: 1 });
});

test('.not holds before the traffic and fails once it has been counted', async ({ makeNetns, skip }) => {
  const { left, l } = await wiredPair({ makeNetns, skip });
  const mark = await l.stats();
  await expect(l).not.toHaveStatsSince(mark, { txPackets: 3 });
  expect((await pingRight(left, 3)).exitCode).toBe(0);
  const error = await failure(() => expect(l).not.toHaveStatsSince(mark, { txPackets: 3 }, { timeout: 200 }));
  expect(parseReport(error.message).expected).toBe('not "at least 3 more txPackets than at the mark"');
});

test.for([
  [
    'a mark that is not what stats() returned',
    { rxPackets: 0 },
    { rxPackets: 1 },
    /the mark must be what link\.stats\(\) returned/,
  ],
  ['no counters named', 'mark', {}, /the increase must name counters/],
  ['an unknown counter', 'mark', { rxFrames: 1 }, /the increase must name counters \(rxPackets, txPackets, /],
  ['a negative increase', 'mark', { rxPackets: -1 }, /whole numbers >= 0/],
])('%s: a TypeError at once', async ([, mark, increase, why], { netns }) => {
  const br = await netns.addBridge('br0');
  const real = await br.stats();
  const error = await failure(() =>
    expect(br).toHaveStatsSince((mark === 'mark' ? real : mark) as typeof real, increase as { rxPackets: number }),
  );
  expect(error).toBeInstanceOf(TypeError);
  expect(error.message).toMatch(/^toHaveStatsSince: /);
  expect(error.message).toMatch(why as RegExp);
});
