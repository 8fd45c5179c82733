// toHaveNeighbour against the kernel, checked with ip -json neigh: it fails while the device's
// table says otherwise (and prints that table), waits for an entry added later, and .not waits
// for the entry to go. The veth stays down, so the kernel adds no entries of its own meanwhile.
import { stripVTControlCharacters } from 'node:util';
import { test, expect } from '../../src/vitest.ts';
import { InvalidAddressError, InvalidArgumentError, InvalidMacError, type Link, type Netns } from '../../src/index.ts';
import { ipNeighs } from '../helpers/oracle.ts';
import { failure } from './helpers.ts';

const FAIL_AFTER = { timeout: 200 };

/** A neighbour matcher's message taken apart (the layout of src/assert/match-state.ts, with a table for a state). */
function parseNeighbourReport(message: string) {
  const m =
    /^(?<hint>.*)\n\nExpected: (?<expected>.*)\nReceived: (?<received>[^]*?)\n\nThe neighbour table of (?<device>.*) \(ip neigh show dev (?<dev>\S+) nud all\) after waiting \d+ ms of (?<timeout>\d+) ms \((?<reads>\d+) reads\):\n(?<table>\[[^]*\])$/.exec(
      stripVTControlCharacters(message),
    );
  if (!m?.groups) throw new Error(`not a toHaveNeighbour message:\n${message}`);
  const g = m.groups as Record<'hint' | 'expected' | 'received' | 'device' | 'timeout' | 'table', string>;
  return { ...g, table: JSON.parse(g.table) as Array<{ to: string; lladdr?: string; state?: string }> };
}

async function arrange(ns: Netns): Promise<Link> {
  const [v0] = await ns.addVeth('v0', { peerName: 'v1' });
  return v0!;
}

const oracleHas = async (ns: Netns, to: string): Promise<boolean> =>
  (await ipNeighs(ns, ['dev', 'v0'])).some((n) => n.dst === to);

test('fails while the device has no such entry, printing the expectation and the table iproute2 also lists', async ({
  netns,
}) => {
  const v0 = await arrange(netns);
  await netns.neigh.add({ dev: v0, to: '192.0.2.3', lladdr: '52:54:00:00:00:03', state: 'stale' });
  expect(await oracleHas(netns, '192.0.2.2')).toBe(false);

  const error = await failure(() =>
    expect(v0).toHaveNeighbour('192.0.2.2', { lladdr: '52:54:00:00:00:02', ...FAIL_AFTER }),
  );
  const report = parseNeighbourReport(error.message);
  expect(report.hint).toBe('expect(received).toHaveNeighbour(expected)');
  expect(report.expected).toBe('"192.0.2.2 lladdr 52:54:00:00:00:02"');
  expect(report.received).toContain('192.0.2.3 lladdr 52:54:00:00:00:03 stale');
  expect(report.device).toBe(String(v0));
  expect(report.timeout).toBe('200');
  const oracle = await ipNeighs(netns, ['dev', 'v0']);
  expect(report.table.map((n) => [n.to, n.lladdr, n.state?.toUpperCase()])).toEqual(
    oracle.map((n) => [n.dst, n.lladdr, n.state?.[0]]),
  );
});

test('waits for an entry added later', async ({ netns }) => {
  const v0 = await arrange(netns);
  expect(await oracleHas(netns, '2001:db8::2')).toBe(false);
  const pending = expect(v0).toHaveNeighbour('2001:db8::2', { lladdr: '52:54:00:00:00:02', state: 'permanent' });
  await netns.neigh.add({ dev: 'v0', to: '2001:db8::2', lladdr: '52:54:00:00:00:02' });
  await pending;
  expect(await oracleHas(netns, '2001:db8::2')).toBe(true);
});

test('the entry must have the lladdr and state asked for; the address may be spelled any way', async ({ netns }) => {
  const v0 = await arrange(netns);
  await netns.neigh.add({ dev: 'v0', to: '2001:db8::2', lladdr: '52:54:00:00:00:02', state: 'stale' });
  await expect(v0).toHaveNeighbour('2001:DB8:0::2');
  await expect(v0).toHaveNeighbour('2001:db8::2', { lladdr: '52:54:00:00:00:02', state: 'stale' });
  await expect(v0).not.toHaveNeighbour('2001:db8::2', { state: 'permanent', ...FAIL_AFTER });
  await expect(v0).not.toHaveNeighbour('2001:db8::2', { lladdr: '52:54:00:00:00:09', ...FAIL_AFTER });
  await expect(v0).not.toHaveNeighbour('192.0.2.2', FAIL_AFTER);

  const pending = expect(v0).toHaveNeighbour('2001:db8::2', { lladdr: '52:54:00:00:00:09', state: 'permanent' });
  await netns.neigh.replace({ dev: 'v0', to: '2001:db8::2', lladdr: '52:54:00:00:00:09', state: 'permanent' });
  await pending;
  const [entry] = await ipNeighs(netns, ['dev', 'v0']);
  expect([entry?.lladdr, entry?.state]).toEqual(['52:54:00:00:00:09', ['PERMANENT']]);
});

test('.not fails while the entry is there, and waits for it to go', async ({ netns }) => {
  const v0 = await arrange(netns);
  await netns.neigh.add({ dev: 'v0', to: '192.0.2.2', lladdr: '52:54:00:00:00:02' });
  const error = await failure(() => expect(v0).not.toHaveNeighbour('192.0.2.2', FAIL_AFTER));
  const report = parseNeighbourReport(error.message);
  expect(report.hint).toBe('expect(received).not.toHaveNeighbour(expected)');
  expect(report.expected).toBe('not "192.0.2.2"');
  expect(report.table.map((n) => n.to)).toEqual(['192.0.2.2']);

  const pending = expect(v0).not.toHaveNeighbour('192.0.2.2');
  await netns.neigh.del({ dev: 'v0', to: '192.0.2.2' });
  await pending;
  expect(await oracleHas(netns, '192.0.2.2')).toBe(false);
});

test('bad expectations fail at once: the address, the lladdr, a state that does not exist', async ({ netns }) => {
  const v0 = await arrange(netns);
  expect(await failure(() => expect(v0).toHaveNeighbour('192.0.2.2/32'))).toBeInstanceOf(InvalidAddressError);
  expect(await failure(() => expect(v0).toHaveNeighbour('192.0.2.2', { lladdr: '52:54' }))).toBeInstanceOf(
    InvalidMacError,
  );
  const error = await failure(() => expect(v0).toHaveNeighbour('192.0.2.2', { state: 'gone' as never }));
  expect(error).toBeInstanceOf(InvalidArgumentError);
  expect(error.message).toMatch(/^toHaveNeighbour: the neighbour state must be one of "none", /);
});
