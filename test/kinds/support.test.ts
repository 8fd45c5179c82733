// kernelSupports against iproute2: for each kind, `ip link add` in a throwaway namespace says
// "Unknown device type" exactly where kernelSupports says no. kernelSupports runs first, so a
// kind whose module makes devices as it loads (dummy, bond, ifb) is loaded by nslab with a count
// of 0 before iproute2's request could make the kernel load it with its defaults. The one file
// here without kindTest: it tests the probe that kindTest skips by.
import { release } from 'node:os';
import { beforeAll, describe, expect, test } from 'vitest';
import { createNetns, kernelSupports, UnsupportedKindError, type Netns } from '../../src/index.ts';
import { ipLinkNames } from '../helpers/oracle.ts';
import { heldNetnsDescriptors } from '../helpers/proc.ts';
import { hostNetwork } from '../global-setup.ts';

/** What iproute2 needs on the command line to send a request at all (vxlan: a VNI), and a parent where the kind takes one. */
const ARGS: Record<string, string[]> = {
  vlan: ['link', 'lo', 'name', 'probe0', 'type', 'vlan', 'id', '1'],
  macvlan: ['link', 'lo', 'name', 'probe0', 'type', 'macvlan'],
  ipvlan: ['link', 'lo', 'name', 'probe0', 'type', 'ipvlan'],
  vxlan: ['probe0', 'type', 'vxlan', 'id', '1'],
};
const KINDS = [
  'vlan',
  'macvlan',
  'ipvlan',
  'vxlan',
  'bond',
  'vrf',
  'wireguard',
  'netkit',
  'ifb',
  'dummy',
  'bridge',
  'veth',
];

async function iproute2Knows(ns: Netns, kind: string): Promise<boolean> {
  const r = await ns.exec('ip', ['link', 'add', ...(ARGS[kind] ?? ['probe0', 'type', kind])], { reject: false });
  return !/unknown device type/i.test(String(r.stderr));
}

describe(`kernelSupports on ${release()}`, () => {
  // The first namespace switch opens the home namespace for good: not a probe's leftover.
  beforeAll(async () => {
    await (await createNetns()).destroy();
  });

  for (const kind of KINDS) {
    test(`${kind}: as iproute2 finds it, and nothing left behind`, async () => {
      const [host, held] = [hostNetwork(), heldNetnsDescriptors()];
      const supported = await kernelSupports(kind);
      expect(heldNetnsDescriptors()).toBe(held);
      expect(hostNetwork()).toBe(host);
      await using ns = await createNetns({ label: `oracle-${kind}` });
      expect(supported).toBe(await iproute2Knows(ns, kind));
      // Asked again, it answers from memory: no namespace is made for it.
      expect(await kernelSupports(kind)).toBe(supported);
      expect(hostNetwork()).toBe(host);
    });
  }

  test('a kind no kernel has: false, and creating one is UnsupportedKindError naming the runner', async () => {
    expect(await kernelSupports('nslab-nokind')).toBe(false);
    await using ns = await createNetns();
    const e = await ns.addWireguard('wg0').then(
      () => undefined,
      (err: unknown) => err,
    );
    if (e === undefined) {
      expect(await kernelSupports('wireguard')).toBe(true);
      return;
    }
    expect(e).toBeInstanceOf(UnsupportedKindError);
    const u = e as UnsupportedKindError;
    expect([u.kind, u.kernelOption, u.release]).toEqual(['wireguard', 'CONFIG_WIREGUARD', release()]);
    expect(u.message).toMatch(/npm run kernels/);
    expect(await ipLinkNames(ns)).toEqual(['lo']);
  });
});
