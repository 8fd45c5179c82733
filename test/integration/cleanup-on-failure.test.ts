// A creation that fails after some of its steps succeeded must undo them: no device, no open
// descriptor, no process left. Failures are injected where the kernel really refuses a later
// step, or (where it cannot be made to) by making one step throw.
import { readdirSync, readlinkSync } from 'node:fs';
import { describe, expect, test, vi } from 'vitest';
import {
  createNetns,
  InvalidNameError,
  NamespaceDestroyedError,
  NetlinkError,
  NslabError,
  TapHolder,
} from '../../src/index.ts';
import { linkAdd } from '../../src/rtnl/link.ts';
import { vethData } from '../../src/netlink/kinds/veth.ts';
import { ipLink, ipLinkNames } from '../helpers/oracle.ts';
import { parseName } from '../../src/values/name.ts';

/** This process's open /dev/net/tun descriptors. */
const tunFds = (): string[] =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === '/dev/net/tun';
    } catch {
      return false;
    }
  });

describe('addTap', () => {
  // parseMac() already refuses every MAC an Ethernet device would (multicast, zero), so the
  // kernel's refusal at the set-address step is reached through a device that has no MAC at all.
  test.each([true, false])(
    'a MAC for a tun-mode device (persist %s): the kernel refuses the address step; the new device is deleted and its descriptor closed',
    async (persist) => {
      await using ns = await createNetns();
      const fds = tunFds();
      const e = await ns
        .addTap('tun0', { mode: 'tun', mac: '52:54:00:00:00:09', persist })
        .catch((err: unknown) => err);
      expect(e).toBeInstanceOf(NetlinkError);
      expect((e as NetlinkError).code).toBe('EOPNOTSUPP');
      expect((e as NetlinkError).request.what).toBe('link set tun0 address 52:54:00:00:00:09');
      expect(await ipLinkNames(ns)).toEqual(['lo']);
      expect(tunFds()).toEqual(fds);
    },
  );

  test('the holder process fails to start: the device is deleted and the descriptor closed', async () => {
    await using ns = await createNetns();
    const fds = tunFds();
    const start = vi.spyOn(TapHolder, 'start').mockRejectedValueOnce(new NslabError('injected: holder did not start'));
    try {
      await expect(ns.addTap('tap0', { owner: 'holder' })).rejects.toThrow('injected: holder did not start');
      expect(start).toHaveBeenCalledOnce();
    } finally {
      start.mockRestore();
    }
    expect(await ipLinkNames(ns)).toEqual(['lo']);
    expect(tunFds()).toEqual(fds);
    // The name is free again.
    const tap = await ns.addTap('tap0', { owner: 'holder' });
    expect((await ipLink(ns, 'tap0'))!.ifindex).toBe(tap.index);
  });

  test('a "%d" in the name: the kernel picks another name, and nothing is left once nslab cannot find its device', async () => {
    await using ns = await createNetns();
    const fds = tunFds();
    await expect(ns.addTap('tap%d')).rejects.toThrow(NslabError);
    expect(await ipLinkNames(ns)).toEqual(['lo']);
    expect(tunFds()).toEqual(fds);
  });
});

describe('addVeth', () => {
  test("the peer's namespace was destroyed: NamespaceDestroyedError, no end created", async () => {
    await using ns = await createNetns();
    const gone = await createNetns();
    await gone.destroy();
    await expect(ns.addVeth('v0', { peerName: 'v1', peerNs: gone })).rejects.toThrow(NamespaceDestroyedError);
    expect(await ipLinkNames(ns)).toEqual(['lo']);
  });

  test('the kernel refuses the peer half-way (its name is taken over there): one request, so neither end exists', async () => {
    await using a = await createNetns();
    await using b = await createNetns();
    await b.addBridge('taken');
    // Straight to linkAdd, past addVeth's own check of the peer's namespace: the kernel makes
    // the peer first, then fails on it, and undoes the whole request itself.
    const e = await Promise.resolve()
      .then(() =>
        linkAdd(a.rtnl, {
          name: parseName('v0'),
          kind: 'veth',
          data: vethData({ name: parseName('taken'), nsFd: b.fd }),
        }),
      )
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(NetlinkError);
    expect((e as NetlinkError).code).toBe('EEXIST');
    expect(await ipLinkNames(a)).toEqual(['lo']);
    expect(await ipLinkNames(b)).toEqual(['lo', 'taken']);
  });
});

describe('names the kernel rewrites', () => {
  // Regression: dev_get_valid_name() expands "%d" (br%d -> br0). linkAdd() then looks the device up
  // by the name it asked for, throws DeviceNotFoundError, and leaves br0 behind.
  test('addBridge("br%d") is refused before the kernel call and leaves no device', async () => {
    await using ns = await createNetns();
    const e = await ns.addBridge('br%d').catch((err: unknown) => err);
    expect(await ipLinkNames(ns)).toEqual(['lo']);
    expect(e).toBeInstanceOf(InvalidNameError);
  });

  // Regression: validateName() lets "brà" through (UTF-8 C3 A0; the kernel's isspace() counts 0xA0), and
  // the kernel answers a bare EINVAL. Nothing is left, but the error is not an InvalidNameError.
  test("a name the kernel's isspace() refuses is an InvalidNameError", async () => {
    await using ns = await createNetns();
    const e = await ns.addBridge('brà').catch((err: unknown) => err);
    expect(await ipLinkNames(ns)).toEqual(['lo']);
    expect(e).toBeInstanceOf(InvalidNameError);
  });
});
