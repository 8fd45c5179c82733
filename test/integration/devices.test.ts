// Devices made by nslab, each checked against what iproute2 and sysfs report from inside the
// namespace. Every test makes its own namespaces, so fixed device names cannot collide.
import { readlinkSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createNetns, NslabError, type Link, type LinkState, type Netns } from '../../src/index.ts';
import { waitForState } from '../../src/wait/state.ts';
import {
  comparableState,
  ipAddrs,
  ipBridgeId,
  ipLink,
  ipLinkNames,
  ipLinks,
  oracleState,
  readWhileStill,
  sysfs,
} from '../helpers/oracle.ts';
import { isRunning } from '../helpers/proc.ts';

/** Waits (deadline, woken by notifications) until the device's state satisfies cond; fails otherwise. */
async function settle(ns: Netns, link: Link, cond: (s: LinkState) => boolean, what: string): Promise<LinkState> {
  const w = await waitForState(link, cond, { timeout: 5_000 });
  expect(w.met, `${link.name}: ${what}; last state ${JSON.stringify(w.value)}`).toBe(true);
  return w.value;
}

/** Compares nslab's reading with the oracle's, read while the state holds still (DAD ends on its own). */
async function expectMatchesOracle(ns: Netns, link: Link): Promise<void> {
  const { mine, oracle } = await readWhileStill(
    async () => comparableState(await link.state()),
    () => oracleState(ns, link.name),
  );
  expect(mine).toEqual(oracle);
}

describe('bridge', () => {
  test('with an explicit MAC: kind, MAC and bridge ID as iproute2 and sysfs report them', async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0', { mac: '52:54:00:12:34:56' });
    expect([br.name, br.kind, br.ns]).toEqual(['br0', 'bridge', ns]);
    const ip = (await ipLink(ns, 'br0'))!;
    expect(ip.ifindex).toBe(br.index);
    expect(ip.linkinfo?.info_kind).toBe('bridge');
    expect(ip.address).toBe('52:54:00:12:34:56');
    expect(ipBridgeId(ip.linkinfo?.info_data?.bridge_id)).toBe('8000.525400123456');
    const s = await br.state();
    expect(s.bridgeId).toBe('8000.525400123456');
    expect(s.ports).toEqual([]);
    await expectMatchesOracle(ns, br);
  });

  test("read(): one request gives the device's own state, as ip sees it", async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0', { mac: '52:54:00:12:34:57' });
    const tap = await ns.addTap('tap0', { mac: '52:54:00:00:00:09', owner: 'none' });
    await tap.attachTo(br);
    const [snap, ip] = [await tap.read(), (await ipLink(ns, 'tap0'))!];
    expect([snap.name, snap.index, snap.kind, snap.mac, snap.master?.index]).toEqual([
      ip.ifname,
      ip.ifindex,
      ip.linkinfo?.info_kind,
      ip.address,
      br.index,
    ]);
    expect((await br.read()).bridgeId).toBe(ipBridgeId((await ipLink(ns, 'br0'))?.linkinfo?.info_data?.bridge_id));
    await tap.delete();
    await expect(tap.read()).rejects.toThrow(/no device/);
  });

  test('without a MAC: nslab reports the address and bridge ID the kernel chose', async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    const ip = (await ipLink(ns, 'br0'))!;
    const s = await br.state();
    expect(s.mac).toBe(ip.address);
    expect(s.bridgeId).toBe(ipBridgeId(ip.linkinfo?.info_data?.bridge_id));
    expect(s.bridgeId).toBe((await sysfs(ns, 'br0', ['bridge/bridge_id']))['bridge/bridge_id']);
  });

  test('up and down: admin state, carrier and operstate of a bridge without ports', async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    await br.up();
    expect((await br.state()).adminUp).toBe(true);
    expect((await ipLink(ns, 'br0'))!.flags).toContain('UP');
    // Whatever the kernel reports for a bridge without ports (6.x: carrier on, operstate unknown), nslab reports the same.
    await expectMatchesOracle(ns, br);
    await br.down();
    expect((await br.state()).adminUp).toBe(false);
    expect((await ipLink(ns, 'br0'))!.flags).not.toContain('UP');
    await expectMatchesOracle(ns, br);
  });

  test('setMac: the new address, and the bridge ID follows it', async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    await br.setMac('52:54:00:AA:BB:01');
    expect((await ipLink(ns, 'br0'))!.address).toBe('52:54:00:aa:bb:01');
    expect((await br.state()).bridgeId).toBe('8000.525400aabb01');
    expect((await sysfs(ns, 'br0', ['bridge/bridge_id']))['bridge/bridge_id']).toBe('8000.525400aabb01');
  });

  test('attachTo and detach: the master as iproute2 reports it, ports(), and carrier through a port', async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    const t1 = await ns.addTap('tap1');
    const t2 = await ns.addTap('tap2');
    const [va] = await ns.addVeth('va', { peerName: 'vb' });
    await t1.attachTo(br);
    await t2.attachTo(br);
    expect((await ipLink(ns, 'tap1'))!.master).toBe('br0');
    expect((await ipLink(ns, 'tap2'))!.master).toBe('br0');
    expect((await ipLink(ns, 'va'))!.master).toBeUndefined();
    expect((await br.ports()).map((p) => p.name).sort()).toEqual(['tap1', 'tap2']);
    expect((await br.state()).ports?.sort()).toEqual(['tap1', 'tap2']);
    expect((await t1.state()).master).toEqual({ index: br.index, name: 'br0' });
    expect(va!.index).toBeGreaterThan(0);

    // A port with carrier, up, gives the bridge its carrier (STP is off, so it forwards at once).
    await br.up();
    await t1.up();
    await settle(ns, br, (s) => s.carrier === true && s.operstate === 'up', 'carrier through tap1');
    await expectMatchesOracle(ns, br);
    await expectMatchesOracle(ns, t1);

    await t1.detach();
    expect((await ipLink(ns, 'tap1'))!.master).toBeUndefined();
    expect((await t1.state()).master).toBeUndefined();
    expect((await br.ports()).map((p) => p.name)).toEqual(['tap2']);
    await settle(ns, br, (s) => s.carrier === false, 'no carrier once its only live port left');
    await expectMatchesOracle(ns, br);
  });

  test('delete: the device is gone', async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    await br.delete();
    expect(await ipLink(ns, 'br0')).toBeUndefined();
    expect(await ipLinkNames(ns)).toEqual(['lo']);
  });
});

describe('tap', () => {
  test('owner self: carrier while our descriptor is open, lost when it closes; the persistent device stays', async () => {
    await using ns = await createNetns();
    const tap = await ns.addTap('tap0');
    expect([tap.owner, tap.kind, tap.holder]).toEqual(['self', 'tun', undefined]);
    expect(tap.file?.closed).toBe(false);
    const ip = (await ipLink(ns, 'tap0'))!;
    expect(ip.linkinfo?.info_kind).toBe('tun');
    expect(ip.linkinfo?.info_data).toMatchObject({ type: 'tap', pi: false, persist: true });
    expect((await tap.state()).tun).toMatchObject({ mode: 'tap', persist: true });
    await tap.up();
    expect((await ipLink(ns, 'tap0'))!.flags).toEqual(expect.arrayContaining(['UP', 'LOWER_UP']));
    expect((await ipLink(ns, 'tap0'))!.flags).not.toContain('NO-CARRIER');
    await settle(ns, tap, (s) => s.carrier === true && s.running, 'carrier with the descriptor open');
    await expectMatchesOracle(ns, tap);

    await tap.close();
    expect(tap.file?.closed).toBe(true);
    await settle(ns, tap, (s) => s.carrier === false, 'carrier lost when the descriptor closed');
    expect((await ipLink(ns, 'tap0'))!.flags).toContain('NO-CARRIER');
    await expectMatchesOracle(ns, tap);
  });

  test('owner holder: a separate process holds the descriptor; closing it there drops the carrier, the process stays', async () => {
    await using ns = await createNetns();
    const tap = await ns.addTap('tap0', { owner: 'holder' });
    const holder = tap.holder!;
    expect([tap.owner, tap.file, holder.alive]).toEqual(['holder', undefined, true]);
    expect(isRunning(holder.pid)).toBe(true);
    expect(readlinkSync(`/proc/${holder.pid}/fd/3`)).toBe('/dev/net/tun');
    await tap.up();
    await settle(ns, tap, (s) => s.carrier === true, 'carrier while the holder holds the descriptor');
    expect((await ipLink(ns, 'tap0'))!.flags).toContain('LOWER_UP');

    await tap.close();
    await settle(ns, tap, (s) => s.carrier === false, 'carrier lost when the holder closed its descriptor');
    expect((await ipLink(ns, 'tap0'))!.flags).toContain('NO-CARRIER');
    expect(holder.alive).toBe(true);
    expect(isRunning(holder.pid)).toBe(true);
  });

  test('owner holder: destroying the namespace ends the holder', async () => {
    const ns = await createNetns();
    const tap = await ns.addTap('tap0', { owner: 'holder' });
    const holder = tap.holder!;
    await ns.destroy();
    expect(holder.alive).toBe(false);
    expect((await holder.exited).signal).toBe('SIGKILL');
    expect(isRunning(holder.pid)).toBe(false);
  });

  test('owner holder: a holder that exits or is killed takes the carrier with it', async () => {
    await using ns = await createNetns();
    const a = await ns.addTap('tap-a', { owner: 'holder' });
    const b = await ns.addTap('tap-b', { owner: 'holder' });
    await a.up();
    await b.up();
    await settle(ns, a, (s) => s.carrier === true, 'carrier');
    await settle(ns, b, (s) => s.carrier === true, 'carrier');
    expect(await a.holder!.exit()).toEqual({ code: 0, signal: null });
    expect(await b.holder!.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    await settle(ns, a, (s) => s.carrier === false, 'no carrier after the holder exited');
    await settle(ns, b, (s) => s.carrier === false, 'no carrier after the holder was killed');
  });

  test('owner none: a persistent device without carrier; close() has nothing to close', async () => {
    await using ns = await createNetns();
    const tap = await ns.addTap('tap0', { owner: 'none' });
    expect([tap.owner, tap.file, tap.holder]).toEqual(['none', undefined, undefined]);
    await tap.up();
    expect((await ipLink(ns, 'tap0'))!.flags).toContain('NO-CARRIER');
    expect((await ipLink(ns, 'tap0'))!.linkinfo?.info_data).toMatchObject({ persist: true });
    expect((await tap.state()).carrier).toBe(false);
    await expectMatchesOracle(ns, tap);
    await expect(tap.close()).rejects.toThrow(NslabError);
  });

  test('persist: false — the device lives only as long as its descriptor', async () => {
    await using ns = await createNetns();
    const tap = await ns.addTap('tap0', { persist: false });
    expect((await ipLink(ns, 'tap0'))!.linkinfo?.info_data).toMatchObject({ persist: false });
    expect((await tap.state()).tun?.persist).toBe(false);
    await tap.close();
    expect(await ipLink(ns, 'tap0')).toBeUndefined();
  });

  test('mode tun: a layer-3 device without MAC address', async () => {
    await using ns = await createNetns();
    const tun = await ns.addTap('tun0', { mode: 'tun' });
    const ip = (await ipLink(ns, 'tun0'))!;
    expect(ip.link_type).toBe('none');
    expect(ip.linkinfo?.info_data).toMatchObject({ type: 'tun' });
    const s = await tun.state();
    expect([s.kind, s.tun?.mode, s.mac]).toEqual(['tun', 'tun', undefined]);
    expect(s.flags).toEqual(expect.arrayContaining(['POINTOPOINT', 'NOARP']));
    await expectMatchesOracle(ns, tun);
  });

  test('an explicit MAC is applied', async () => {
    await using ns = await createNetns();
    const tap = await ns.addTap('tap0', { mac: '52:54:00:00:00:42' });
    expect((await ipLink(ns, 'tap0'))!.address).toBe('52:54:00:00:00:42');
    expect((await tap.state()).mac).toBe('52:54:00:00:00:42');
  });

  test('openTun + attach: a descriptor opened in the namespace creates the device there', async () => {
    await using ns = await createNetns();
    const file = ns.openTun();
    expect(await ipLinkNames(ns)).toEqual(['lo']);
    file.attach('tapx', 'tap');
    expect((await ipLink(ns, 'tapx'))!.linkinfo?.info_kind).toBe('tun');
    file.close();
    expect(await ipLink(ns, 'tapx')).toBeUndefined();
  });

  // IFLA_TUN_NUM_QUEUES is only sent for multi-queue devices; nslab must not read its absence as 0.
  test('a held single-queue tap reports no queue count, as iproute2 shows none', async () => {
    await using ns = await createNetns();
    const tap = await ns.addTap('tap0', { owner: 'holder' });
    expect((await ipLink(ns, 'tap0'))!.linkinfo?.info_data).not.toHaveProperty('numqueues');
    expect((await tap.state()).tun).toEqual({ mode: 'tap', persist: true });
  });
});

describe('veth', () => {
  test('ends in two namespaces: each visible in its own, linked across by index and nsid', async () => {
    await using a = await createNetns();
    await using b = await createNetns();
    const [near, far] = await a.addVeth('va', {
      peerName: 'vb',
      peerNs: b,
      mac: '52:54:00:00:0a:01',
      peerMac: '52:54:00:00:0b:01',
    });
    expect([near.ns, far.ns]).toEqual([a, b]);
    const ipA = (await ipLink(a, 'va'))!;
    const ipB = (await ipLink(b, 'vb'))!;
    expect(await ipLink(a, 'vb')).toBeUndefined();
    expect(await ipLink(b, 'va')).toBeUndefined();
    expect([ipA.ifindex, ipB.ifindex]).toEqual([near.index, far.index]);
    expect([ipA.linkinfo?.info_kind, ipB.linkinfo?.info_kind]).toEqual(['veth', 'veth']);
    expect([ipA.address, ipB.address]).toEqual(['52:54:00:00:0a:01', '52:54:00:00:0b:01']);
    // Each end names the other by its index in the other namespace, through an nsid.
    expect(ipA.link_index).toBe(ipB.ifindex);
    expect(ipB.link_index).toBe(ipA.ifindex);
    expect(ipA.link_netnsid).toBeTypeOf('number');
    await near.up();
    await settle(a, near, (s) => s.carrier === false && !s.running, 'no carrier while the peer is down');
    await expectMatchesOracle(a, near);
    await far.up();
    await settle(a, near, (s) => s.carrier === true && s.operstate === 'up', 'carrier once both ends are up');
    await settle(b, far, (s) => s.carrier === true && s.operstate === 'up', 'carrier once both ends are up');
    await expectMatchesOracle(a, near);
    await expectMatchesOracle(b, far);
  });

  test('in one namespace; deleting one end removes both', async () => {
    await using ns = await createNetns();
    const [v0, v1] = await ns.addVeth('v0', { peerName: 'v1' });
    expect(await ipLinkNames(ns)).toEqual(['lo', 'v0', 'v1']);
    // Same namespace: iproute2 names the peer instead of giving its index.
    expect((await ipLink(ns, 'v0'))!.link).toBe('v1');
    expect((await ipLink(ns, 'v1'))!.link).toBe('v0');
    expect((await v0.state()).index).toBe(v0.index);
    expect(v1.ns).toBe(ns);
    await v0.delete();
    expect(await ipLinkNames(ns)).toEqual(['lo']);
  });
});

describe('loopback', () => {
  test('loopback(): down at first, "unknown" operstate once up, with its addresses', async () => {
    await using ns = await createNetns();
    const lo = await ns.loopback();
    expect([lo.name, lo.index]).toEqual(['lo', 1]);
    await expectMatchesOracle(ns, lo);
    await lo.up();
    const s = await lo.state();
    expect([s.kind, s.adminUp, s.operstate]).toEqual(['loopback', true, 'unknown']);
    expect(s.flags).toContain('LOOPBACK');
    expect(s.addresses.map((a) => a.cidr).sort()).toEqual(['127.0.0.1/8', '::1/128']);
    await expectMatchesOracle(ns, lo);
    expect((await ns.link(1)).name).toBe('lo');
  });
});

describe('addresses', () => {
  test('IPv4: added, listed with scope and flags as iproute2 lists them, removed', async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    await br.addAddress('192.0.2.1/24');
    await br.addAddress('198.51.100.7/32');
    const ip = await ipAddrs(ns, 'br0');
    expect(ip.map((a) => `${a.local}/${a.prefixlen} ${a.scope}`)).toEqual([
      '192.0.2.1/24 global',
      '198.51.100.7/32 global',
    ]);
    const mine = await br.addresses();
    expect(mine.map((a) => [a.cidr, a.family, a.scope, a.tentative])).toEqual([
      ['192.0.2.1/24', 4, 0, false],
      ['198.51.100.7/32', 4, 0, false],
    ]);
    expect(mine[0]!.flags).toContain('permanent');
    await expectMatchesOracle(ns, br);
    await br.removeAddress('192.0.2.1/24');
    expect((await ipAddrs(ns, 'br0')).map((a) => a.local)).toEqual(['198.51.100.7']);
  });

  test('IPv6 with DAD: tentative (unbindable) until DAD completes on a live link; without DAD usable at once', async () => {
    await using ns = await createNetns();
    const [v0, v1] = await ns.addVeth('v0', { peerName: 'v1' });
    await v0.addAddress('2001:db8::1/64');
    await v0.addAddress('2001:db8::2/64', { dad: false });
    const ip = Object.fromEntries((await ipAddrs(ns, 'v0')).map((a) => [a.local, a]));
    // The link is down, so DAD has not even started: the first stays tentative.
    expect(ip['2001:db8::1']).toMatchObject({ tentative: true });
    expect(ip['2001:db8::2']).toMatchObject({ nodad: true });
    expect(ip['2001:db8::2']!.tentative).toBeUndefined();
    const mine = Object.fromEntries((await v0.addresses()).map((a) => [a.address, a]));
    expect(mine['2001:db8::1']).toMatchObject({ tentative: true, family: 6, prefixLength: 64 });
    expect(mine['2001:db8::2']).toMatchObject({ tentative: false });
    expect(mine['2001:db8::2']!.flags).toContain('nodad');
    // The kernel's own verdict: bind() fails on a tentative address.
    expect(ns.tryBind('2001:db8::1')).toEqual({ bound: false, code: 'EADDRNOTAVAIL' });
    expect(ns.tryBind('2001:db8::2')).toEqual({ bound: true });
    await expectMatchesOracle(ns, v0);

    await v0.up();
    await v1.up();
    // DAD needs about a second (one probe) once the link has carrier.
    const done = await waitForState(v0, (s) => s.addresses.some((a) => a.address === '2001:db8::1' && !a.tentative), {
      timeout: 10_000,
    });
    expect(done.met).toBe(true);
    expect(ns.tryBind('2001:db8::1')).toEqual({ bound: true });
    expect((await ipAddrs(ns, 'v0')).find((a) => a.local === '2001:db8::1')?.tentative).toBeUndefined();

    await v0.removeAddress('2001:db8::1/64');
    await v0.removeAddress('2001:db8::2/64');
    expect((await ipAddrs(ns, 'v0')).filter((a) => a.scope === 'global')).toEqual([]);
  });
});

describe('state() against iproute2 and sysfs', () => {
  test('every device of a mixed namespace, field by field', async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    const tap = await ns.addTap('tap0', { owner: 'holder' });
    const none = await ns.addTap('tap1', { owner: 'none' });
    const [v0, v1] = await ns.addVeth('v0', { peerName: 'v1' });
    const lo = await ns.loopback();
    await tap.attachTo(br);
    await v0.attachTo(br);
    for (const l of [br, tap, none, v0, lo]) await l.up();
    await br.addAddress('192.0.2.1/24');
    await br.addAddress('2001:db8::1/64', { dad: false });
    await settle(ns, br, (s) => s.carrier === true, 'carrier through tap0');
    await settle(ns, v0, (s) => s.operstate === 'lowerlayerdown', 'no carrier with its peer down');
    for (const l of [br, tap, none, v0, v1, lo]) await expectMatchesOracle(ns, l);
    // The same through links(): every device, in index order.
    const all = await ns.links();
    expect(all.map((s) => [s.index, s.name])).toEqual((await ipLinks(ns)).map((l) => [l.ifindex, l.ifname]));
    for (const s of all) await expectMatchesOracle(ns, await ns.link(s.name));
  });
});
