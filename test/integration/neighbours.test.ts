// ns.neigh (`ip neigh`) against iproute2 run inside the namespace: every operation, both families,
// proxy entries, the kernel's refusals and the checks made before any request. The devices stay
// down: the kernel then adds no entries of its own (IPv6 multicast ones come with traffic) and
// no timer moves an entry out of the states used here, so both reads see the same table.
import { describe, expect, test, vi } from 'vitest';
import {
  DeviceNotFoundError,
  InvalidAddressError,
  InvalidArgumentError,
  InvalidMacError,
  InvalidNameError,
  NetlinkError,
  type Neighbour,
  type Netns,
} from '../../src/index.ts';
import { test as nsTest } from '../../src/vitest.ts';
import { ipNeighProxies, ipNeighs, type IpNeigh } from '../helpers/oracle.ts';
import { skipUnlessSysctlsWritable } from '../helpers/proc.ts';

/** The fields both views have, iproute2's way: state names in upper case, none for NUD_NONE. */
interface Comparable {
  dev: string | undefined;
  to: string;
  lladdr: string | undefined;
  state: string[] | undefined;
  router: boolean;
}

const fromNslab = (n: Neighbour): Comparable => ({
  dev: n.dev,
  to: n.to,
  lladdr: n.lladdr,
  state: n.state === 'none' || n.proxy ? undefined : [n.state!.toUpperCase()],
  router: n.router,
});

const fromIp = (n: IpNeigh, dev?: string): Comparable => ({
  dev: n.dev ?? dev,
  to: n.dst,
  lladdr: n.lladdr,
  state: n.state,
  router: n.router === null,
});

const byKey = (a: Comparable, b: Comparable): number => `${a.dev} ${a.to}`.localeCompare(`${b.dev} ${b.to}`);
const sorted = (list: Comparable[]): Comparable[] => [...list].sort(byKey);

/** A veth pair, both ends down (see the file's comment). */
async function pair(ns: Netns): Promise<void> {
  await ns.addVeth('v0', { peerName: 'v1' });
}

describe('ns.neigh against ip -json neigh', () => {
  nsTest('add: ARP and NDP entries in several states, listed per device and for the namespace', async ({ netns }) => {
    await pair(netns);
    const v0 = await netns.link('v0');
    await netns.neigh.add({ dev: v0, to: '192.0.2.2', lladdr: '52:54:00:00:00:02' });
    await netns.neigh.add({ dev: 'v0', to: '192.0.2.3', lladdr: '52:54:00:00:00:03', state: 'stale' });
    await netns.neigh.add({ dev: 'v1', to: '198.51.100.4', lladdr: '52:54:00:00:00:04', state: 'noarp' });
    await netns.neigh.add({
      dev: v0,
      to: '2001:DB8:0::2',
      lladdr: '52:54:00:AA:00:05',
      state: 'permanent',
      router: true,
    });

    const oracle = await ipNeighs(netns, ['dev', 'v0']);
    expect(oracle.map((n) => n.dst).sort()).toEqual(['192.0.2.2', '192.0.2.3', '2001:db8::2']);
    expect(sorted((await netns.neigh.list({ dev: v0 })).map(fromNslab))).toEqual(
      sorted(oracle.map((n) => fromIp(n, 'v0'))),
    );
    expect(sorted((await netns.neigh.list()).map(fromNslab))).toEqual(
      sorted((await ipNeighs(netns)).map((n) => fromIp(n))),
    );
    const v6 = (await netns.neigh.list({ dev: 'v0' })).find((n) => n.family === 6);
    expect(v6).toMatchObject({ to: '2001:db8::2', lladdr: '52:54:00:aa:00:05', state: 'permanent', router: true });
  });

  nsTest('get: the one entry as iproute2 shows it, undefined when there is none', async ({ netns }) => {
    await pair(netns);
    await netns.neigh.add({ dev: 'v0', to: '192.0.2.2', lladdr: '52:54:00:00:00:02', state: 'stale', router: true });
    const [seen] = await ipNeighs(netns, ['to', '192.0.2.2', 'dev', 'v0']);
    const got = await netns.neigh.get({ dev: 'v0', to: '192.0.2.2' });
    expect(got && fromNslab(got)).toEqual(fromIp(seen!, 'v0'));
    expect(await netns.neigh.get({ dev: 'v0', to: '192.0.2.9' })).toBeUndefined();
    expect(await ipNeighs(netns, ['to', '192.0.2.9'])).toEqual([]);
    expect(await netns.neigh.get({ dev: 'v1', to: '192.0.2.2' })).toBeUndefined();
  });

  nsTest('replace: creates, then overwrites lladdr and state in place', async ({ netns }) => {
    await pair(netns);
    await netns.neigh.replace({ dev: 'v0', to: '2001:db8::2', lladdr: '52:54:00:00:00:02', state: 'stale' });
    expect((await ipNeighs(netns, ['dev', 'v0'])).map((n) => [n.dst, n.lladdr, n.state])).toEqual([
      ['2001:db8::2', '52:54:00:00:00:02', ['STALE']],
    ]);
    await netns.neigh.replace({ dev: 'v0', to: '2001:db8::2', lladdr: '52:54:00:00:00:09', state: 'permanent' });
    expect((await ipNeighs(netns, ['dev', 'v0'])).map((n) => [n.dst, n.lladdr, n.state])).toEqual([
      ['2001:db8::2', '52:54:00:00:00:09', ['PERMANENT']],
    ]);
    expect(await netns.neigh.get({ dev: 'v0', to: '2001:db8::2' })).toMatchObject({
      lladdr: '52:54:00:00:00:09',
      state: 'permanent',
    });
  });

  nsTest('del: the entry is gone for iproute2 too', async ({ netns }) => {
    await pair(netns);
    await netns.neigh.add({ dev: 'v0', to: '192.0.2.2', lladdr: '52:54:00:00:00:02' });
    await netns.neigh.add({ dev: 'v0', to: '192.0.2.3', lladdr: '52:54:00:00:00:03' });
    await netns.neigh.del({ dev: 'v0', to: '192.0.2.2' });
    expect((await ipNeighs(netns, ['dev', 'v0'])).map((n) => n.dst)).toEqual(['192.0.2.3']);
    expect((await netns.neigh.list({ dev: 'v0' })).map((n) => n.to)).toEqual(['192.0.2.3']);
  });

  nsTest('proxy entries: add, list, get and del, apart from the neighbours', async ({ netns }) => {
    await pair(netns);
    await netns.neigh.add({ dev: 'v0', to: '192.0.2.5', proxy: true });
    await netns.neigh.add({ dev: 'v0', to: '2001:db8::5', proxy: true });
    const oracle = (await ipNeighProxies(netns)).map((n) => [n.dev, n.dst, n.proxy]);
    expect(oracle.sort()).toEqual([
      ['v0', '192.0.2.5', null],
      ['v0', '2001:db8::5', null],
    ]);
    const listed = await netns.neigh.list({ proxy: true });
    expect(listed.map((n) => [n.dev, n.to, n.proxy ? null : 'not proxy']).sort()).toEqual(oracle);
    expect(listed.every((n) => n.lladdr === undefined)).toBe(true);
    // The proxy table is not the neighbour table.
    expect(await netns.neigh.list({ dev: 'v0' })).toEqual([]);
    expect(await ipNeighs(netns, ['dev', 'v0'])).toEqual([]);
    expect(await netns.neigh.get({ dev: 'v0', to: '192.0.2.5', proxy: true })).toMatchObject({ proxy: true });
    expect(await netns.neigh.get({ dev: 'v0', to: '192.0.2.5' })).toBeUndefined();
    await netns.neigh.del({ dev: 'v0', to: '192.0.2.5', proxy: true });
    expect((await ipNeighProxies(netns)).map((n) => n.dst)).toEqual(['2001:db8::5']);
  });
});

describe("the kernel's refusals, as NetlinkError with the request, leaving the table as it was", () => {
  nsTest('add of an existing entry: EEXIST', async ({ netns }) => {
    await pair(netns);
    await netns.neigh.add({ dev: 'v0', to: '192.0.2.2', lladdr: '52:54:00:00:00:02' });
    const before = await ipNeighs(netns);
    const error = await netns.neigh
      .add({ dev: 'v0', to: '192.0.2.2', lladdr: '52:54:00:00:00:07', state: 'stale' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect(error).toMatchObject({
      code: 'EEXIST',
      request: { type: 'RTM_NEWNEIGH', what: 'neigh add 192.0.2.2 lladdr 52:54:00:00:00:07 nud stale dev v0' },
    });
    expect(await ipNeighs(netns)).toEqual(before);
  });

  nsTest('del of a missing entry: ENOENT', async ({ netns }) => {
    await pair(netns);
    const error = await netns.neigh.del({ dev: 'v0', to: '2001:db8::9' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect(error).toMatchObject({
      code: 'ENOENT',
      request: { type: 'RTM_DELNEIGH', what: 'neigh del 2001:db8::9 dev v0' },
    });
    expect(await ipNeighs(netns)).toEqual([]);
  });

  nsTest("an NDP entry on a device without IPv6: the kernel's own words", async ({ netns, skip }) => {
    skipUnlessSysctlsWritable({ skip });
    await pair(netns);
    await netns.exec('sysctl', ['-qw', 'net.ipv6.conf.v0.disable_ipv6=1']);
    const error = await netns.neigh
      .add({ dev: 'v0', to: '2001:db8::2', lladdr: '52:54:00:00:00:02' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect(error).toMatchObject({
      extack: 'IPv6 is disabled on this device',
      request: { type: 'RTM_NEWNEIGH', what: 'neigh add 2001:db8::2 lladdr 52:54:00:00:00:02 nud permanent dev v0' },
    });
    expect(await ipNeighs(netns)).toEqual([]);
  });

  nsTest('a device name that does not exist: DeviceNotFoundError', async ({ netns }) => {
    await expect(netns.neigh.add({ dev: 'nope0', to: '192.0.2.2', lladdr: '52:54:00:00:00:02' })).rejects.toThrow(
      DeviceNotFoundError,
    );
    expect(await ipNeighs(netns)).toEqual([]);
  });
});

describe('bad input is refused before any request', () => {
  const cases: Array<[string, Record<string, unknown>, abstract new (...a: never[]) => Error, RegExp]> = [
    [
      'a state that does not exist',
      { to: '192.0.2.2', lladdr: '52:54:00:00:00:02', state: 'up' },
      InvalidArgumentError,
      /^neigh\.add: the neighbour state must be one of "none", .*"permanent", received "up"$/,
    ],
    [
      'a state in capitals',
      { to: '192.0.2.2', lladdr: '52:54:00:00:00:02', state: 'PERMANENT' },
      InvalidArgumentError,
      /the neighbour state must be one of/,
    ],
    [
      'an address with a prefix',
      { to: '192.0.2.2/32', lladdr: '52:54:00:00:00:02' },
      InvalidAddressError,
      /^invalid IP address "192\.0\.2\.2\/32"$/,
    ],
    ['no address', { lladdr: '52:54:00:00:00:02' }, InvalidAddressError, /^invalid IP address undefined$/],
    ['a malformed lladdr', { to: '192.0.2.2', lladdr: '52:54:00:00:02' }, InvalidMacError, /write six hex octets/],
    [
      'a proxy entry with an lladdr',
      { to: '192.0.2.2', lladdr: '52:54:00:00:00:02', proxy: true },
      InvalidArgumentError,
      /^neigh\.add: a proxy entry has no lladdr, state or router flag/,
    ],
    [
      'router as a string',
      { to: '192.0.2.2', lladdr: '52:54:00:00:00:02', router: 'yes' },
      InvalidArgumentError,
      /^neigh\.add: router must be true or false, received "yes"$/,
    ],
    ['a device name with a space', { dev: 'v 0', to: '192.0.2.2' }, InvalidNameError, /whitespace is not allowed/],
  ];
  nsTest.for(cases)('%s', async ([, spec, type, message], { netns }) => {
    await pair(netns);
    const calls = [vi.spyOn(netns.rtnl, 'request'), vi.spyOn(netns.rtnl, 'dump')];
    try {
      const error = await netns.neigh.add({ dev: 'v0', ...spec } as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(message);
      expect(calls.reduce((n, s) => n + s.mock.calls.length, 0)).toBe(0);
    } finally {
      calls.forEach((s) => s.mockRestore());
    }
    expect(await ipNeighs(netns)).toEqual([]);
  });

  nsTest('a device of another namespace, even one whose index exists here', async ({ netns, makeNetns }) => {
    await pair(netns);
    const other = await makeNetns();
    await other.addVeth('v0', { peerName: 'v1' });
    const foreign = await other.link('v0');
    const spy = vi.spyOn(netns.rtnl, 'request');
    try {
      const error = await netns.neigh
        .add({ dev: foreign, to: '192.0.2.2', lladdr: '52:54:00:00:00:02' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(
        /^neigh\.add: veth v0 \(index \d+\) in ns\d+ is not in namespace ns\d+: pass a device of this namespace, or its name$/,
      );
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect(await ipNeighs(netns)).toEqual([]);
    expect(await ipNeighs(other)).toEqual([]);
  });
});

test('a destroyed namespace refuses ns.neigh like any request', async () => {
  const { createNetns, NamespaceDestroyedError } = await import('../../src/index.ts');
  const ns = await createNetns();
  await ns.destroy();
  await expect(ns.neigh.list()).rejects.toThrow(NamespaceDestroyedError);
});
