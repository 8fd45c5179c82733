// The device kinds' options refused before any request, whether or not this kernel has the
// kind: each a typed error whose words name the rule, and nothing made in the namespace.
import { describe, expect, test } from 'vitest';
import {
  createNetns,
  InvalidAddressError,
  InvalidArgumentError,
  InvalidNameError,
  kernelSupports,
  type BondMode,
  type IpvlanMode,
  type Netns,
  type NetkitPolicy,
  type VlanProtocol,
} from '../../src/index.ts';
import { ipLinkNames } from '../helpers/oracle.ts';

type Attempt = (ns: Netns) => Promise<unknown>;

const REFUSED: Array<[string, Attempt, typeof InvalidArgumentError, RegExp]> = [
  [
    'vlan id 1.5',
    async (ns) => ns.addVlan('v0', { link: await ns.loopback(), id: 1.5 }),
    InvalidArgumentError,
    /id must be a VLAN ID from 1 to 4094, received 1\.5/,
  ],
  [
    'vlan protocol "802.1x"',
    async (ns) => ns.addVlan('v0', { link: await ns.loopback(), id: 5, protocol: '802.1x' as VlanProtocol }),
    InvalidArgumentError,
    /protocol must be one of "802\.1Q", "802\.1ad"/,
  ],
  [
    'vlan without a parent',
    async (ns) => ns.addVlan('v0', { id: 5 } as never),
    InvalidArgumentError,
    /link must be the handle of the parent device .*received undefined/,
  ],
  [
    'vlan named "a b"',
    async (ns) => ns.addVlan('a b', { link: await ns.loopback(), id: 5 }),
    InvalidNameError,
    /whitespace is not allowed/,
  ],
  [
    'ipvlan mode "l4"',
    async (ns) => ns.addIpvlan('i0', { link: await ns.loopback(), mode: 'l4' as IpvlanMode }),
    InvalidArgumentError,
    /mode must be one of "l2", "l3", "l3s", received "l4"/,
  ],
  [
    'ipvlan on the loopback',
    async (ns) => ns.addIpvlan('i0', { link: await ns.loopback() }),
    InvalidArgumentError,
    /is a loopback device/,
  ],
  [
    'vxlan vni 2^24',
    (ns) => ns.addVxlan('vx0', { vni: 1 << 24, remote: '192.0.2.2' }),
    InvalidArgumentError,
    /vni must be an integer from 0 to 16777215, received 16777216/,
  ],
  [
    'vxlan remote and group',
    (ns) => ns.addVxlan('vx0', { vni: 1, remote: '192.0.2.2', group: '239.1.1.1' }),
    InvalidArgumentError,
    /pass remote \(one peer\) or group \(multicast\), not both/,
  ],
  [
    'vxlan remote 239.1.1.1',
    (ns) => ns.addVxlan('vx0', { vni: 1, remote: '239.1.1.1' }),
    InvalidArgumentError,
    /is a multicast address: pass it as group/,
  ],
  [
    'vxlan group 192.0.2.9',
    async (ns) => ns.addVxlan('vx0', { vni: 1, group: '192.0.2.9', dev: await ns.loopback() }),
    InvalidArgumentError,
    /is not a multicast address/,
  ],
  [
    'vxlan group without dev',
    (ns) => ns.addVxlan('vx0', { vni: 1, group: 'ff05::100' }),
    InvalidArgumentError,
    /group ff05::100 needs dev/,
  ],
  [
    'vxlan IPv4 local, IPv6 remote',
    (ns) => ns.addVxlan('vx0', { vni: 1, remote: '2001:db8::2', local: '192.0.2.1' }),
    InvalidArgumentError,
    /are of different families/,
  ],
  [
    'vxlan remote "nowhere"',
    (ns) => ns.addVxlan('vx0', { vni: 1, remote: 'nowhere' }),
    InvalidAddressError,
    /invalid IP address "nowhere"/,
  ],
  [
    'vxlan dstport 0',
    (ns) => ns.addVxlan('vx0', { vni: 1, remote: '192.0.2.2', dstport: 0 }),
    InvalidArgumentError,
    /dstport must be an integer from 1 to 65535, received 0/,
  ],
  [
    'bond miimon -1',
    (ns) => ns.addBond('b0', { miimon: -1 }),
    InvalidArgumentError,
    /miimon must be an integer from 0 to 2147483647, received -1/,
  ],
  [
    'bond mode 1 (a number, not its name)',
    (ns) => ns.addBond('b0', { mode: 1 as unknown as BondMode }),
    InvalidArgumentError,
    /mode must be one of "balance-rr", .*received 1$/,
  ],
  [
    'vrf table 0',
    (ns) => ns.addVrf('vrf0', { table: 0 }),
    InvalidArgumentError,
    /table must be "main", "local", "default" or an integer from 1/,
  ],
  [
    'vrf without options',
    (ns) => ns.addVrf('vrf0', undefined as never),
    InvalidArgumentError,
    /table must be .*received undefined/,
  ],
  [
    'netkit policy "drop"',
    (ns) => ns.addNetkit('nk0', { peerName: 'nk1', policy: 'drop' as NetkitPolicy }),
    InvalidArgumentError,
    /policy must be one of "forward", "blackhole", received "drop"/,
  ],
  ['kernelSupports("a b")', () => kernelSupports('a b'), InvalidArgumentError, /a kind is a word like "vlan"/],
];

describe('device kind options refused before any request', () => {
  for (const [what, attempt, error, message] of REFUSED) {
    test(what, async () => {
      await using ns = await createNetns();
      const e = await attempt(ns).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(error);
      expect((e as Error).message).toMatch(message);
      expect(await ipLinkNames(ns)).toEqual(['lo']);
    });
  }
});
