// Issue 13, end to end: two hosts joined through a third namespace that routes between them,
// built with nslab's API alone. host-a (a0) sits on 192.0.2.0/24 with the router's r0; host-b
// has two links to the router, b0-r1 on 198.51.100.0/24 (the main path) and b1-r2 on
// 203.0.113.0/24. host-a's second address, 192.0.2.66, is sent by a policy rule on the router
// through table 100, whose route to host-b goes out the second link; with IPv6 on, a0-r0 and
// b0-r1 also carry 2001:db8:a::/64 and 2001:db8:b::/64. busybox ping makes the
// traffic; the counters, neighbour tables and lookups show where it went, and iproute2 (`ip
// route get`, `ip neigh`, run in the namespaces) checks the lookups and neighbours.
import { describe } from 'vitest';
import { test, expect } from '../../src/vitest.ts';
import type { Link, Netns, NeighState } from '../../src/index.ts';
import { ipNeighs, ipRouteGet } from '../helpers/oracle.ts';
import { skipUnlessSysctlsWritable } from '../helpers/proc.ts';
import { ping, type TrafficContext } from '../helpers/traffic.ts';

interface Routed {
  a: Netns;
  router: Netns;
  b: Netns;
  a0: Link;
  r0: Link;
  r1: Link;
  b0: Link;
  r2: Link;
  b1: Link;
}

const PINGS = 3;
const B = '198.51.100.2';
const POLICY_SOURCE = '192.0.2.66';
const A6 = '2001:db8:a::2';
const B6 = '2001:db8:b::2';

/** How routedHosts builds the topology: whether the router forwards, and whether IPv6 is on, with addresses and routes of its own. */
interface Build {
  forwarding: boolean;
  ipv6?: boolean;
}

/**
 * The three namespaces wired and addressed, with routes both ways and the policy rule; the
 * router forwards if asked to (both families, with IPv6). Everything here writes sysctls: where
 * /proc/sys is read-only the test skips.
 */
async function routedHosts(ctx: TrafficContext, { forwarding, ipv6 = false }: Build): Promise<Routed> {
  skipUnlessSysctlsWritable(ctx);
  const { makeNetns } = ctx;
  const a = await makeNetns({ label: 'host-a' });
  const router = await makeNetns({ label: 'router' });
  const b = await makeNetns({ label: 'host-b' });
  for (const ns of [a, router, b]) {
    // Without IPv6 on the devices made next, no DAD, router solicitation or MLD report moves the counters.
    if (!ipv6) await ns.sysctl.set('net.ipv6.conf.default.disable_ipv6', 1);
    // A new namespace's IPv4 conf/all and conf/default are copies of the host's, so the host's
    // reverse-path filter would decide whether host-b takes the policy source's packets on its
    // second link (their replies return by the first); and ip_forward, the host's, is set off
    // here so that the router forwards only once a test turns it on.
    await ns.sysctl.set('net.ipv4.conf.all.rp_filter', 0);
    await ns.sysctl.set('net.ipv4.conf.default.rp_filter', 0);
    await ns.sysctl.set('net.ipv4.ip_forward', 0);
  }
  const [a0, r0] = await a.addVeth('a0', { peerName: 'r0', peerNs: router });
  const [b0, r1] = await b.addVeth('b0', { peerName: 'r1', peerNs: router });
  const [b1, r2] = await b.addVeth('b1', { peerName: 'r2', peerNs: router });
  const t: Routed = { a, router, b, a0: a0!, r0: r0!, r1: r1!, b0: b0!, r2: r2!, b1: b1! };
  const addresses: Array<[Link, string]> = [
    [t.a0, '192.0.2.2/24'],
    [t.a0, `${POLICY_SOURCE}/24`],
    [t.r0, '192.0.2.1/24'],
    [t.r1, '198.51.100.1/24'],
    [t.b0, `${B}/24`],
    [t.r2, '203.0.113.1/24'],
    [t.b1, '203.0.113.2/24'],
  ];
  const addresses6: Array<[Link, string]> = [
    [t.a0, `${A6}/64`],
    [t.r0, '2001:db8:a::1/64'],
    [t.r1, '2001:db8:b::1/64'],
    [t.b0, `${B6}/64`],
  ];
  for (const [link, cidr] of addresses) await link.addAddress(cidr);
  // Without DAD, so that the addresses can be used at once.
  if (ipv6) for (const [link, cidr] of addresses6) await link.addAddress(cidr, { dad: false });
  const links = [t.a0, t.r0, t.r1, t.b0, t.r2, t.b1];
  for (const link of links) await link.up();
  for (const link of links) await expect(link).toBeRunning();
  await a.route.add({ dst: 'default', via: '192.0.2.1' });
  await b.route.add({ dst: '192.0.2.0/24', via: '198.51.100.1' });
  await router.route.add({ dst: '198.51.100.0/24', via: '203.0.113.2', dev: t.r2, table: 100 });
  await router.rule.add({ priority: 100, from: POLICY_SOURCE, table: 100 });
  if (ipv6) {
    await a.route.add({ dst: 'default', via: '2001:db8:a::1' });
    await b.route.add({ dst: '2001:db8:a::/64', via: '2001:db8:b::1' });
  }
  if (forwarding) await router.sysctl.set('net.ipv4.ip_forward', 1);
  if (forwarding && ipv6) await router.sysctl.set('net.ipv6.conf.all.forwarding', 1);
  return t;
}

type Marks = Map<Link, Awaited<ReturnType<Link['stats']>>>;
const mark = async (links: Link[]): Promise<Marks> =>
  new Map(await Promise.all(links.map(async (l) => [l, await l.stats()] as const)));

// An entry with the neighbour's address may be in any of these while this runs: the router
// resolved host-b itself (reachable until a random 15-45 s pass), but learnt host-a from its ARP
// request (stale, then delay and probe once used). Timers move it between them, never out.
const VALID: Array<NeighState | undefined> = ['reachable', 'stale', 'delay', 'probe'];

describe('forwarding through a router namespace', () => {
  test('without ip_forward the router takes the pings in and sends none on; with it they pass both ports', async ({
    makeNetns,
    skip,
  }) => {
    const t = await routedHosts({ makeNetns, skip }, { forwarding: false });
    expect(await t.router.sysctl.get('net.ipv4.ip_forward')).toBe(0);
    let marks = await mark([t.r0, t.r1, t.b0]);
    const refused = await ping(t.a, B, PINGS);
    expect(refused.exitCode, String(refused.stdout)).not.toBe(0);
    await expect(t.r0).toHaveStatsSince(marks.get(t.r0)!, { rxPackets: PINGS });
    // The ping has ended: whatever the router would have sent on, it would have counted by now.
    await expect(t.r1).not.toHaveStatsSince(marks.get(t.r1)!, { txPackets: PINGS });
    await expect(t.b0).not.toHaveStatsSince(marks.get(t.b0)!, { rxPackets: PINGS });

    await t.router.sysctl.set('net.ipv4.ip_forward', 1);
    expect(await t.router.sysctl.get('net.ipv4.ip_forward')).toBe(1);
    marks = await mark([t.r0, t.r1, t.b0]);
    const passed = await ping(t.a, B, PINGS);
    expect(passed.exitCode, String(passed.stdout)).toBe(0);
    // In on r0 and out on r1, the echo requests; back in on r1 and out on r0, the replies.
    await expect(t.r0).toHaveStatsSince(marks.get(t.r0)!, { rxPackets: PINGS, txPackets: PINGS });
    await expect(t.r1).toHaveStatsSince(marks.get(t.r1)!, { txPackets: PINGS, rxPackets: PINGS });
    await expect(t.b0).toHaveStatsSince(marks.get(t.b0)!, { rxPackets: PINGS, txPackets: PINGS });
  });

  test('after forwarding: the router knows both hosts, and each namespace looks up the expected gateway', async ({
    makeNetns,
    skip,
  }) => {
    const t = await routedHosts({ makeNetns, skip }, { forwarding: true });
    expect((await ping(t.a, B, PINGS)).exitCode).toBe(0);

    const aMac = (await t.a0.read()).mac!;
    const bMac = (await t.b0.read()).mac!;
    await expect(t.r0).toHaveNeighbour('192.0.2.2', { lladdr: aMac });
    await expect(t.r1).toHaveNeighbour(B, { lladdr: bMac });
    await expect(t.a0).toHaveNeighbour('192.0.2.1', { lladdr: (await t.r0.read()).mac! });
    await expect(t.b0).toHaveNeighbour('198.51.100.1', { lladdr: (await t.r1.read()).mac! });
    const mine = await t.router.neigh.list();
    const oracle = await ipNeighs(t.router);
    for (const [dev, to, lladdr] of [
      ['r0', '192.0.2.2', aMac],
      ['r1', B, bMac],
    ] as const) {
      const entry = mine.find((n) => n.dev === dev && n.to === to);
      expect(entry).toMatchObject({ lladdr, family: 4 });
      expect(VALID).toContain(entry!.state);
      const ip = oracle.find((n) => n.dev === dev && n.dst === to);
      expect(ip?.lladdr).toBe(lladdr);
      expect(VALID).toContain(ip?.state?.[0]?.toLowerCase());
    }

    await expect(t.a).toRoute(B, { via: '192.0.2.1', dev: 'a0' });
    await expect(t.b).toRoute('192.0.2.2', { via: '198.51.100.1', dev: 'b0' });
    // The router's own lookup of a packet that came in on r0, as forwarding does it.
    const forwarded = await t.router.route.get(B, { from: '192.0.2.2', iif: t.r0 });
    expect(forwarded).toMatchObject({ type: 'unicast', table: 'main', dev: 'r1', iif: 'r0' });
    expect(forwarded.via).toBeUndefined();
    expect(await ipRouteGet(t.router, B, ['from', '192.0.2.2', 'iif', 'r0'])).toMatchObject({ dev: 'r1', iif: 'r0' });
    expect(await ipRouteGet(t.a, B)).toMatchObject({ gateway: '192.0.2.1', dev: 'a0' });
  });

  test('a policy rule sends the second source through table 100, out the second link; the first still takes the main path', async ({
    makeNetns,
    skip,
  }) => {
    const t = await routedHosts({ makeNetns, skip }, { forwarding: true });
    expect(await t.router.rule.list({ family: 4 })).toContainEqual(
      expect.objectContaining({ priority: 100, from: `${POLICY_SOURCE}/32`, table: 100, action: 'to-table' }),
    );

    const viaRule = await t.router.route.get(B, { from: POLICY_SOURCE, iif: t.r0 });
    expect(viaRule).toMatchObject({ table: 100, via: '203.0.113.2', dev: 'r2' });
    expect(await ipRouteGet(t.router, B, ['from', POLICY_SOURCE, 'iif', 'r0'])).toMatchObject({
      gateway: '203.0.113.2',
      dev: 'r2',
      table: '100',
    });
    expect(await t.router.route.get(B, { from: '192.0.2.2', iif: t.r0 })).toMatchObject({ table: 'main', dev: 'r1' });
    // host-a itself sends both sources the same way: the choice is the router's.
    await expect(t.a).toRoute(B, { from: POLICY_SOURCE, via: '192.0.2.1', dev: 'a0' });

    let marks = await mark([t.r1, t.r2, t.b1]);
    const policy = await ping(t.a, B, PINGS, POLICY_SOURCE);
    expect(policy.exitCode, String(policy.stdout)).toBe(0);
    // Out the second link, into host-b's b1; the replies come back by the main path (host-b's route).
    await expect(t.r2).toHaveStatsSince(marks.get(t.r2)!, { txPackets: PINGS });
    await expect(t.b1).toHaveStatsSince(marks.get(t.b1)!, { rxPackets: PINGS });
    await expect(t.r1).toHaveStatsSince(marks.get(t.r1)!, { rxPackets: PINGS });
    await expect(t.r1).not.toHaveStatsSince(marks.get(t.r1)!, { txPackets: PINGS });

    marks = await mark([t.r1, t.r2]);
    const main = await ping(t.a, B, PINGS, '192.0.2.2');
    expect(main.exitCode, String(main.stdout)).toBe(0);
    await expect(t.r1).toHaveStatsSince(marks.get(t.r1)!, { txPackets: PINGS });
    await expect(t.r2).not.toHaveStatsSince(marks.get(t.r2)!, { txPackets: PINGS });
  });

  test('IPv6 too: with conf.all.forwarding on, the pings pass both router ports, which know both hosts by NDP', async ({
    makeNetns,
    skip,
  }) => {
    const t = await routedHosts({ makeNetns, skip }, { forwarding: true, ipv6: true });
    expect(await t.router.sysctl.get('net.ipv6.conf.r0.forwarding')).toBe(1);
    const marks = await mark([t.r0, t.r1]);
    const passed = await ping(t.a, B6, PINGS);
    expect(passed.exitCode, String(passed.stdout)).toBe(0);
    await expect(t.r0).toHaveStatsSince(marks.get(t.r0)!, { rxPackets: PINGS, txPackets: PINGS });
    await expect(t.r1).toHaveStatsSince(marks.get(t.r1)!, { txPackets: PINGS, rxPackets: PINGS });
    await expect(t.r0).toHaveNeighbour(A6, { lladdr: (await t.a0.read()).mac! });
    await expect(t.r1).toHaveNeighbour(B6, { lladdr: (await t.b0.read()).mac! });
    await expect(t.a).toRoute(B6, { via: '2001:db8:a::1', dev: 'a0' });
    await expect(t.b).toRoute(A6, { via: '2001:db8:b::1', dev: 'b0' });
    expect(await t.router.route.get(B6, { from: A6, iif: t.r0 })).toMatchObject({ dev: 'r1', iif: 'r0' });
    expect(await ipRouteGet(t.router, B6, ['from', A6, 'iif', 'r0'])).toMatchObject({ dev: 'r1', iif: 'r0' });
  });
});
