// Dumps: filtered by master, and large enough that the kernel sends them in several batches.
import { describe, expect, test, vi } from 'vitest';
import { createNetns } from '../../src/index.ts';
import { linkList } from '../../src/rtnl/link.ts';
import { addrList } from '../../src/rtnl/addr.ts';
import { ipAddrs, ipLinks, ipPorts } from '../helpers/oracle.ts';
import { SysError } from '../../src/index.ts';
import { constants } from 'node:os';
import { addManyAltnames } from '../helpers/altnames.ts';

describe('linkList', () => {
  test('with a master filter: exactly the ports of that bridge, as `ip link show master` lists them', async () => {
    await using ns = await createNetns();
    const br0 = await ns.addBridge('br0');
    const br1 = await ns.addBridge('br1');
    for (const name of ['p0', 'p1', 'p2']) await (await ns.addTap(name, { owner: 'none' })).attachTo(br0);
    await (await ns.addTap('q0', { owner: 'none' })).attachTo(br1);
    await ns.addTap('loose', { owner: 'none' });
    expect(linkList(ns.rtnl, { master: br0.index }).map((l) => l.name)).toEqual(await ipPorts(ns, 'br0'));
    expect(
      linkList(ns.rtnl, { master: br0.index })
        .map((l) => l.name)
        .sort(),
    ).toEqual(['p0', 'p1', 'p2']);
    expect(linkList(ns.rtnl, { master: br1.index }).map((l) => l.name)).toEqual(['q0']);
    expect(linkList(ns.rtnl).map((l) => l.name)).toEqual((await ipLinks(ns)).map((l) => l.ifname));
  });

  test('600 devices: the dump spans several receive batches and returns every one, as iproute2 does', async () => {
    await using ns = await createNetns();
    const PAIRS = 300;
    for (let i = 0; i < PAIRS; i++) await ns.addVeth(`a${i}`, { peerName: `b${i}` });
    const recv = vi.spyOn(ns.rtnl, 'receiveNow');
    let links;
    try {
      links = linkList(ns.rtnl);
      expect(recv.mock.calls.length).toBeGreaterThan(2);
    } finally {
      recv.mockRestore();
    }
    expect(links).toHaveLength(2 * PAIRS + 1);
    expect(new Set(links.map((l) => l.index)).size).toBe(links.length);
    const oracle = await ipLinks(ns);
    expect(links.map((l) => [l.index, l.name, l.kind ?? null])).toEqual(
      oracle.map((l) => [l.ifindex, l.ifname, l.linkinfo?.info_kind ?? null]),
    );
    // Each veth names its peer's index (IFLA_LINK).
    const byName = new Map(links.map((l) => [l.name, l]));
    expect(byName.get('a17')!.link).toBe(byName.get('b17')!.index);
  });

  test('many addresses: the address dump is complete too', async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    const N = 254;
    for (let i = 1; i <= N; i++) await br.addAddress(`198.51.100.${i}/32`);
    const recv = vi.spyOn(ns.rtnl, 'receiveNow');
    let addrs;
    try {
      addrs = addrList(ns.rtnl, br.index);
    } finally {
      recv.mockRestore();
    }
    const v4 = addrs.filter((a) => a.family === 4).map((a) => a.address);
    expect(new Set(v4)).toEqual(new Set(Array.from({ length: N }, (_, i) => `198.51.100.${i + 1}`)));
    expect(v4).toEqual((await ipAddrs(ns, 'br0')).filter((a) => a.family === 'inet').map((a) => a.local));
  });
});

describe('a dump given up midway', () => {
  // The first message over 64 KiB in this file: the shared receive buffer has not grown yet.
  test('a dump with a link message over 64 KiB in it (~490 alternative names) returns every device, as iproute2 lists them', async () => {
    await using ns = await createNetns();
    const big = await ns.addBridge('br-big');
    for (let i = 0; i < 20; i++) await ns.addVeth(`a${i}`, { peerName: `b${i}` });
    expect(await addManyAltnames(ns, big.index)).toBe(490);
    const oracle = await ipLinks(ns);
    expect(linkList(ns.rtnl).map((l) => [l.index, l.name])).toEqual(oracle.map((l) => [l.ifindex, l.ifname]));
  });

  test('a receive that fails after the first batch: the next dump on the socket returns every device (the kernel would say EBUSY)', async () => {
    await using ns = await createNetns();
    for (let i = 0; i < 100; i++) await ns.addVeth(`a${i}`, { peerName: `b${i}` });
    const sock = ns.rtnl;
    const real = sock.receiveNow.bind(sock);
    let calls = 0;
    // The first batch arrives; the second receive fails, so linkList gives up with the kernel's dump still running.
    const recv = vi.spyOn(sock, 'receiveNow').mockImplementation(() => {
      if (++calls === 2) throw new SysError('recv', constants.errno.EIO, 'netlink');
      return real();
    });
    try {
      expect(() => linkList(sock)).toThrow(/EIO/);
    } finally {
      recv.mockRestore();
    }
    const oracle = await ipLinks(ns);
    expect(linkList(sock).map((l) => l.name)).toEqual(oracle.map((l) => l.ifname));
  });
});
