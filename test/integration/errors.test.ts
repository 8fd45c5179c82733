// Every refusal nslab promises, by class and fields, and for each one proof that nothing was
// left behind: the namespace's devices (as iproute2 lists them) are what they were before.
import { constants } from 'node:os';
import { describe, expect, test, vi } from 'vitest';
import {
  createNetns,
  DeviceNotFoundError,
  InvalidAddressError,
  InvalidArgumentError,
  InvalidMacError,
  InvalidNameError,
  NameTakenError,
  NetlinkError,
  NotABridgeError,
  NslabError,
  TunFile,
  UnsupportedKindError,
  type Netns,
  type TapOptions,
  type TunMode,
} from '../../src/index.ts';
import { MessageWriter } from '../../src/netlink/codec.ts';
import { encodeIfinfomsg } from '../../src/netlink/link.ts';
import * as C from '../../src/sys/constants.ts';
import { ipAddrs, ipLink, ipLinkNames } from '../helpers/oracle.ts';

/**
 * The devices of ns as iproute2 shows them, without what changes by itself (timers). Each is
 * read by name: a dump may show operational flags up to a second stale (pending linkwatch
 * work), a targeted read runs that work first.
 */
async function devices(ns: Netns): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const name of await ipLinkNames(ns)) {
    const l = await ipLink(ns, name);
    if (l)
      out.push({
        index: l.ifindex,
        name: l.ifname,
        kind: l.linkinfo?.info_kind,
        flags: l.flags,
        master: l.master,
        mac: l.address,
      });
  }
  return out;
}

/** The error fn rejects with (fails the test when it resolves). */
async function rejection(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/**
 * Watches everything through which nslab could reach the kernel in ns (netlink requests and
 * dumps, /dev/net/tun); returns how many times any was used.
 */
function kernelCalls(ns: Netns): { count: () => number; restore: () => void } {
  const spies = [vi.spyOn(ns.rtnl, 'request'), vi.spyOn(ns.rtnl, 'dump'), vi.spyOn(TunFile, 'open')];
  return {
    count: () => spies.reduce((n, s) => n + s.mock.calls.length, 0),
    restore: () => spies.forEach((s) => s.mockRestore()),
  };
}

describe('invalid arguments are refused before any kernel call', () => {
  const badNames: Array<[string, unknown]> = [
    ['empty', ''],
    ['16 bytes', 'abcdefghijklmnop'],
    ['with "/"', 'a/b'],
    ['with a space', 'a b'],
    ['"."', '.'],
    ['".."', '..'],
    ['with ":"', 'eth0:0'],
    // The kernel reads IFLA_IFNAME up to its NUL: "br\0x" would make a device "br" that the handle does not name.
    ['with a NUL byte', 'br\0x'],
  ];

  test.each(badNames)(
    'device name %s: InvalidNameError from every way of making or finding a device',
    async (_why, name) => {
      await using ns = await createNetns();
      await using other = await createNetns();
      await ns.addBridge('br0');
      const before = await devices(ns);
      const calls = kernelCalls(ns);
      try {
        const attempts: Array<() => Promise<unknown>> = [
          () => ns.addBridge(name as string),
          () => ns.addTap(name as string),
          () => ns.addTap(name as string, { owner: 'holder' }),
          () => ns.addVeth(name as string, { peerName: 'ok' }),
          () => ns.addVeth('ok', { peerName: name as string }),
          () => ns.addVeth('ok', { peerName: name as string, peerNs: other }),
          () => ns.addDummy(name as string),
          () => ns.link(name as string),
        ];
        for (const attempt of attempts) {
          const e = await rejection(attempt);
          expect(e).toBeInstanceOf(InvalidNameError);
          expect((e as InvalidNameError).value).toBe(name);
        }
        expect(calls.count()).toBe(0);
      } finally {
        calls.restore();
      }
      expect(await devices(ns)).toEqual(before);
      expect(await ipLinkNames(other)).toEqual(['lo']);
    },
  );

  test('a name that is not a string', async () => {
    await using ns = await createNetns();
    for (const name of [undefined, null, 7, { toString: () => 'br0' }]) {
      const e = await rejection(() => ns.addBridge(name as unknown as string));
      expect(e).toBeInstanceOf(InvalidNameError);
    }
    expect(await ipLinkNames(ns)).toEqual(['lo']);
  });

  test.each([
    ['bad format', '52:54:00:00:00', /six hex octets/],
    ['multicast', '01:00:5e:00:00:01', /multicast/],
    ['all zero', '00:00:00:00:00:00', /all-zero/],
  ])('MAC %s: InvalidMacError from every place that takes a MAC', async (_why, mac, reason) => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0', { mac: '52:54:00:00:00:01' });
    const before = await devices(ns);
    const calls = kernelCalls(ns);
    try {
      const attempts: Array<() => Promise<unknown>> = [
        () => ns.addBridge('br1', { mac }),
        () => ns.addTap('tap0', { mac }),
        () => ns.addVeth('v0', { peerName: 'v1', mac }),
        () => ns.addVeth('v0', { peerName: 'v1', peerMac: mac }),
        () => ns.addDummy('d0', { mac }),
        () => br.setMac(mac),
      ];
      for (const attempt of attempts) {
        const e = await rejection(attempt);
        expect(e).toBeInstanceOf(InvalidMacError);
        expect(e.message).toMatch(reason);
        expect((e as InvalidMacError).value).toBe(mac);
      }
      expect(calls.count()).toBe(0);
    } finally {
      calls.restore();
    }
    expect(await devices(ns)).toEqual(before);
  });

  test.each([
    '192.0.2.1',
    '192.0.2.1/33',
    '2001:db8::1/129',
    '192.0.2.300/24',
    'not-an-address/24',
    '2001:db8::1::2/64',
    '',
  ])('address %j: InvalidAddressError from addAddress and removeAddress', async (cidr) => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    await br.addAddress('192.0.2.1/24');
    const calls = kernelCalls(ns);
    try {
      for (const attempt of [() => br.addAddress(cidr), () => br.removeAddress(cidr)]) {
        const e = await rejection(attempt);
        expect(e).toBeInstanceOf(InvalidAddressError);
        expect((e as InvalidAddressError).value).toBe(cidr);
      }
      expect(calls.count()).toBe(0);
    } finally {
      calls.restore();
    }
    expect((await ipAddrs(ns, 'br0')).map((a) => `${a.local}/${a.prefixlen}`)).toEqual(['192.0.2.1/24']);
  });
});

describe('numbers that are not what the kernel takes', () => {
  // Buffer writes truncate a fraction and turn NaN into 0: ns.link(1.5) would have been the loopback (index 1).
  test.each([
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['0', 0],
    ['negative', -1],
    ['above the 32-bit signed range', 2 ** 31],
  ])('device index %s: InvalidArgumentError before any kernel call', async (_why, index) => {
    await using ns = await createNetns();
    const calls = kernelCalls(ns);
    try {
      const e = await rejection(() => ns.link(index));
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect(e.message).toMatch(
        /^invalid device index .*: an index is an integer from 1 to 2147483647, as ip link lists them$/,
      );
      expect((e as InvalidArgumentError).value).toBe(index);
      expect(calls.count()).toBe(0);
    } finally {
      calls.restore();
    }
  });

  // A NaN port was written as 0 (any port), so tryBind answered for another port than asked.
  test.each([
    ['port NaN', { port: Number.NaN }, /^tryBind: port must be an integer from 0 to 65535, received NaN/],
    ['port 65536', { port: 65536 }, /^tryBind: port must be an integer from 0 to 65535, received 65536/],
    ['port 1.5', { port: 1.5 }, /^tryBind: port must be an integer from 0 to 65535, received 1.5/],
    [
      'scope id NaN',
      { scopeId: Number.NaN },
      /^tryBind: scopeId must be an interface index from 0 to 4294967295, received NaN/,
    ],
    ['scope id -1', { scopeId: -1 }, /^tryBind: scopeId must be an interface index from 0 to 4294967295, received -1/],
  ])('tryBind with %s: InvalidArgumentError', async (_why, options, words) => {
    await using ns = await createNetns();
    const address = 'scopeId' in options ? '::1' : '127.0.0.1';
    const e = (() => {
      try {
        ns.tryBind(address, options);
      } catch (error) {
        return error as Error;
      }
      return new Error('tryBind returned instead of refusing');
    })();
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e.message).toMatch(words);
  });
});

describe('names already taken', () => {
  test('a second bridge of the same name: NameTakenError naming the existing device', async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    const before = await devices(ns);
    const e = await rejection(() => ns.addBridge('br0'));
    expect(e).toBeInstanceOf(NameTakenError);
    const taken = e as NameTakenError;
    expect(taken.deviceName).toBe('br0');
    expect(taken.existing).toEqual({ index: (await ipLink(ns, 'br0'))!.ifindex, kind: 'bridge' });
    expect(taken.existing.index).toBe(br.index);
    expect(taken.cause).toBeInstanceOf(NetlinkError);
    expect((taken.cause as NetlinkError).code).toBe('EEXIST');
    expect(e.message).toMatch(/"br0" already exists .*index \d+, kind bridge/);
    expect(await devices(ns)).toEqual(before);
  });

  test('a tap on a name in use: NameTakenError, and the existing device is left as it was', async () => {
    await using ns = await createNetns();
    await ns.addBridge('br0');
    const idle = await ns.addTap('tap0', { owner: 'none' });
    await idle.up();
    const before = await devices(ns);
    const onBridge = await rejection(() => ns.addTap('br0'));
    expect(onBridge).toBeInstanceOf(NameTakenError);
    expect((onBridge as NameTakenError).existing.kind).toBe('bridge');
    // TUNSETIFF would silently attach to a persistent tap of that name (and give it carrier).
    const onTap = await rejection(() => ns.addTap('tap0', { owner: 'self' }));
    expect(onTap).toBeInstanceOf(NameTakenError);
    expect((onTap as NameTakenError).existing).toEqual({ index: idle.index, kind: 'tun' });
    expect(await devices(ns)).toEqual(before);
    expect((await ipLink(ns, 'tap0'))!.flags).toContain('NO-CARRIER');
  });

  test('a veth whose own name is taken: NameTakenError; neither end is created', async () => {
    await using ns = await createNetns();
    await ns.addBridge('v0');
    const e = await rejection(() => ns.addVeth('v0', { peerName: 'v1' }));
    expect(e).toBeInstanceOf(NameTakenError);
    expect((e as NameTakenError).existing.kind).toBe('bridge');
    expect(await ipLinkNames(ns)).toEqual(['lo', 'v0']);
  });

  test('a veth whose peer name is taken in the same namespace', async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('v1');
    const e = await rejection(() => ns.addVeth('v0', { peerName: 'v1' }));
    expect(e).toBeInstanceOf(NameTakenError);
    expect((e as NameTakenError).existing).toEqual({ index: br.index, kind: 'bridge' });
    expect(await ipLinkNames(ns)).toEqual(['lo', 'v1']);
  });

  test('a veth whose peer name is taken in the other namespace: NameTakenError naming the device there; nothing created on either side', async () => {
    await using a = await createNetns();
    await using b = await createNetns();
    await b.addBridge('filler');
    const there = await b.addTap('peer', { owner: 'none' });
    const e = await rejection(() => a.addVeth('near', { peerName: 'peer', peerNs: b }));
    expect(e).toBeInstanceOf(NameTakenError);
    expect((e as NameTakenError).deviceName).toBe('peer');
    expect((e as NameTakenError).existing).toEqual({ index: there.index, kind: 'tun' });
    expect(await ipLinkNames(a)).toEqual(['lo']);
    expect(await ipLinkNames(b)).toEqual(['filler', 'lo', 'peer']);
  });

  test('a veth whose two ends have the same name is refused and leaves nothing', async () => {
    await using ns = await createNetns();
    await expect(ns.addVeth('x', { peerName: 'x' })).rejects.toThrow(NslabError);
    expect(await ipLinkNames(ns)).toEqual(['lo']);
  });
});

describe('devices that are not there or not fit', () => {
  test('DeviceNotFoundError for a name or an index with no device', async () => {
    await using ns = await createNetns();
    const byName = await rejection(() => ns.link('nope'));
    expect(byName).toBeInstanceOf(DeviceNotFoundError);
    expect((byName as DeviceNotFoundError).device).toBe('nope');
    expect(byName.message).toMatch(/no device named "nope"/);
    const byIndex = await rejection(() => ns.link(4242));
    expect(byIndex).toBeInstanceOf(DeviceNotFoundError);
    expect((byIndex as DeviceNotFoundError).device).toBe(4242);
  });

  test('a handle on a deleted device: state() is DeviceNotFoundError, a change is ENODEV from the kernel', async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    await br.delete();
    await expect(br.state()).rejects.toThrow(DeviceNotFoundError);
    const e = await rejection(() => br.up());
    expect(e).toBeInstanceOf(NetlinkError);
    expect((e as NetlinkError).code).toBe('ENODEV');
    expect((e as NetlinkError).request).toEqual({ type: 'RTM_NEWLINK', what: 'link set br0 up' });
  });

  test('attachTo a device that is not a bridge: NotABridgeError, no master set', async () => {
    await using ns = await createNetns();
    const tap = await ns.addTap('tap0');
    const [veth] = await ns.addVeth('v0', { peerName: 'v1' });
    const e = await rejection(() => tap.attachTo(veth!));
    expect(e).toBeInstanceOf(NotABridgeError);
    expect((e as NotABridgeError).deviceName).toBe('v0');
    expect((e as NotABridgeError).kind).toBe('veth');
    expect((await ipLink(ns, 'tap0'))!.master).toBeUndefined();
  });

  test('a bridge cannot be a port of a bridge: the kernel refuses with its own words', async () => {
    await using ns = await createNetns();
    const outer = await ns.addBridge('br0');
    const inner = await ns.addBridge('br1');
    const e = await rejection(() => inner.attachTo(outer));
    expect(e).toBeInstanceOf(NetlinkError);
    expect((e as NetlinkError).code).toBe('ELOOP');
    expect((e as NetlinkError).extack).toMatch(/bridge/i);
    expect((await ipLink(ns, 'br1'))!.master).toBeUndefined();
  });

  // Regression: attachTo() checks the bridge in the bridge's namespace but sends its index as IFLA_MASTER
  // in the port's namespace, where that index may be another device: here the port is silently
  // enslaved to a different bridge. A bridge in another namespace must be refused.
  test('attachTo a bridge in another namespace is refused', async () => {
    await using a = await createNetns();
    await using b = await createNetns();
    const bridgeA = await a.addBridge('brA');
    const bridgeB = await b.addBridge('brB');
    expect(bridgeB.index).toBe(bridgeA.index);
    const tap = await b.addTap('tap0');
    const attached = await tap.attachTo(bridgeA).then(
      () => 'attached',
      (e: unknown) => e,
    );
    expect((await ipLink(b, 'tap0'))!.master).toBeUndefined();
    expect(attached).toBeInstanceOf(NslabError);
  });

  test("dummy on a kernel without CONFIG_DUMMY: UnsupportedKindError with the kernel's words; nothing created", async (ctx) => {
    await using ns = await createNetns();
    let created = false;
    const e = await ns.addDummy('d0').then(
      () => ((created = true), undefined),
      (err: unknown) => err as Error,
    );
    if (created) ctx.skip('this kernel has CONFIG_DUMMY: there is no refusal to check');
    expect(e).toBeInstanceOf(UnsupportedKindError);
    const u = e as UnsupportedKindError;
    expect([u.kind, u.kernelOption]).toEqual(['dummy', 'CONFIG_DUMMY']);
    expect(u.cause).toBeInstanceOf(NetlinkError);
    const cause = u.cause as NetlinkError;
    expect(cause.code).toBe('EOPNOTSUPP');
    expect(cause.extack).toMatch(/unknown device type/i);
    expect(u.message).toContain(cause.extack!);
    expect(await ipLinkNames(ns)).toEqual(['lo']);
  });
});

describe('tap options that cannot work', () => {
  // Regression: with nobody holding the descriptor and persist off, the device vanishes as addTap()
  // closes its descriptor, yet addTap() resolves with a handle to it. It should be refused
  // (InvalidArgumentError) before anything is created.
  test('owner "none" with persist false is refused rather than returning a handle to a vanished device', async () => {
    await using ns = await createNetns();
    const outcome = await ns.addTap('tap0', { owner: 'none', persist: false }).then(
      (tap) => tap,
      (e: unknown) => e,
    );
    expect(await ipLinkNames(ns)).toEqual(['lo']);
    expect(outcome).toBeInstanceOf(NslabError);
  });

  // Regression: any mode but "tap" made a tun ("TAP" too), and any owner but "self" or "holder" made a tap
  // nobody holds: a typo silently built another device than asked for.
  test.each([
    ['mode "TAP"', { mode: 'TAP' }, /^tap tap0: mode must be one of "tap", "tun", received "TAP"/],
    ['mode "tunnel"', { mode: 'tunnel' }, /^tap tap0: mode must be one of "tap", "tun", received "tunnel"/],
    ['owner "holdr"', { owner: 'holdr' }, /^tap tap0: owner must be one of "self", "holder", "none", received "holdr"/],
  ])('%s: InvalidArgumentError before /dev/net/tun is opened; nothing created', async (_why, options, words) => {
    await using ns = await createNetns();
    const calls = kernelCalls(ns);
    try {
      const e = await rejection(() => ns.addTap('tap0', options as TapOptions));
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect(e.message).toMatch(words);
      expect(calls.count()).toBe(0);
    } finally {
      calls.restore();
    }
    expect(await ipLinkNames(ns)).toEqual(['lo']);
  });

  test('TunFile.attach with a mode that is neither "tap" nor "tun" is refused before TUNSETIFF', async () => {
    await using ns = await createNetns();
    const file = ns.openTun();
    try {
      expect(() => file.attach('tun0', 'TUN' as TunMode)).toThrow(
        /^attach tun0: mode must be one of "tap", "tun", received "TUN"/,
      );
    } finally {
      file.close();
    }
    expect(await ipLinkNames(ns)).toEqual(['lo']);
  });

  test('closing the descriptor of a holder that is already gone: NslabError, not a hang', async () => {
    await using ns = await createNetns();
    const tap = await ns.addTap('tap0', { owner: 'holder' });
    await tap.holder!.kill();
    await expect(tap.close()).rejects.toThrow(/ended before answering "closed"/);
  });
});

describe('NetlinkError', () => {
  test("the same IPv4 address twice: EEXIST with errno, the kernel's explanation and the request", async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    await br.addAddress('192.0.2.1/24');
    const e = await rejection(() => br.addAddress('192.0.2.1/24'));
    expect(e).toBeInstanceOf(NetlinkError);
    const n = e as NetlinkError;
    expect([n.errno, n.code]).toEqual([constants.errno.EEXIST, 'EEXIST']);
    expect(n.extack).toMatch(/already/i);
    expect(n.request).toEqual({ type: 'RTM_NEWADDR', what: 'addr add 192.0.2.1/24 dev br0' });
    expect(n.message).toBe(`addr add 192.0.2.1/24 dev br0 (RTM_NEWADDR) failed: EEXIST: ${n.extack}`);
    expect((await ipAddrs(ns, 'br0')).map((a) => a.local)).toEqual(['192.0.2.1']);
  });

  test('the same IPv6 address twice: EEXIST', async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    await br.addAddress('2001:db8::1/64', { dad: false });
    const e = (await rejection(() => br.addAddress('2001:db8::1/64', { dad: false }))) as NetlinkError;
    expect([e.name, e.code]).toEqual(['NetlinkError', 'EEXIST']);
    expect(e.request.what).toBe('addr add 2001:db8::1/64 dev br0 nodad');
  });

  test.each([
    ['192.0.2.9/24', 'addr del 192.0.2.9/24 dev br0'],
    ['2001:db8::9/64', 'addr del 2001:db8::9/64 dev br0'],
  ])('removing %s, which is not there: EADDRNOTAVAIL', async (cidr, what) => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    await br.addAddress('192.0.2.1/24');
    const e = (await rejection(() => br.removeAddress(cidr))) as NetlinkError;
    expect(e).toBeInstanceOf(NetlinkError);
    expect([e.code, e.errno]).toEqual(['EADDRNOTAVAIL', constants.errno.EADDRNOTAVAIL]);
    expect(e.request).toEqual({ type: 'RTM_DELADDR', what });
    expect((await ipAddrs(ns, 'br0')).map((a) => a.local)).toEqual(['192.0.2.1']);
  });

  test("the kernel's pointer to the offending attribute (extended ack offset) is decoded", async () => {
    await using ns = await createNetns();
    // A hand-made request with an IFLA_IFNAME longer than the policy allows (IFNAMSIZ - 1), as
    // the 3rd attribute-sized slot: nlmsghdr (16) + ifinfomsg (16) + IFLA_IFNAME "ok" (8) = 40.
    const w = new MessageWriter(C.RTM_NEWLINK, C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL)
      .header(encodeIfinfomsg({}))
      .string(C.IFLA_IFNAME, 'ok')
      .string(C.IFLA_IFNAME + 0, 'x'.repeat(20))
      .nest(C.IFLA_LINKINFO, (i) => i.string(C.IFLA_INFO_KIND, 'bridge'));
    let e: unknown;
    try {
      ns.rtnl.request(w, { type: 'RTM_NEWLINK', what: 'raw request' });
    } catch (error) {
      e = error;
    }
    expect(e).toBeInstanceOf(NetlinkError);
    expect((e as NetlinkError).extackOffset).toBe(40);
    expect((e as NetlinkError).extack).toBeTypeOf('string');
    expect(await ipLinkNames(ns)).toEqual(['lo']);
  });
});
