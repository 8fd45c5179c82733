// Link attributes set through nslab's own requests (MTU, txqueuelen, alias, altnames, moving a
// device between namespaces) and the counters it decodes, each checked with iproute2 run
// inside the namespace (`ip -json -details [-stats] link show`).
import { describe } from 'vitest';
import { test, expect } from '../../src/vitest.ts';
import {
  adoptNetns,
  InvalidArgumentError,
  InvalidNameError,
  MtuOutOfRangeError,
  NamespaceDestroyedError,
  NetlinkError,
  type Link,
  type LinkStats,
  type Netns,
} from '../../src/index.ts';
import { ipLink, ipLinkOf, ipStats, readWhileStill } from '../helpers/oracle.ts';
import { pingRight, wiredPair } from '../helpers/traffic.ts';

/** nslab's counters (from state()) and iproute2's, read while nothing moves them. */
const settledStats = (ns: Netns, link: Link): Promise<{ mine: LinkStats; oracle: LinkStats }> =>
  readWhileStill(
    async () => (await link.state()).stats!,
    () => ipStats(ns, link.name),
  );

describe('MTU', () => {
  test('setMtu changes IFLA_MTU; state() reports it with the range iproute2 prints', async ({ netns }) => {
    const [v] = await netns.addVeth('v0', { peerName: 'v1' });
    await v!.setMtu(1400);
    const ip = await ipLinkOf(netns, 'v0');
    expect(ip.mtu).toBe(1400);
    const s = await v!.state();
    expect({ mtu: s.mtu, minMtu: s.minMtu, maxMtu: s.maxMtu }).toEqual({
      mtu: ip.mtu,
      minMtu: ip.min_mtu,
      maxMtu: ip.max_mtu,
    });
    await expect(v).toHaveMtu(1400);
  });

  test('a device that reports no range (lo: 0 and 0) takes any MTU the kernel does', async ({ netns }) => {
    const lo = await netns.loopback();
    const ip = await ipLinkOf(netns, 'lo');
    expect([ip.min_mtu ?? 0, ip.max_mtu ?? 0]).toEqual([0, 0]);
    await lo.setMtu(70_000);
    expect((await ipLinkOf(netns, 'lo')).mtu).toBe(70_000);
  });

  test.for([[67], [65536]])(
    'an MTU of %i, outside the range the device reports, is refused before the request, naming the range',
    async ([mtu], { netns }) => {
      const [v] = await netns.addVeth('v0', { peerName: 'v1' });
      const ip = await ipLinkOf(netns, 'v0');
      const error = await v!.setMtu(mtu!).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MtuOutOfRangeError);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error).toMatchObject({ min: ip.min_mtu, max: ip.max_mtu, value: mtu });
      expect((error as Error).message).toMatch(
        new RegExp(`^setMtu: veth v0 .* takes an MTU from ${ip.min_mtu} to ${ip.max_mtu} bytes .*received ${mtu}`),
      );
      expect((await ipLinkOf(netns, 'v0')).mtu).toBe(ip.mtu);
    },
  );

  test.for([[1.5], [-1], ['1400'], [Number.NaN], [2 ** 31]])(
    'an MTU of %j is refused before any syscall',
    async ([mtu], { makeNetns }) => {
      const gone = await makeNetns();
      const br = await gone.addBridge('br0');
      await gone.destroy();
      // Any read or request in the destroyed namespace would be a NamespaceDestroyedError instead.
      const error = await br.setMtu(mtu as number).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(
        /^setMtu: an MTU is a whole number of bytes up to 2147483647, received /,
      );
    },
  );
});

describe('txqueuelen and alias', () => {
  test('setTxQueueLen sets IFLA_TXQLEN; a negative length is refused', async ({ netns }) => {
    const [v] = await netns.addVeth('v0', { peerName: 'v1' });
    await v!.setTxQueueLen(500);
    expect((await ipLinkOf(netns, 'v0')).txqlen).toBe(500);
    expect((await v!.state()).txQueueLen).toBe(500);
    await expect(v!.setTxQueueLen(-1)).rejects.toThrow(InvalidArgumentError);
    expect((await ipLinkOf(netns, 'v0')).txqlen).toBe(500);
  });

  test('setAlias sets IFLA_IFALIAS and an empty alias clears it', async ({ netns }) => {
    const [v] = await netns.addVeth('v0', { peerName: 'v1' });
    await v!.setAlias('uplink to 192.0.2.1');
    expect((await ipLinkOf(netns, 'v0')).ifalias).toBe('uplink to 192.0.2.1');
    expect((await v!.state()).alias).toBe('uplink to 192.0.2.1');
    await v!.setAlias('');
    expect((await ipLinkOf(netns, 'v0')).ifalias).toBeUndefined();
    expect((await v!.state()).alias).toBeUndefined();
  });

  test.for([
    ['x'.repeat(256), /at most 255 bytes/],
    ['a\0b', /a NUL byte/],
  ])('an alias %# is refused before the request', async ([alias, why], { netns }) => {
    const [v] = await netns.addVeth('v0', { peerName: 'v1' });
    const error = await v!.setAlias(alias as string).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(why as RegExp);
    expect((await ipLinkOf(netns, 'v0')).ifalias).toBeUndefined();
  });
});

describe('alternative names', () => {
  test('addAltName and delAltName, as `ip link property` does', async ({ netns }) => {
    const [v] = await netns.addVeth('v0', { peerName: 'v1' });
    const long = `uplink-${'x'.repeat(120)}`;
    await v!.addAltName('uplink0');
    await v!.addAltName(long);
    expect((await ipLinkOf(netns, 'v0')).altnames).toEqual(['uplink0', long]);
    expect((await v!.state()).altNames).toEqual(['uplink0', long]);
    await v!.delAltName('uplink0');
    expect((await ipLinkOf(netns, 'v0')).altnames).toEqual([long]);
  });

  test("the kernel's refusals: a name another device has, a name the device does not have", async ({ netns }) => {
    const [v] = await netns.addVeth('v0', { peerName: 'v1' });
    const taken = await v!.addAltName('v1').catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(NetlinkError);
    expect(taken).toMatchObject({ code: 'EEXIST', request: { what: 'link property add dev v0 altname v1' } });
    const missing = await v!.delAltName('nope').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NetlinkError);
    expect(missing).toMatchObject({ code: 'ENOENT', request: { type: 'RTM_DELLINKPROP' } });
    expect((await ipLinkOf(netns, 'v0')).altnames ?? []).toEqual([]);
  });

  test.for([
    ['x'.repeat(128), /128 bytes long; the kernel allows at most 127/],
    ['a/b', /"\/" is not allowed/],
  ])('an alternative name %# is an InvalidNameError before the request', async ([name, why], { netns }) => {
    const [v] = await netns.addVeth('v0', { peerName: 'v1' });
    const error = await v!.addAltName(name as string).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidNameError);
    expect((error as Error).message).toMatch(/^invalid alternative name /);
    expect((error as Error).message).toMatch(why as RegExp);
    expect((await ipLinkOf(netns, 'v0')).altnames ?? []).toEqual([]);
  });
});

describe('moveTo', () => {
  test('moves the device into another namespace and returns a handle bound there', async ({ netns, makeNetns }) => {
    const other = await makeNetns({ label: 'other' });
    const [, peer] = await netns.addVeth('v0', { peerName: 'v1' });
    const moved = await peer!.moveTo(other);
    expect(await ipLink(netns, 'v1')).toBeUndefined();
    const ip = await ipLinkOf(other, 'v1');
    expect(moved.ns).toBe(other);
    expect(moved.index).toBe(ip.ifindex);
    expect((await moved.state()).name).toBe('v1');
  });

  test('a device moved into an adopted namespace is deleted when the handle is destroyed', async ({
    netns,
    makeNetns,
  }) => {
    const owner = await makeNetns({ label: 'container', pin: true });
    const adopted = await adoptNetns({ path: owner.pinPath! }, 'adopted');
    const [near, peer] = await netns.addVeth('v0', { peerName: 'v1' });
    await peer!.moveTo(adopted);
    expect(await ipLink(owner, 'v1')).toBeDefined();
    await adopted.destroy();
    expect(await ipLink(owner, 'v1')).toBeUndefined();
    // Its veth peer went with it.
    expect(await ipLink(netns, near!.name)).toBeUndefined();
  });

  test('a destroyed target or the same namespace is refused, and the device stays', async ({ netns, makeNetns }) => {
    const gone = await makeNetns({ label: 'gone' });
    await gone.destroy();
    const [, peer] = await netns.addVeth('v0', { peerName: 'v1' });
    await expect(peer!.moveTo(gone)).rejects.toThrow(NamespaceDestroyedError);
    await expect(peer!.moveTo(netns)).rejects.toThrow(/moveTo: .* is already in namespace/);
    await expect(peer!.moveTo({} as Netns)).rejects.toThrow(/moveTo: the target must be a namespace handle/);
    expect(await ipLink(netns, 'v1')).toBeDefined();
  });
});

describe('statistics', () => {
  test('stats() and state().stats are the counters iproute2 prints, after traffic', async ({ makeNetns, skip }) => {
    const { left, l } = await wiredPair({ makeNetns, skip });
    expect((await pingRight(left, 3)).exitCode).toBe(0);
    const { mine, oracle } = await settledStats(left, l);
    expect(mine).toEqual(oracle);
    // Three echo requests went out, and at least their replies came back.
    expect(mine.txPackets).toBeGreaterThanOrEqual(3);
    expect(mine.rxPackets).toBeGreaterThanOrEqual(3);
  });

  test('toHaveStatsSince: at least as many more packets as were pinged, on both ends, and iproute2 agrees', async ({
    makeNetns,
    skip,
  }) => {
    const { left, right, l, r } = await wiredPair({ makeNetns, skip });
    const [markL, markR] = [await l.stats(), await r.stats()];
    const oracleMark = await ipStats(right, 'right0');
    expect((await pingRight(left, 3)).exitCode).toBe(0);
    await expect(l).toHaveStatsSince(markL, { txPackets: 3, rxPackets: 3 });
    await expect(r).toHaveStatsSince(markR, { rxPackets: 3, txPackets: 3, rxBytes: 3 * 84 });
    const after = await ipStats(right, 'right0');
    expect(after.rxPackets - oracleMark.rxPackets).toBeGreaterThanOrEqual(3);
  });
});
