// toHaveFdbEntry and toHaveVlans against the kernel, checked with `bridge -json fdb|vlan show`:
// each fails while the kernel says otherwise and prints the table it read, waits for an entry
// added later, and under .not waits for it to go. (toHavePortState, a state matcher, is in the
// table of matchers.test.ts.) toHaveVlans' waits need a kernel with bridge VLAN filtering.
import { stripVTControlCharacters } from 'node:util';
import { describe } from 'vitest';
import { test, expect } from '../../src/vitest.ts';
import { InvalidArgumentError, InvalidMacError, type Bridge, type Link, type Netns } from '../../src/index.ts';
import { noBridgeVlans } from '../helpers/bridged.ts';
import { oracleFdb, oracleVlans } from '../helpers/oracle.ts';
import { failure } from './helpers.ts';

const FAIL_AFTER = { timeout: 200 };

/** A read matcher's message taken apart: hint, expectation, what was received, title, the table read. */
function parse(message: string) {
  const m =
    /^(?<hint>.*)\n\nExpected: (?<expected>.*)\nReceived: (?<received>[^]*?)\n\n(?<title>.*) after waiting (?<waited>\d+) ms of (?<timeout>\d+) ms \((?<reads>\d+) reads\):\n(?<table>\[[^]*\])$/.exec(
      stripVTControlCharacters(message),
    );
  if (!m?.groups) throw new Error(`not an nslab matcher message:\n${message}`);
  const g = m.groups as Record<'hint' | 'expected' | 'received' | 'title' | 'waited' | 'table', string>;
  return { ...g, waited: Number(g.waited), table: JSON.parse(g.table) as Array<Record<string, unknown>> };
}

async function arrange(ns: Netns): Promise<{ br: Bridge; v0: Link }> {
  const br = await ns.addBridge('br0', { mac: '52:54:00:00:00:01' });
  const [v0] = await ns.addVeth('v0', { peerName: 'v1', mac: '52:54:00:00:00:10' });
  await v0!.attachTo(br);
  return { br, v0: v0! };
}

describe('toHaveFdbEntry', () => {
  test('fails while the bridge has no such entry, printing the expectation and the database iproute2 lists', async ({
    netns,
  }) => {
    const { br, v0 } = await arrange(netns);
    await br.fdb.add({ mac: '52:54:00:00:00:0b', port: v0 });
    const error = await failure(() =>
      expect(br).toHaveFdbEntry('52:54:00:00:00:0A', { port: v0, state: 'static', ...FAIL_AFTER }),
    );
    const r = parse(error.message);
    expect(r.hint).toBe('expect(received).toHaveFdbEntry(expected)');
    expect(r.expected).toBe('"52:54:00:00:00:0a dev v0 static"');
    expect(r.received).toContain('52:54:00:00:00:0b dev v0 static');
    expect(r.title).toBe(`The forwarding database of ${br} (bridge fdb show br br0)`);
    expect(r.waited).toBeGreaterThanOrEqual(200);
    const mine = r.table.map((e) => ({ mac: e.mac, port: e.port, vlan: e.vlan, state: e.state }));
    expect(mine.sort((a, b) => `${a.port} ${a.mac}`.localeCompare(`${b.port} ${b.mac}`))).toEqual(
      await oracleFdb(netns, 'br0'),
    );
  });

  test('waits for an entry added later; the port, VLAN and state must match too', async ({ netns }) => {
    const { br, v0 } = await arrange(netns);
    const pending = expect(br).toHaveFdbEntry('52:54:00:00:00:0a', { port: 'v0', state: 'permanent' });
    await br.fdb.add({ mac: '52:54:00:00:00:0a', port: v0, state: 'permanent' });
    await pending;
    expect(await oracleFdb(netns, 'br0')).toContainEqual({
      mac: '52:54:00:00:00:0a',
      port: 'v0',
      vlan: undefined,
      state: 'permanent',
    });
    await expect(br).not.toHaveFdbEntry('52:54:00:00:00:0a', { state: 'static', timeout: 0 });
    await expect(br).not.toHaveFdbEntry('52:54:00:00:00:0a', { port: br, timeout: 0 });
    await expect(br).not.toHaveFdbEntry('52:54:00:00:00:0a', { vlan: 10, timeout: 0 });
    // The bridge's own MAC is an entry of its own, on itself.
    await expect(br).toHaveFdbEntry('52:54:00:00:00:01', { port: br, state: 'permanent' });
  });

  test('.not fails while the entry is there, and waits for it to go', async ({ netns }) => {
    const { br, v0 } = await arrange(netns);
    await br.fdb.add({ mac: '52:54:00:00:00:0a', port: v0 });
    const error = await failure(() => expect(br).not.toHaveFdbEntry('52:54:00:00:00:0a', FAIL_AFTER));
    expect(parse(error.message).hint).toBe('expect(received).not.toHaveFdbEntry(expected)');
    const pending = expect(br).not.toHaveFdbEntry('52:54:00:00:00:0a');
    await br.fdb.del({ mac: '52:54:00:00:00:0a', port: v0 });
    await pending;
    expect((await oracleFdb(netns, 'br0')).map((e) => e.mac)).not.toContain('52:54:00:00:00:0a');
  });

  test('bad expectations fail at once; a port as receiver is a TypeError that says to ask the bridge', async ({
    netns,
  }) => {
    const { br, v0 } = await arrange(netns);
    expect(await failure(() => expect(br).toHaveFdbEntry('52:54:00:00:0a'))).toBeInstanceOf(InvalidMacError);
    expect(await failure(() => expect(br).toHaveFdbEntry('52:54:00:00:00:0a', { vlan: 0 }))).toBeInstanceOf(
      InvalidArgumentError,
    );
    const state = await failure(() =>
      expect(br).toHaveFdbEntry('52:54:00:00:00:0a', { state: 'learned' as 'dynamic' }),
    );
    expect(state.message).toMatch(/^toHaveFdbEntry: the FDB state must be one of "permanent", "static", "dynamic"/);
    const port = await failure(() => expect(v0).toHaveFdbEntry('52:54:00:00:00:0a'));
    expect(port).toBeInstanceOf(TypeError);
    expect(port.message).toMatch(/^toHaveFdbEntry: veth v0 .* is no bridge: expect the bridge to have the entry/);
  });
});

describe('toHaveVlans', () => {
  test('fails while the port has other VLANs, printing what it has', async ({ netns }) => {
    const { v0 } = await arrange(netns);
    const error = await failure(() =>
      expect(v0).toHaveVlans([{ vid: 10, pvid: true, untagged: true }, 20], FAIL_AFTER),
    );
    const r = parse(error.message);
    expect(r.hint).toBe('expect(received).toHaveVlans(expected)');
    expect(r.expected).toBe('"[10 pvid untagged, 20]"');
    expect(r.title).toBe(`The VLANs of ${v0} (bridge vlan show dev v0)`);
    const theirs = (await oracleVlans(netns, ['v0'])).map(({ vid, pvid, untagged }) => ({ vid, pvid, untagged }));
    expect(r.table).toEqual(theirs);
  });

  test('bad expectations fail at once', async ({ netns }) => {
    const { v0 } = await arrange(netns);
    expect(await failure(() => expect(v0).toHaveVlans([4095]))).toBeInstanceOf(InvalidArgumentError);
    expect((await failure(() => expect(v0).toHaveVlans(10 as never))).message).toMatch(
      /^toHaveVlans: expected an array of VLAN ids or \{ vid, pvid\?, untagged\? \}, received 10/,
    );
    expect((await failure(() => expect(v0).toHaveVlans([10, { vid: 10 }]))).message).toBe(
      'toHaveVlans: VLAN 10 is listed twice',
    );
    expect(
      (
        await failure(() =>
          expect(v0).toHaveVlans([
            { vid: 10, pvid: true },
            { vid: 20, pvid: true },
          ]),
        )
      ).message,
    ).toMatch(/a port has one pvid/);
  });

  test('waits for VLANs added later, and .not for them to go', async ({ netns, skip }) => {
    const missing = await noBridgeVlans(netns);
    skip(missing !== undefined, missing);
    const br = await netns.addBridge('br0', { vlanFiltering: true, defaultPvid: 0 });
    const [v0] = await netns.addVeth('v0', { peerName: 'v1' });
    await v0!.attachTo(br);
    await expect(v0!).toHaveVlans([]);
    const pending = expect(v0!).toHaveVlans([{ vid: 10, pvid: true, untagged: true }]);
    await br.vlan.add(v0!, { vid: 10, pvid: true, untagged: true });
    await pending;
    expect(await oracleVlans(netns, ['v0'])).toEqual([{ port: 'v0', vid: 10, pvid: true, untagged: true }]);
    const gone = expect(v0!).not.toHaveVlans([{ vid: 10, pvid: true, untagged: true }]);
    await br.vlan.del(v0!, { vid: 10 });
    await gone;
  });
});
