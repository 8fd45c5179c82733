// Routes in batches against iproute2: requestBatch's refusals are the kernel's, message by message;
// ns.route.addAll() lands every route or none. What landed is read back with `ip -json route`
// inside the namespace. Each test makes its own namespace (the netns fixture), on documentation
// addresses only.
import { describe, vi } from 'vitest';
import { test, expect } from '../../src/vitest.ts';
import {
  adoptNetns,
  BatchRefusalError,
  DeviceNotFoundError,
  InvalidAddressError,
  InvalidArgumentError,
  NetlinkError,
  type Netns,
  type RouteSpec,
} from '../../src/index.ts';
import { routeAddBatch } from '../../src/rtnl/route.ts';
import { checkRoute, resolveRoute } from '../../src/netns/route-spec.ts';
import { ipRoutes, oracleRoutes, readWhileStill } from '../helpers/oracle.ts';
import { wiredV4 } from '../helpers/wired.ts';

/** count /32s of 198.51.100.0/24 and 203.0.113.0/24 via 192.0.2.254, table after table from 1000. */
const hostRoutes = (count: number, extra: Partial<RouteSpec> = {}): RouteSpec[] =>
  Array.from({ length: count }, (_, i) => ({
    dst: `${i % 512 < 256 ? '198.51.100' : '203.0.113'}.${i % 256}/32`,
    via: '192.0.2.254',
    table: 1000 + Math.floor(i / 512),
    ...extra,
  }));

const sorted = <T>(routes: T[]): T[] => [...routes].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/**
 * Every IPv4 route of every table, as iproute2 lists them: all that these IPv4 batches could
 * leave behind. The IPv6 tables move on their own, as the veth's link-local address ends DAD.
 */
const everything = async (ns: Netns): Promise<unknown> =>
  sorted((await oracleRoutes(ns, 'all')).filter((r) => r.family === 4));

/** The routes of tables 1000 and up, as iproute2 lists them. */
const batchTables = async (ns: Netns): Promise<Array<Record<string, unknown>>> =>
  (await oracleRoutes(ns, 'all')).filter((r) => typeof r.table === 'number' && r.table >= 1000);

describe('requestBatch: each refusal is the kernel answer to its own message', () => {
  test('a refused message in the middle: the kernel goes on, and the refusal names its own request', async ({
    netns,
  }) => {
    await wiredV4(netns);
    const specs = [
      { dst: '198.51.100.1/32', via: '192.0.2.254', table: 1000 },
      { dst: '198.51.100.2/32', via: '192.0.2.254', table: 1000 },
      { dst: '198.51.100.1/32', via: '192.0.2.254', table: 1000 },
      { dst: '198.51.100.3/32', via: '192.0.2.254', table: 1000 },
    ];
    const requests = specs.map((s) => resolveRoute(netns, checkRoute(netns, 'add', s)));
    const refused = routeAddBatch(netns.rtnl, requests);
    expect([...refused.keys()]).toEqual([2]);
    expect(refused.get(2)).toBeInstanceOf(NetlinkError);
    expect(refused.get(2)).toMatchObject({
      code: 'EEXIST',
      request: { type: 'RTM_NEWROUTE', what: 'route add 198.51.100.1/32 via 192.0.2.254 table 1000' },
    });
    expect((await ipRoutes(netns, 4, 1000)).map((r) => r.dst).sort()).toEqual([
      '198.51.100.1',
      '198.51.100.2',
      '198.51.100.3',
    ]);
  });

  test('2,000 refusals in one batch: every one comes back, none lost to the receive buffer', async ({ netns }) => {
    await wiredV4(netns);
    const requests = hostRoutes(512).map((s) => resolveRoute(netns, checkRoute(netns, 'add', s)));
    expect(routeAddBatch(netns.rtnl, requests).size).toBe(0);
    const again = [...requests, ...requests, ...requests, ...requests].slice(0, 2000);
    const refused = routeAddBatch(netns.rtnl, again);
    expect(refused.size).toBe(2000);
    expect([...refused.values()].every((e) => e.code === 'EEXIST')).toBe(true);
    expect(refused.get(1999)?.request.what).toBe('route add 203.0.113.207/32 via 192.0.2.254 table 1000');
  });
});

describe('addAll: every route or none', () => {
  test('1,500 routes in three tables, by name, by handle, with metrics: iproute2 reads back the same', async ({
    netns,
  }) => {
    const v0 = await wiredV4(netns);
    const routes = hostRoutes(1500).map((r, i) => ({ ...r, dev: i % 2 ? v0 : 'v0', metric: i % 3 }));
    await netns.route.addAll(routes);
    const ours = await batchTables(netns);
    expect(ours).toHaveLength(1500);
    expect(sorted(ours.map((r) => [r.dst, r.table, r.via, r.dev, r.metric]))).toEqual(
      sorted(routes.map((r) => [r.dst, r.table, '192.0.2.254', 'v0', r.metric || undefined])),
    );
    // The veth's IPv6 routes come as its link-local address ends DAD: compare a still table.
    const { mine, oracle } = await readWhileStill(
      async () => sorted(await netns.route.list({ table: 'all' })),
      async () => sorted(await oracleRoutes(netns, 'all')),
    );
    expect(mine).toEqual(oracle);
  });

  test('10,000 routes: all land, and the list reads them as iproute2 does', async ({ netns }) => {
    await wiredV4(netns);
    await netns.route.addAll(hostRoutes(10_000));
    const mine = await netns.route.list({ family: 4, table: 'all' });
    const theirs = (await oracleRoutes(netns, 'all')).filter((r) => r.family === 4);
    expect(mine.filter((r) => typeof r.table === 'number' && r.table >= 1000)).toHaveLength(10_000);
    expect(sorted(mine)).toEqual(sorted(theirs));
  });

  test.for<[string, (routes: RouteSpec[]) => void, RegExp]>([
    [
      'a gateway on no link',
      (routes) => (routes[700] = { dst: '198.51.100.188/32', via: '203.0.113.1', table: 1001 }),
      /^route add 198\.51\.100\.188\/32 via 203\.0\.113\.1 table 1001 \(RTM_NEWROUTE\) failed: \w+: Nexthop has invalid gateway; item 700 of a batch of 1000, 1 refused; the 999 added were deleted again, none is left$/,
    ],
    [
      'a duplicate',
      (routes) => (routes[999] = { ...routes[3]! }),
      /^route add 198\.51\.100\.3\/32 via 192\.0\.2\.254 table 1000 \(RTM_NEWROUTE\) failed: EEXIST.*; item 999 of a batch of 1000, 1 refused; the 999 added were deleted again, none is left$/,
    ],
  ])(
    '%s among 1,000 routes: a BatchRefusalError naming it, and none of the routes left',
    async ([, spoil, words], { netns }) => {
      await wiredV4(netns);
      const before = await everything(netns);
      const routes = hostRoutes(1000);
      spoil(routes);
      const error = await netns.route.addAll(routes).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BatchRefusalError);
      expect(error).toBeInstanceOf(NetlinkError);
      expect((error as Error).message).toMatch(words);
      expect(error).toMatchObject({ refused: 1, total: 1000, request: { type: 'RTM_NEWROUTE' } });
      expect(await everything(netns)).toEqual(before);
    },
  );

  test('every route refused: the first refusal, the count, nothing to delete', async ({ netns }) => {
    await wiredV4(netns);
    await netns.route.addAll(hostRoutes(300));
    const before = await everything(netns);
    const error = await netns.route.addAll(hostRoutes(300)).catch((e: unknown) => e);
    expect(error).toMatchObject({ index: 0, refused: 300, total: 300, code: 'EEXIST' });
    expect((error as Error).message).toMatch(/; item 0 of a batch of 300, 300 refused; none was added$/);
    expect(await everything(netns)).toEqual(before);
  });
});

describe('addAll: bad input anywhere is refused before anything is sent', () => {
  test.for<[string, unknown, new (...args: never[]) => Error, RegExp]>([
    [
      'host bits in routes[3]',
      [...hostRoutes(3), { dst: '198.51.100.7/24', via: '192.0.2.254' }],
      InvalidAddressError,
      /^route\.addAll: routes\[3\]: .*has host bits set: write the prefix, 198\.51\.100\.0\/24/,
    ],
    [
      'a table out of range in routes[1]',
      [...hostRoutes(1), { dst: '198.51.100.0/24', via: '192.0.2.254', table: 0 }],
      InvalidArgumentError,
      /^route\.addAll: routes\[1\]: table must be "main", "local", "default" or an integer from 1 to 4294967295, received 0/,
    ],
    ['not an array', { dst: '198.51.100.0/24' }, InvalidArgumentError, /^route\.addAll: pass an array of routes/],
  ])('%s: a typed error naming the rule, and no request at all', async ([, routes, type, words], { netns }) => {
    await wiredV4(netns);
    const before = await everything(netns);
    const calls = [vi.spyOn(netns.rtnl, 'request'), vi.spyOn(netns.rtnl, 'dump'), vi.spyOn(netns.rtnl, 'requestBatch')];
    try {
      const error = await netns.route.addAll(routes as RouteSpec[]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(words);
      expect(calls.map((s) => s.mock.calls.length)).toEqual([0, 0, 0]);
    } finally {
      calls.forEach((s) => s.mockRestore());
    }
    expect(await everything(netns)).toEqual(before);
  });

  test('a device name the namespace lacks: DeviceNotFoundError after the one link dump, no change sent', async ({
    netns,
  }) => {
    await wiredV4(netns);
    const before = await everything(netns);
    const dump = vi.spyOn(netns.rtnl, 'dump');
    const batch = vi.spyOn(netns.rtnl, 'requestBatch');
    try {
      const routes = [...hostRoutes(50, { dev: 'v0' }), { dst: '203.0.113.0/24', dev: 'v9' }];
      const error = await netns.route.addAll(routes).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeviceNotFoundError);
      expect(error).toMatchObject({ device: 'v9' });
      expect([dump.mock.calls.length, batch.mock.calls.length]).toEqual([1, 0]);
    } finally {
      dump.mockRestore();
      batch.mockRestore();
    }
    expect(await everything(netns)).toEqual(before);
  });
});

describe('addAll in an adopted namespace', () => {
  test("destroy() deletes the routes addAll made, and leaves the namespace's own", async ({ makeNetns }) => {
    const owner = await makeNetns({ label: 'batch-owner', pin: true });
    await wiredV4(owner);
    await owner.route.add({ dst: '198.51.100.0/24', via: '192.0.2.254', table: 1000 });
    const adopted = await adoptNetns({ path: owner.pinPath! }, 'batch-adopted');
    await adopted.route.addAll(hostRoutes(600).slice(256));
    expect(await batchTables(owner)).toHaveLength(345);
    await adopted.destroy();
    expect((await batchTables(owner)).map((r) => r.dst)).toEqual(['198.51.100.0/24']);
  });
});
