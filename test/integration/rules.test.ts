// ns.rule (`ip rule`) against iproute2 run inside the namespace: every selector and action, both
// families, the kernel's refusals, and the checks made before any request.
import { describe, expect, vi } from 'vitest';
import {
  InvalidAddressError,
  InvalidArgumentError,
  InvalidNameError,
  NetlinkError,
  type Netns,
  type Rule,
  type RuleSpec,
} from '../../src/index.ts';
import { test } from '../../src/vitest.ts';
import { ipNeighs, ipRules, type IpRule } from '../helpers/oracle.ts';

/** A rule in the words both views can be reduced to. */
interface Comparable {
  priority: number;
  from: string | undefined;
  to: string | undefined;
  fwmark: number | undefined;
  fwmask: number | undefined;
  iif: string | undefined;
  oif: string | undefined;
  table: string | undefined;
  action: string | undefined;
  goto: number | undefined;
}

const fromNslab = (r: Rule): Comparable => ({
  priority: r.priority,
  from: r.from,
  to: r.to,
  fwmark: r.fwmark,
  // iproute2 leaves the mask out when every bit is compared.
  fwmask: r.fwmask === 0xffffffff ? undefined : r.fwmask,
  iif: r.iif,
  oif: r.oif,
  table: r.table === undefined ? undefined : String(r.table),
  action: r.action,
  goto: r.goto,
});

function fromIp(r: IpRule, family: 4 | 6): Comparable {
  const hostLength = family === 4 ? 32 : 128;
  const prefix = (address: string | undefined, length: number | undefined): string | undefined =>
    address === undefined || address === 'all' ? undefined : `${address}/${length ?? hostLength}`;
  const action =
    r.goto !== undefined ? 'goto' : r.nop === null ? 'nop' : (r.action ?? (r.table ? 'to-table' : undefined));
  return {
    priority: r.priority,
    from: prefix(r.src, r.srclen),
    to: prefix(r.dst, r.dstlen),
    fwmark: r.fwmark === undefined ? undefined : Number(r.fwmark),
    fwmask: r.fwmask === undefined ? undefined : Number(r.fwmask),
    iif: r.iif,
    oif: r.oif,
    table: r.table,
    action,
    goto: r.goto,
  };
}

/** nslab's rules and iproute2's, family by family, in the kernel's order. */
async function compare(ns: Netns): Promise<Comparable[]> {
  const both: Comparable[] = [];
  for (const family of [4, 6] as const) {
    const oracle = (await ipRules(ns, family)).map((r) => fromIp(r, family));
    expect((await ns.rule.list({ family })).map(fromNslab)).toEqual(oracle);
    both.push(...oracle);
  }
  expect((await ns.rule.list()).map(fromNslab)).toEqual(both);
  return both;
}

describe('ns.rule against ip -json rule', () => {
  test("a new namespace's rules: the kernel's local, main and default", async ({ netns }) => {
    const rules = await compare(netns);
    expect(rules.map((r) => `${r.priority} ${r.table}`)).toEqual([
      '0 local',
      '32766 main',
      '32767 default',
      '0 local',
      '32766 main',
    ]);
  });

  test('add: every selector, every action, both families', async ({ netns }) => {
    const [v0] = await netns.addVeth('v0', { peerName: 'v1' });
    const specs: RuleSpec[] = [
      {
        priority: 100,
        from: '192.0.2.0/24',
        to: '198.51.100.0/24',
        fwmark: 0x10,
        fwmask: 0xff,
        iif: v0!,
        oif: 'v1',
        table: 100,
      },
      { priority: 101, from: '192.0.2.1', table: 1000 },
      { priority: 102, family: 4, fwmark: 7, table: 'main' },
      { priority: 103, action: 'goto', goto: 200, family: 4 },
      { priority: 104, to: '203.0.113.0/24', action: 'blackhole' },
      { priority: 105, family: 4, iif: 'nothere0', action: 'unreachable' },
      { priority: 200, family: 4, action: 'nop' },
      { priority: 100, to: '2001:db8::/32', action: 'prohibit' },
      { priority: 101, from: '2001:db8:1::/48', oif: v0!, table: 4294967295 },
      { priority: 102, from: '2001:db8::1', to: '2001:db8:2::/64', table: 'default' },
    ];
    for (const spec of specs) await netns.rule.add(spec);
    const rules = await compare(netns);
    // The rules asked for, as iproute2 reads them back.
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ priority: 100, from: '192.0.2.0/24', iif: 'v0', oif: 'v1', table: '100' }),
        expect.objectContaining({ priority: 101, from: '192.0.2.1/32', table: '1000' }),
        expect.objectContaining({ priority: 103, action: 'goto', goto: 200 }),
        expect.objectContaining({ priority: 105, iif: 'nothere0', action: 'unreachable' }),
        expect.objectContaining({ priority: 100, to: '2001:db8::/32', action: 'prohibit' }),
        expect.objectContaining({ priority: 101, from: '2001:db8:1::/48', oif: 'v0', table: '4294967295' }),
      ]),
    );
    expect(rules).toHaveLength(5 + specs.length);
  });

  test('add without a priority: the kernel picks one, which both views agree on', async ({ netns }) => {
    await netns.rule.add({ from: '192.0.2.0/24', table: 100 });
    const [picked] = (await netns.rule.list({ family: 4 })).filter((r) => r.table === 100);
    expect(picked?.priority).toBeGreaterThan(0);
    await compare(netns);
  });

  test('del: the rule that matches the fields given, and only it', async ({ netns }) => {
    await netns.rule.add({ priority: 100, from: '192.0.2.0/24', table: 100 });
    await netns.rule.add({ priority: 101, from: '192.0.2.0/24', table: 101 });
    await netns.rule.add({ priority: 100, from: '2001:db8::/32', table: 100 });
    await netns.rule.del({ from: '192.0.2.0/24', table: 101 });
    await netns.rule.del({ priority: 100, family: 6 });
    const rules = await compare(netns);
    expect(rules.filter((r) => r.priority === 100 || r.priority === 101)).toEqual([
      expect.objectContaining({ priority: 100, from: '192.0.2.0/24', table: '100' }),
    ]);
  });
});

describe("the kernel's refusals, as NetlinkError with the request, leaving the rules as they were", () => {
  test('add of an identical rule: EEXIST', async ({ netns }) => {
    await netns.rule.add({ priority: 100, from: '192.0.2.0/24', fwmark: 0x10, fwmask: 0xff, table: 100 });
    const before = await compare(netns);
    const error = await netns.rule
      .add({ priority: 100, from: '192.0.2.0/24', fwmark: 0x10, fwmask: 0xff, table: 100 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect(error).toMatchObject({
      code: 'EEXIST',
      request: { type: 'RTM_NEWRULE', what: 'rule add priority 100 from 192.0.2.0/24 fwmark 0x10/0xff lookup 100' },
    });
    expect(await compare(netns)).toEqual(before);
  });

  test("a goto that jumps backwards: EINVAL, with the kernel's own words", async ({ netns }) => {
    const before = await compare(netns);
    const error = await netns.rule
      .add({ priority: 200, family: 4, action: 'goto', goto: 100 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect(error).toMatchObject({
      code: 'EINVAL',
      extack: 'Backward goto not supported',
      request: { type: 'RTM_NEWRULE', what: 'rule add priority 200 goto 100' },
    });
    expect((error as Error).message).toBe(
      'rule add priority 200 goto 100 (RTM_NEWRULE) failed: EINVAL: Backward goto not supported',
    );
    expect(await compare(netns)).toEqual(before);
  });

  test('del of a rule that does not exist: ENOENT', async ({ netns }) => {
    const before = await compare(netns);
    const error = await netns.rule.del({ priority: 999, to: '2001:db8::/32' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect(error).toMatchObject({
      code: 'ENOENT',
      request: { type: 'RTM_DELRULE', what: '-6 rule del priority 999 to 2001:db8::/32' },
    });
    expect(await compare(netns)).toEqual(before);
  });
});

describe('bad input is refused before any request', () => {
  const cases: Array<[string, RuleSpec, abstract new (...a: never[]) => Error, RegExp]> = [
    [
      'prefixes of mixed families',
      { from: '192.0.2.0/24', to: '2001:db8::/32', table: 100 },
      InvalidArgumentError,
      /^rule\.(add|del): from 192\.0\.2\.0\/24 and to 2001:db8::\//,
    ],
    [
      'a family that contradicts the prefix',
      { family: 6, from: '192.0.2.0/24' },
      InvalidArgumentError,
      /^rule\.(add|del): family 6 does not match the IPv4 prefix/,
    ],
    [
      'no prefix and no family',
      { priority: 100, table: 100 },
      InvalidArgumentError,
      /^rule\.(add|del): say which family the rule is for, family: 4 or 6/,
    ],
    ['family 5', { family: 5 as 4 }, InvalidArgumentError, /^rule\.(add|del): family must be 4 or 6, received 5$/],
    [
      'table 0',
      { family: 4, table: 0 },
      InvalidArgumentError,
      /^rule\.(add|del): table must be "main", "local", "default" or an integer from 1 to 4294967295, received 0$/,
    ],
    ['table 2^32', { family: 4, table: 2 ** 32 }, InvalidArgumentError, /an integer from 1 to 4294967295/],
    ['table "Main"', { family: 4, table: 'Main' as 'main' }, InvalidArgumentError, /received "Main"$/],
    ['an unknown action', { family: 4, action: 'lookup' as 'nop' }, InvalidArgumentError, /the action must be one of/],
    [
      'a table with the blackhole action',
      { family: 4, table: 100, action: 'blackhole' },
      InvalidArgumentError,
      /^rule\.(add|del): a table is looked up only by the "to-table" action, not "blackhole"/,
    ],
    ['a goto target without the action', { family: 4, goto: 5 }, InvalidArgumentError, /set action: "goto" too/],
    ['fwmask without fwmark', { family: 4, fwmask: 0xff }, InvalidArgumentError, /give fwmark too/],
    [
      'a negative fwmark',
      { family: 4, fwmark: -1 },
      InvalidArgumentError,
      /^rule\.(add|del): fwmark must be an integer/,
    ],
    ['priority 2^32', { family: 4, priority: 2 ** 32 }, InvalidArgumentError, /priority must be an integer from 0/],
    ['a malformed prefix', { from: '192.0.2.0/33' }, InvalidAddressError, /write an address with its prefix length/],
    ['a device name with "/"', { family: 4, iif: 'a/b' }, InvalidNameError, /"\/" is not allowed/],
  ];
  test.for(cases)('%s', async ([, spec, type, message], { netns }) => {
    const before = await compare(netns);
    const calls = [vi.spyOn(netns.rtnl, 'request'), vi.spyOn(netns.rtnl, 'dump')];
    try {
      for (const attempt of [() => netns.rule.add(spec), () => netns.rule.del(spec)]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(type);
        expect((error as Error).message).toMatch(message);
      }
      expect(calls.reduce((n, s) => n + s.mock.calls.length, 0)).toBe(0);
    } finally {
      calls.forEach((s) => s.mockRestore());
    }
    expect(await compare(netns)).toEqual(before);
  });

  test('a goto rule without its target is refused on add (del, which fills in nothing, may select any goto rule)', async ({
    netns,
  }) => {
    const spy = vi.spyOn(netns.rtnl, 'request');
    try {
      await expect(netns.rule.add({ family: 4, action: 'goto' })).rejects.toThrow(
        /^rule\.add: a "goto" rule needs goto, the priority to jump to$/,
      );
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect((await ipRules(netns, 4)).length).toBe(3);
  });

  test('a device of another namespace as iif', async ({ netns, makeNetns }) => {
    const other = await makeNetns();
    const [foreign] = await other.addVeth('v0', { peerName: 'v1' });
    const spy = vi.spyOn(netns.rtnl, 'request');
    try {
      const error = await netns.rule.add({ family: 4, iif: foreign!, table: 100 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(
        /^rule\.(add|del): veth v0 .* is not in namespace ns\d+: pass a device of this/,
      );
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect((await ipRules(netns, 4)).length).toBe(3);
  });
});

test('in an adopted namespace, destroy() removes the rules and neighbours nslab added, and only those', async ({
  makeNetns,
}) => {
  const { adoptNetns } = await import('../../src/index.ts');
  const owner = await makeNetns({ pin: true });
  await owner.addVeth('v0', { peerName: 'v1' });
  // Made by the namespace's owner (a container, say), not through the adopted handle.
  await owner.rule.add({ priority: 50, from: '192.0.2.0/24', table: 50 });
  await owner.neigh.add({ dev: 'v0', to: '192.0.2.9', lladdr: '52:54:00:00:00:09' });
  const before = { rules4: await ipRules(owner, 4), rules6: await ipRules(owner, 6), neigh: await ipNeighs(owner) };

  const adopted = await adoptNetns({ path: owner.pinPath! });
  await adopted.rule.add({ priority: 100, from: '198.51.100.0/24', table: 100 });
  await adopted.rule.add({ priority: 101, to: '2001:db8::/32', action: 'blackhole' });
  await adopted.neigh.add({ dev: 'v0', to: '192.0.2.2', lladdr: '52:54:00:00:00:02' });
  await adopted.neigh.replace({ dev: 'v0', to: '2001:db8::2', lladdr: '52:54:00:00:00:03' });
  // Overwrites the owner's entry: it was there before, so it stays (with its new lladdr).
  await adopted.neigh.replace({ dev: 'v0', to: '192.0.2.9', lladdr: '52:54:00:00:00:0a' });
  expect((await ipRules(owner, 4)).map((r) => r.priority)).toContain(100);
  expect((await ipNeighs(owner)).map((n) => n.dst).sort()).toEqual(['192.0.2.2', '192.0.2.9', '2001:db8::2']);
  await adopted.destroy();

  expect(await ipRules(owner, 4)).toEqual(before.rules4);
  expect(await ipRules(owner, 6)).toEqual(before.rules6);
  expect((await ipNeighs(owner)).map((n) => [n.dst, n.lladdr])).toEqual([['192.0.2.9', '52:54:00:00:00:0a']]);
});
