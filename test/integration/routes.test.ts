// ns.route against iproute2: every route nslab adds, replaces or deletes is read back with
// `ip -json route` inside the namespace, every list is compared whole with iproute2's, and every
// lookup with `ip -json route get`. Each test makes its own namespace (the netns fixture), on
// documentation addresses only.
import { describe } from 'vitest';
import { test, expect } from '../../src/vitest.ts';
import {
  adoptNetns,
  DeviceNotFoundError,
  InvalidAddressError,
  InvalidArgumentError,
  NetlinkError,
  type Link,
  type Netns,
} from '../../src/index.ts';
import { comparableRoute, ipRouteGet, ipRoutes, oracleRoutes, readWhileStill } from '../helpers/oracle.ts';
import { skipUnlessSysctlsWritable } from '../helpers/proc.ts';

/** A veth pair v0/v1, both up, with 192.0.2.1/24 and 2001:db8::1/64 (no DAD) on v0. */
async function wired(ns: Netns): Promise<{ v0: Link; v1: Link }> {
  const [v0, v1] = await ns.addVeth('v0', { peerName: 'v1' });
  await v0!.up();
  await v1!.up();
  await v0!.addAddress('192.0.2.1/24');
  await v0!.addAddress('2001:db8::1/64', { dad: false });
  return { v0: v0!, v1: v1! };
}

/** Sorted, so that two reads of the same tables compare whatever order each listed them in. */
const sorted = <T>(routes: T[]): T[] => [...routes].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** nslab's list and iproute2's of the same table, compared whole, read while the kernel adds none of its own routes. */
async function expectListMatchesOracle(ns: Netns, table: 'main' | 'all' | number = 'main'): Promise<void> {
  const { mine, oracle } = await readWhileStill(
    async () => sorted(await ns.route.list({ table })),
    async () => sorted(await oracleRoutes(ns, table)),
  );
  expect(mine).toEqual(oracle);
}

describe('add and list', () => {
  test('a route via a gateway with table, metric, mtu, src and protocol: iproute2 shows each field', async ({
    netns,
  }) => {
    await wired(netns);
    await netns.route.add({
      dst: '198.51.100.0/24',
      via: '192.0.2.254',
      dev: 'v0',
      src: '192.0.2.1',
      metric: 5,
      table: 100,
      mtu: 1400,
      protocol: 'static',
    });
    const [r] = await ipRoutes(netns, 4, 100);
    expect(comparableRoute(r!, 4, 100)).toEqual({
      family: 4,
      dst: '198.51.100.0/24',
      type: 'unicast',
      table: 100,
      protocol: 'static',
      scope: 'global',
      via: '192.0.2.254',
      dev: 'v0',
      src: '192.0.2.1',
      metric: 5,
      mtu: 1400,
    });
    await expectListMatchesOracle(netns, 100);
  });

  test("the whole namespace, every table and both families, as iproute2 lists it (the kernel's own routes included)", async ({
    netns,
  }) => {
    const { v0 } = await wired(netns);
    await netns.route.add({ dst: 'default', via: '192.0.2.254' });
    await netns.route.add({ dst: 'default', via: '2001:db8::fe' });
    await netns.route.add({ dst: '203.0.113.0/24', dev: v0 });
    await netns.route.add({ dst: '2001:db8:1::/48', via: '2001:db8::fe', dev: v0, metric: 42 });
    const routes = await netns.route.list();
    expect(routes).toContainEqual(
      expect.objectContaining({ family: 4, dst: 'default', via: '192.0.2.254', dev: 'v0' }),
    );
    expect(routes).toContainEqual(expect.objectContaining({ family: 6, dst: 'default', via: '2001:db8::fe' }));
    // A route without a gateway gets iproute2's scope link.
    const direct = routes.find((r) => r.dst === '203.0.113.0/24');
    expect([direct?.scope, direct?.via]).toEqual(['link', undefined]);
    await expectListMatchesOracle(netns, 'main');
    await expectListMatchesOracle(netns, 'all');
  });

  test('types blackhole, unreachable, prohibit and local', async ({ netns }) => {
    const { v0 } = await wired(netns);
    await netns.route.add({ dst: '198.51.100.0/26', type: 'blackhole' });
    await netns.route.add({ dst: '198.51.100.64/26', type: 'unreachable' });
    await netns.route.add({ dst: '2001:db8:2::/48', type: 'prohibit' });
    await netns.route.add({ dst: '198.51.100.200/32', type: 'local', dev: v0 });
    const main = await ipRoutes(netns, 4);
    expect(main.filter((r) => r.type).map((r) => [r.type, r.dst])).toEqual([
      ['blackhole', '198.51.100.0/26'],
      ['unreachable', '198.51.100.64/26'],
    ]);
    expect((await ipRoutes(netns, 6)).find((r) => r.dst === '2001:db8:2::/48')?.type).toBe('prohibit');
    // A local route goes to table local with scope host, as with iproute2.
    expect((await ipRoutes(netns, 4, 'local')).find((r) => r.dst === '198.51.100.200')).toMatchObject({
      type: 'local',
      scope: 'host',
      dev: 'v0',
    });
    await expectListMatchesOracle(netns, 'all');
  });

  test('multipath with weights, IPv4 and IPv6', async ({ netns }) => {
    const { v0 } = await wired(netns);
    await netns.route.add({
      dst: '203.0.113.0/24',
      nexthops: [
        { via: '192.0.2.10', dev: v0, weight: 3 },
        { via: '192.0.2.11', dev: 'v0' },
      ],
    });
    await netns.route.add({
      dst: '2001:db8:3::/48',
      nexthops: [
        { via: '2001:db8::10', dev: v0, weight: 256 },
        { via: '2001:db8::11', dev: v0, weight: 2 },
      ],
    });
    expect((await ipRoutes(netns, 4)).find((r) => r.dst === '203.0.113.0/24')?.nexthops).toEqual([
      { gateway: '192.0.2.10', dev: 'v0', weight: 3, flags: [] },
      { gateway: '192.0.2.11', dev: 'v0', weight: 1, flags: [] },
    ]);
    const v6 = (await netns.route.list({ family: 6 })).find((r) => r.dst === '2001:db8:3::/48');
    expect(v6?.nexthops).toEqual([
      { via: '2001:db8::10', dev: 'v0', weight: 256 },
      { via: '2001:db8::11', dev: 'v0', weight: 2 },
    ]);
    await expectListMatchesOracle(netns);
  });

  test('tables above 255 travel in RTA_TABLE: 1000 and 4294967295', async ({ netns }) => {
    await wired(netns);
    await netns.route.add({ dst: '198.51.100.0/24', via: '192.0.2.254', table: 1000 });
    await netns.route.add({ dst: '198.51.100.0/24', via: '192.0.2.253', table: 4294967295 });
    expect((await ipRoutes(netns, 4, 1000)).map((r) => r.gateway)).toEqual(['192.0.2.254']);
    expect((await ipRoutes(netns, 4, 4294967295)).map((r) => r.gateway)).toEqual(['192.0.2.253']);
    expect((await netns.route.list({ table: 1000 })).map((r) => r.table)).toEqual([1000]);
    await expectListMatchesOracle(netns, 'all');
  });

  test('a table that holds no route lists as empty, as iproute2 has it', async ({ netns }) => {
    await wired(netns);
    expect(await netns.route.list({ table: 777 })).toEqual([]);
    expect(await ipRoutes(netns, 4, 777)).toEqual([]);
  });
});

describe('replace and del', () => {
  test('add twice is EEXIST; replace changes the gateway; del removes it; del again is ESRCH', async ({ netns }) => {
    await wired(netns);
    const route = { dst: '198.51.100.0/24', via: '192.0.2.254' };
    await netns.route.add(route);
    const again = await netns.route.add(route).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(NetlinkError);
    expect(again).toMatchObject({
      code: 'EEXIST',
      request: { type: 'RTM_NEWROUTE', what: 'route add 198.51.100.0/24 via 192.0.2.254' },
    });
    await netns.route.replace({ dst: '198.51.100.0/24', via: '192.0.2.253' });
    expect((await ipRoutes(netns, 4)).filter((r) => r.dst === '198.51.100.0/24').map((r) => r.gateway)).toEqual([
      '192.0.2.253',
    ]);
    await netns.route.del({ dst: '198.51.100.0/24' });
    expect((await ipRoutes(netns, 4)).map((r) => r.dst)).not.toContain('198.51.100.0/24');
    const gone = await netns.route.del({ dst: '198.51.100.0/24' }).catch((e: unknown) => e);
    expect(gone).toMatchObject({ code: 'ESRCH', request: { what: 'route del 198.51.100.0/24' } });
  });

  test('del matches on the fields given: the route of table 100 goes, the one of main stays', async ({ netns }) => {
    await wired(netns);
    await netns.route.add({ dst: '198.51.100.0/24', via: '192.0.2.254' });
    await netns.route.add({ dst: '198.51.100.0/24', via: '192.0.2.254', table: 100 });
    await netns.route.del({ dst: '198.51.100.0/24', table: 100 });
    expect(await ipRoutes(netns, 4, 100)).toEqual([]);
    expect((await ipRoutes(netns, 4)).map((r) => r.dst)).toContain('198.51.100.0/24');
  });
});

describe('in an adopted namespace', () => {
  test("destroy() deletes the routes nslab added, and leaves the namespace's own", async ({ makeNetns }) => {
    const owner = await makeNetns({ label: 'route-owner', pin: true });
    await wired(owner);
    await owner.route.add({ dst: '198.51.100.0/24', via: '192.0.2.254' });
    const adopted = await adoptNetns({ path: owner.pinPath! }, 'route-adopted');
    await adopted.route.add({ dst: '203.0.113.0/24', via: '192.0.2.253', table: 100 });
    await adopted.route.add({ dst: '2001:db8:1::/48', via: '2001:db8::fe' });
    await adopted.route.add({ dst: 'default', via: '192.0.2.252' });
    // Deleted by hand already: the undo finds it gone.
    await adopted.route.del({ dst: 'default' });
    const dsts = async (): Promise<string[]> =>
      (await oracleRoutes(owner, 'all')).map((r) => String(r.dst)).filter((d) => /^(198|203|2001:db8:1::)/.test(d));
    expect((await dsts()).sort()).toEqual(['198.51.100.0/24', '2001:db8:1::/48', '203.0.113.0/24']);
    await adopted.destroy();
    expect(await dsts()).toEqual(['198.51.100.0/24']);
  });
});

describe('get: the kernel decides', () => {
  test('dst, gateway, device and source agree with ip route get; from and mark are passed on', async ({ netns }) => {
    await wired(netns);
    await netns.route.add({ dst: '198.51.100.0/24', via: '192.0.2.254' });
    await netns.route.add({
      dst: '203.0.113.0/24',
      nexthops: [{ via: '192.0.2.10', dev: 'v0' }],
    });
    const viaGateway = await netns.route.get('198.51.100.7');
    const ip = await ipRouteGet(netns, '198.51.100.7');
    expect(viaGateway).toEqual({
      dst: ip.dst,
      type: 'unicast',
      table: 'main',
      via: ip.gateway,
      dev: ip.dev,
      src: ip.prefsrc,
    });
    const fromSource = await netns.route.get('203.0.113.5', { from: '192.0.2.1' });
    const ipFrom = await ipRouteGet(netns, '203.0.113.5', ['from', '192.0.2.1']);
    expect([fromSource.via, fromSource.dev, fromSource.from]).toEqual([ipFrom.gateway, ipFrom.dev, ipFrom.from]);
    const marked = await netns.route.get('198.51.100.7', { mark: 5 });
    expect(marked.mark).toBe((await ipRouteGet(netns, '198.51.100.7', ['mark', '5'])).mark);
    const v6 = await netns.route.get('2001:db8::5');
    expect([v6.dev, v6.via]).toEqual(['v0', undefined]);
    expect((await ipRouteGet(netns, '2001:db8::5')).dev).toBe('v0');
  });

  test('a local address: type local, through lo', async ({ netns }) => {
    await wired(netns);
    const local = await netns.route.get('192.0.2.1');
    const ip = await ipRouteGet(netns, '192.0.2.1');
    // No table asserted: without policy rules the kernel merges table local into main and says main.
    expect(local).toMatchObject({ type: 'local', dev: 'lo' });
    expect(ip).toMatchObject({ type: 'local', dev: 'lo' });
  });

  test('with an input interface, once forwarding is on: as iproute2 sees it', async ({ netns, skip }) => {
    skipUnlessSysctlsWritable({ skip });
    const { v1 } = await wired(netns);
    await v1.addAddress('203.0.113.1/24');
    await netns.route.add({ dst: '198.51.100.0/24', via: '192.0.2.254' });
    await netns.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    const forwarded = await netns.route.get('198.51.100.7', { from: '203.0.113.9', iif: v1 });
    const ip = await ipRouteGet(netns, '198.51.100.7', ['from', '203.0.113.9', 'iif', 'v1']);
    expect([forwarded.via, forwarded.dev, forwarded.iif]).toEqual([ip.gateway, ip.dev, ip.iif]);
  });

  test.for([
    ['no route', '10.0.0.1', undefined, 'ENETUNREACH', 'Network is unreachable'],
    ['unreachable', '198.51.100.65', 'unreachable', 'EHOSTUNREACH', 'No route to host'],
    ['prohibit', '198.51.100.33', 'prohibit', 'EACCES', 'Permission denied'],
    ['blackhole', '198.51.100.129', 'blackhole', 'EINVAL', 'Invalid argument'],
  ] as const)('%s: a NetlinkError with the errno iproute2 reports', async ([, dst, type, code, words], { netns }) => {
    await wired(netns);
    if (type) {
      const prefix = { unreachable: '198.51.100.64/26', prohibit: '198.51.100.32/27', blackhole: '198.51.100.128/25' }[
        type
      ];
      await netns.route.add({ dst: prefix, type });
    }
    const error = await netns.route.get(dst).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect(error).toMatchObject({ code, request: { type: 'RTM_GETROUTE', what: `route get ${dst}` } });
    expect(await ipRouteGet(netns, dst)).toEqual({ refused: `RTNETLINK answers: ${words}` });
  });
});

describe('bad input, refused before anything is sent, and nothing left behind', () => {
  /**
   * Routes of every table, as iproute2 lists them: what a refusal must leave as it was. Without
   * the kernel's own (proto kernel: local, broadcast, prefix, link-local and multicast routes),
   * which it adds as the veth's addresses and carrier settle: CI runs saw one appear between the
   * two reads, first link-local ones, then, under load, one more. A route nslab had sent would be
   * proto boot or what the spec said, and would show.
   */
  const everything = async (ns: Netns): Promise<unknown> =>
    sorted((await oracleRoutes(ns, 'all')).filter((r) => r.protocol !== 'kernel'));

  test.for<[string, object, RegExp]>([
    [
      'a gateway of the other family',
      { dst: '198.51.100.0/24', via: '2001:db8::fe' },
      /via 2001:db8::fe is IPv6 but dst is IPv4/,
    ],
    [
      'a source of the other family',
      { dst: 'default', via: '192.0.2.254', src: '2001:db8::1' },
      /src 2001:db8::1 is IPv6 but via is IPv4/,
    ],
    [
      'next hops of mixed families',
      {
        dst: 'default',
        nexthops: [
          { via: '192.0.2.10', dev: 'v0' },
          { via: '2001:db8::10', dev: 'v0' },
        ],
      },
      /nexthops\[1\]\.via 2001:db8::10 is IPv6 but nexthops\[0\]\.via is IPv4/,
    ],
    [
      'host bits in the prefix',
      { dst: '198.51.100.7/24', via: '192.0.2.254' },
      /has host bits set: write the prefix, 198\.51\.100\.0\/24/,
    ],
    [
      'a destination without a prefix length',
      { dst: '198.51.100.7', via: '192.0.2.254' },
      /write "default" or a prefix/,
    ],
  ])('%s: InvalidAddressError naming the rule', async ([, spec, words], { netns }) => {
    await wired(netns);
    const before = await everything(netns);
    const error = await netns.route.add(spec as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAddressError);
    expect((error as Error).message).toMatch(words);
    expect(await everything(netns)).toEqual(before);
  });

  test.for<[string, object, RegExp]>([
    [
      'table 0',
      { table: 0 },
      /table must be "main", "local", "default" or an integer from 1 to 4294967295, received 0/,
    ],
    ['table 2^32', { table: 4294967296 }, /an integer from 1 to 4294967295, received 4294967296/],
    ['table "mian"', { table: 'mian' }, /received "mian"/],
    ['a metric of -1', { metric: -1 }, /metric must be an integer from 0 to 4294967295, received -1/],
    ['an mtu of 20', { mtu: 20 }, /mtu must be an integer from 68 to 65535, received 20/],
    ['type "gateway"', { type: 'gateway' }, /type must be one of "unicast", "local", .*received "gateway"/],
    [
      'a weight of 0',
      { via: undefined, nexthops: [{ via: '192.0.2.10', dev: 'v0', weight: 0 }] },
      /nexthops\[0\]\.weight must be an integer from 1 to 256, received 0/,
    ],
    [
      'nexthops and via',
      { nexthops: [{ via: '192.0.2.10', dev: 'v0' }] },
      /give either nexthops or via\/dev, not both/,
    ],
    ['a blackhole with a gateway', { type: 'blackhole' }, /a "blackhole" route has no gateway or next hops/],
    ['an unknown field', { gateway: '192.0.2.254' }, /unknown route fields gateway/],
  ])('%s: InvalidArgumentError naming the rule', async ([, extra, words], { netns }) => {
    await wired(netns);
    const before = await everything(netns);
    const error = await netns.route
      .add({ dst: '198.51.100.0/24', via: '192.0.2.254', ...extra } as never)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(words);
    expect(await everything(netns)).toEqual(before);
  });

  test('a unicast route with neither via, dev nor nexthops', async ({ netns }) => {
    const error = await netns.route.add({ dst: '198.51.100.0/24' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/a unicast route needs via, dev or nexthops/);
  });

  test("a device of another namespace: refused, and neither namespace's routes change", async ({
    netns,
    makeNetns,
  }) => {
    await wired(netns);
    const other = await makeNetns({ label: 'elsewhere' });
    const foreign = await other.addBridge('b0');
    await foreign.up();
    const before = [await everything(netns), await everything(other)];
    for (const attempt of [
      () => netns.route.add({ dst: '198.51.100.0/24', dev: foreign }),
      () => netns.route.add({ dst: '198.51.100.0/24', nexthops: [{ via: '192.0.2.10', dev: foreign }] }),
      () => netns.route.get('198.51.100.7', { iif: foreign }),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(
        /bridge b0 \(index \d+\) in elsewhere is not in namespace ns\d+: a route's device must be in the route's namespace/,
      );
    }
    expect([await everything(netns), await everything(other)]).toEqual(before);
  });

  test('a device name that is not there: DeviceNotFoundError', async ({ netns }) => {
    const error = await netns.route.add({ dst: '198.51.100.0/24', dev: 'nope0' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceNotFoundError);
  });

  test("a gateway on no link: the kernel's NetlinkError with its extack and the request", async ({ netns }) => {
    await wired(netns);
    const before = await everything(netns);
    const error = await netns.route.add({ dst: '198.51.100.0/24', via: '203.0.113.1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect(error).toMatchObject({
      code: 'ENETUNREACH',
      extack: 'Nexthop has invalid gateway',
      request: { type: 'RTM_NEWROUTE', what: 'route add 198.51.100.0/24 via 203.0.113.1' },
    });
    expect((error as Error).message).toMatch(/Nexthop has invalid gateway/);
    expect(await everything(netns)).toEqual(before);
  });

  test.for([
    ['IPv4', '203.0.113.0/24', '192.0.2.10', '198.51.100.1'],
    ['IPv6', '2001:db8:3::/48', '2001:db8::10', '2001:db8:99::1'],
  ])('a failed %s multipath add (one hop on no link) leaves no route', async ([, dst, good, bad], { netns }) => {
    const { v0 } = await wired(netns);
    const before = await everything(netns);
    const error = await netns.route
      .add({
        dst: dst!,
        nexthops: [
          { via: good!, dev: v0 },
          { via: bad!, dev: v0 },
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect((error as NetlinkError).request.what).toBe(
      `route add ${dst} nexthop via ${good} dev v0 weight 1 nexthop via ${bad} dev v0 weight 1`,
    );
    expect(await everything(netns)).toEqual(before);
  });
});
