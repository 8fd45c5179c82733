// What each matcher means beyond the common behaviour (matchers.test.ts): which values match,
// what the message says when the device is of the wrong kind, and the settled read of a
// bridge.
import { performance } from 'node:perf_hooks';
import { test, expect } from '../../src/vitest.ts';
import { ipAddrs, ipLink, ipPorts } from '../helpers/oracle.ts';
import { explain, failure, parseReport } from './helpers.ts';

const FAIL_AFTER = { timeout: 200 };

test('toHaveOperstate: the settled read sees a bridge go down as soon as its only port loses carrier', async ({
  netns,
}) => {
  const br = await netns.addBridge('sbr0');
  const tap = await netns.addTap('stap0', { owner: 'holder' });
  await tap.attachTo(br);
  await tap.up();
  await br.up();
  await expect(br).toHaveOperstate('up');
  expect((await ipLink(netns, 'sbr0'))!.operstate).toBe('UP');

  await tap.close();
  const started = performance.now();
  await expect(br).toHaveOperstate('down');
  console.log(
    `settled read: bridge sbr0 read operstate down ${(performance.now() - started).toFixed(1)} ms after its only tap's holder closed the descriptor`,
  );

  expect((await ipLink(netns, 'sbr0'))!.operstate).toBe('DOWN');
  await expect(tap).not.toHaveCarrier();
  // Closing the descriptor is not the holder going away.
  expect(tap.holder?.alive).toBe(true);
});

test('toHaveOperstate: a tap with carrier reads "unknown", as iproute2 says, and a down device "down"', async ({
  netns,
}) => {
  const tap = await netns.addTap('utap0');
  await expect(tap).toHaveOperstate('down');
  expect((await ipLink(netns, 'utap0'))!.operstate).toBe('DOWN');
  await tap.up();
  await expect(tap).toHaveOperstate('unknown');
  expect((await ipLink(netns, 'utap0'))!.operstate).toBe('UNKNOWN');
  await expect(tap).not.toHaveOperstate('up', FAIL_AFTER);
});

test('toHaveFlags: names with or without IFF_, and the device may have more flags', async ({ netns }) => {
  const tap = await netns.addTap('gtap0');
  await tap.up();
  const { flags } = (await ipLink(netns, 'gtap0'))!;
  expect(flags).toEqual(expect.arrayContaining(['UP', 'BROADCAST', 'MULTICAST', 'LOWER_UP']));
  await expect(tap).toHaveFlags(['UP']);
  await expect(tap).toHaveFlags(['IFF_UP', 'IFF_LOWER_UP', 'BROADCAST']);
  expect(flags).not.toContain('PROMISC');

  // One flag missing is enough to fail; the message lists the flags the kernel has.
  const error = await failure(() => expect(tap).toHaveFlags(['UP', 'PROMISC'], FAIL_AFTER));
  const report = parseReport(error.message);
  expect(report.expected).toBe('"UP,PROMISC"');
  expect(report.received).toContain('UP');
  expect(report.received).not.toContain('PROMISC');
  await expect(tap).not.toHaveFlags(['UP', 'PROMISC']);
});

test('toHaveMac: compares case-insensitively; a tun device has no MAC to match', async ({ netns }) => {
  const br = await netns.addBridge('hbr0', { mac: '52:54:00:0a:0b:0c' });
  expect((await ipLink(netns, 'hbr0'))!.address).toBe('52:54:00:0a:0b:0c');
  await expect(br).toHaveMac('52:54:00:0A:0B:0C');
  await expect(br).not.toHaveMac('52:54:00:0a:0b:0d');

  const tun = await netns.addTap('htun0', { mode: 'tun' });
  expect((await ipLink(netns, 'htun0'))!.address).toBeUndefined();
  const report = parseReport((await failure(() => expect(tun).toHaveMac('52:54:00:0a:0b:0c', FAIL_AFTER))).message);
  expect(report.received).toBe('undefined');
  expect(report.state.mac).toBeUndefined();
});

test('toHaveBridgeId: the kernel notation, with colons, or { priority, mac }; a non-bridge has none', async ({
  netns,
}) => {
  const br = await netns.addBridge('ibr0', { mac: '52:54:00:00:00:01' });
  expect((await ipLink(netns, 'ibr0'))!.linkinfo?.info_data?.bridge_id).toBe('8000.52:54:0:0:0:1');
  await expect(br).toHaveBridgeId('8000.525400000001');
  await expect(br).toHaveBridgeId('8000.52:54:00:00:00:01');
  await expect(br).toHaveBridgeId('8000.525400000001'.toUpperCase());
  await expect(br).toHaveBridgeId({ priority: 0x8000, mac: '52:54:00:00:00:01' });
  await expect(br).not.toHaveBridgeId({ priority: 0x1000, mac: '52:54:00:00:00:01' });

  const tap = await netns.addTap('itap1');
  const report = parseReport(
    (await failure(() => expect(tap).toHaveBridgeId('8000.525400000001', FAIL_AFTER))).message,
  );
  expect(report.received).toBe('"no bridge ID: itap1 is a tun"');
});

test('toHavePorts: exactly these ports, no more, no fewer', async ({ netns }) => {
  const br = await netns.addBridge('jbr0');
  const a = await netns.addTap('jtap1');
  const b = await netns.addTap('jtap2');
  await expect(br).toHavePorts([]);
  await a.attachTo(br);
  await b.attachTo(br);
  expect((await ipPorts(netns, 'jbr0')).sort()).toEqual(['jtap1', 'jtap2']);

  await expect(br).toHavePorts(['jtap2', a]);
  await expect(br).not.toHavePorts([a]);
  const report = parseReport((await failure(() => expect(br).toHavePorts([a], FAIL_AFTER))).message);
  expect(report.expected).toBe('"[jtap1]"');
  expect(report.received).toMatch(/"jtap1"[^]*"jtap2"|"jtap2"[^]*"jtap1"/);
  expect([...(report.state.ports ?? [])].sort()).toEqual(['jtap1', 'jtap2']);
  await expect(br).not.toHavePorts(['jtap1', 'jtap2', 'jtap3']);
});

test('toBeAttachedTo: another bridge is not this bridge, and the message says which one it is', async ({ netns }) => {
  const one = await netns.addBridge('kbr1');
  const two = await netns.addBridge('kbr2');
  const tap = await netns.addTap('ktap1');
  let report = parseReport((await failure(() => expect(tap).toBeAttachedTo(one, FAIL_AFTER))).message);
  expect(report.received).toBe('"no master"');

  await tap.attachTo(two);
  expect((await ipLink(netns, 'ktap1'))!.master).toBe('kbr2');
  await expect(tap).toBeAttachedTo(two);
  await expect(tap).not.toBeAttachedTo(one);
  report = parseReport((await failure(() => expect(tap).toBeAttachedTo(one, FAIL_AFTER))).message);
  expect(report.expected).toBe('"master kbr1"');
  expect(report.received).toBe('"master kbr2"');
});

test('toHaveAddress: any spelling of the address, but the prefix length must match', async ({ netns }) => {
  const tap = await netns.addTap('ltap0');
  await tap.addAddress('2001:db8::1/64', { dad: false });
  await tap.addAddress('198.51.100.7/25');
  const seen = await ipAddrs(netns, 'ltap0');
  expect(seen).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ local: '2001:db8::1', prefixlen: 64 }),
      expect.objectContaining({ local: '198.51.100.7', prefixlen: 25 }),
    ]),
  );

  await expect(tap).toHaveAddress('2001:DB8:0:0:0:0:0:1/64');
  await expect(tap).toHaveAddress('2001:db8::0:1/64');
  await expect(tap).toHaveAddress('198.51.100.7/25');
  await expect(tap).not.toHaveAddress('198.51.100.7/24');
  await expect(tap).not.toHaveAddress('2001:db8::1/128');
  await expect(tap).not.toHaveAddress('198.51.100.8/25');
  const report = parseReport((await failure(() => expect(tap).toHaveAddress('198.51.100.7/24', FAIL_AFTER))).message);
  expect(report.received).toContain('198.51.100.7/25');
});

test('toHaveAddress: { tentative } follows duplicate address detection, waiting for it to finish', async ({
  netns,
}) => {
  // A device that has had no carrier since it came up keeps a new IPv6 address tentative, and
  // DAD waits for the carrier: the tentative check races nothing, however slow the machine is.
  const tap = await netns.addTap('dtap0', { owner: 'none' });
  await tap.up();
  await tap.addAddress('2001:db8::7/64');
  await expect(tap).toHaveAddress('2001:db8::7/64', { tentative: true });
  expect((await ipAddrs(netns, 'dtap0')).find((a) => a.local === '2001:db8::7')?.tentative).toBe(true);

  // A descriptor attached gives carrier, which starts DAD (one probe, RetransTimer 1 s).
  const started = performance.now();
  const pending = explain(tap, 'toHaveAddress', '2001:db8::7/64', { tentative: false, timeout: 10_000 });
  netns.openTun().attach('dtap0');
  const { pass, report } = await pending;
  console.log(
    `dtap0: 2001:db8::7 stopped being tentative after ${(performance.now() - started).toFixed(0)} ms of waiting (${report.reads} reads)`,
  );
  expect(pass).toBe(true);
  const after = (await ipAddrs(netns, 'dtap0')).find((a) => a.local === '2001:db8::7');
  expect(after).toBeDefined();
  expect(after?.tentative).toBeUndefined();
  await expect(tap).not.toHaveAddress('2001:db8::7/64', { tentative: true });
  expect(report.expected).toBe('"2001:db8::7/64 (not tentative)"');
});

test('a failed .not matcher prints its hint with ".not" once', async ({ netns }) => {
  const br = await netns.addBridge('nbr0');
  const error = await failure(() => expect(br).not.toHaveOperstate('down', FAIL_AFTER));
  expect(parseReport(error.message).hint).toBe('expect(received).not.toHaveOperstate(expected)');
});

test('toHaveMac: the all-zero MAC the kernel reports for lo matches', async ({ netns }) => {
  const lo = await netns.loopback();
  expect((await ipLink(netns, 'lo'))!.address).toBe('00:00:00:00:00:00');
  await expect(lo).toHaveMac('00:00:00:00:00:00');
});

test('toHaveBridgeId: 8000.000000000000, the ID of a bridge that never had a port, matches', async ({ netns }) => {
  const br = await netns.addBridge('zbr0');
  expect((await ipLink(netns, 'zbr0'))!.linkinfo?.info_data?.bridge_id).toBe('8000.0:0:0:0:0:0');
  await expect(br).toHaveBridgeId('8000.000000000000');
});

test('toHavePorts([]) fails on a device that is not a bridge', async ({ netns }) => {
  const tap = await netns.addTap('qtap0');
  expect((await ipLink(netns, 'qtap0'))!.linkinfo?.info_kind).toBe('tun');
  await expect(tap).not.toHavePorts([], FAIL_AFTER);
});

test('toBeAttachedTo does not match a bridge of another namespace with the same index', async ({ makeNetns }) => {
  const [a, b] = await Promise.all([makeNetns({ label: 'xa' }), makeNetns({ label: 'xb' })]);
  const foreign = await a.addBridge('xbr0');
  const own = await b.addBridge('xbr1');
  const tap = await b.addTap('xtap0');
  await tap.attachTo(own);
  expect(foreign.index).toBe(own.index);
  expect((await ipLink(b, 'xtap0'))!.master).toBe('xbr1');
  await expect(tap).not.toBeAttachedTo(foreign, FAIL_AFTER);
});
