// The RTM_NEWLINK requests of the device kinds against iproute2's: the kind's IFLA_INFO_DATA byte
// for byte, the rest attribute by attribute (iproute2 writes IFLA_INFO_KIND without its NUL and
// nests without NLA_F_NESTED; nslab's nlmsghdr adds NLM_F_ECHO). The expected payloads were sent
// by iproute2 6.1's `ip ARGS` and captured with
//   unshare -n strace -f -e trace=sendmsg -e write=3 ip ARGS
// in a fresh namespace (lo is index 1), whether or not the running kernel had the kind.
import { describe, expect, test } from 'vitest';
import { linkAdd, type LinkAddSpec } from '../../src/rtnl/link.ts';
import { cString, parseAttrs } from '../../src/netlink/codec.ts';
import { decodeLink } from '../../src/netlink/link.ts';
import { decodeKindData } from '../../src/netlink/link-kinds.ts';
import { vlanData } from '../../src/netlink/kinds/vlan.ts';
import { macvlanData } from '../../src/netlink/kinds/macvlan.ts';
import { ipvlanData } from '../../src/netlink/kinds/ipvlan.ts';
import { vxlanData } from '../../src/netlink/kinds/vxlan.ts';
import { bondData } from '../../src/netlink/kinds/bond.ts';
import { vrfData } from '../../src/netlink/kinds/vrf.ts';
import { netkitData } from '../../src/netlink/kinds/netkit.ts';
import { ipBytes } from '../../src/values/ip.ts';
import { parseName } from '../../src/values/name.ts';
import * as C from '../../src/sys/constants.ts';
import { capture } from '../helpers/capture.ts';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const LO = 1;

/** The parts of a RTM_NEWLINK payload that carry meaning, with iproute2's two harmless habits undone. */
function parts(payload: Buffer): Record<string, string> {
  const top = parseAttrs(payload, 16);
  const info = parseAttrs(top.get(C.IFLA_LINKINFO)!);
  return {
    ifinfomsg: payload.subarray(0, 16).toString('hex'),
    order: [...top.keys()].join(','),
    link: top.get(C.IFLA_LINK)?.toString('hex') ?? '-',
    name: top.get(C.IFLA_IFNAME)!.toString('hex'),
    // iproute2 writes the kind without its NUL; the kernel's NLA_STRING takes either.
    kind: cString(info.get(C.IFLA_INFO_KIND)!),
    // Byte for byte: the kind's own encoding. (iproute2 nests without NLA_F_NESTED, which only the header shows.)
    data: info.get(C.IFLA_INFO_DATA)?.toString('hex') ?? '-',
  };
}

/** nslab's request for spec against iproute2's payload (what follows nlmsghdr). */
function expectLikeIproute2(spec: Omit<LinkAddSpec, 'name'> & { name: string }, payload: string): void {
  const bytes = capture((sock) => linkAdd(sock, { ...spec, name: parseName(spec.name) }));
  expect(bytes.readUInt32LE(0)).toBe(bytes.length);
  expect(bytes.readUInt16LE(4)).toBe(C.RTM_NEWLINK);
  expect(parts(bytes.subarray(16))).toEqual(parts(hex(payload)));
}

describe("requests as iproute2 sends them, the kind's IFLA_INFO_DATA byte for byte", () => {
  test('ip link add link lo name v0 type vlan id 10 protocol 802.1ad', () => {
    expectLikeIproute2(
      { name: 'v0', kind: 'vlan', link: LO, data: vlanData(10, C.ETH_P_8021AD) },
      '00000000000000000000000000000000 08000500 01000000 07000300 76300000 20001200 08000100 766c616e' +
        '14000200 06000100 0a000000 06000500 88a80000',
    );
  });

  test('ip link add link lo name v0 type vlan id 4094 (no protocol: the kernel takes 802.1Q)', () => {
    expectLikeIproute2(
      { name: 'v0', kind: 'vlan', link: LO, data: vlanData(4094, undefined) },
      '00000000000000000000000000000000 08000500 01000000 07000300 76300000 18001200 08000100 766c616e' +
        '0c000200 06000100 fe0f0000',
    );
  });

  test('ip link add link lo name m0 type macvlan mode passthru', () => {
    expectLikeIproute2(
      { name: 'm0', kind: 'macvlan', link: LO, data: macvlanData(C.MACVLAN_MODE_PASSTHRU) },
      '00000000000000000000000000000000 08000500 01000000 07000300 6d300000 1c001200 0b000100 6d6163766c616e00' +
        '0c000200 08000100 08000000',
    );
  });

  test('ip link add vx0 type vxlan id 42 remote 192.0.2.2 local 192.0.2.1 dstport 4789 nolearning dev lo', () => {
    const data = vxlanData({
      vni: 42,
      destination: ipBytes('192.0.2.2'),
      local: ipBytes('192.0.2.1'),
      dstport: 4789,
      learning: false,
      device: LO,
    });
    expectLikeIproute2(
      { name: 'vx0', kind: 'vxlan', data },
      '00000000000000000000000000000000 08000300 76783000 44001200 09000100 76786c616e000000 34000200' +
        '08000300 01000000 08000100 2a000000 08000400 c0000201 08000200 c0000202 05000700 00000000 06000f00 12b50000',
    );
  });

  test('ip link add vx0 type vxlan id 7 group 239.1.1.1 dev lo (iproute2 sends learning on, the default)', () => {
    const data = vxlanData({ vni: 7, destination: ipBytes('239.1.1.1'), learning: true, device: LO });
    expectLikeIproute2(
      { name: 'vx0', kind: 'vxlan', data },
      '00000000000000000000000000000000 08000300 76783000 34001200 09000100 76786c616e000000 24000200' +
        '08000300 01000000 08000100 07000000 08000200 ef010101 05000700 01000000',
    );
  });

  test('ip link add vx0 type vxlan id 42 remote 2001:db8::1 local 2001:db8::2 learning dstport 4789', () => {
    const data = vxlanData({
      vni: 42,
      destination: ipBytes('2001:db8::1'),
      local: ipBytes('2001:db8::2'),
      dstport: 4789,
      learning: true,
    });
    expectLikeIproute2(
      { name: 'vx0', kind: 'vxlan', data },
      '00000000000000000000000000000000 08000300 76783000 54001200 09000100 76786c616e000000 44000200' +
        '08000100 2a000000 14001100 20010db8000000000000000000000002 14001000 20010db8000000000000000000000001' +
        '05000700 01000000 06000f00 12b50000',
    );
  });

  test('ip link add b0 type bond mode 802.3ad miimon 100', () => {
    expectLikeIproute2(
      { name: 'b0', kind: 'bond', data: bondData(C.BOND_MODE_8023AD, 100) },
      '00000000000000000000000000000000 07000300 62300000 20001200 08000100 626f6e64 14000200' +
        '05000100 04000000 08000300 64000000',
    );
  });

  test('ip link add vrf0 type vrf table 100', () => {
    expectLikeIproute2(
      { name: 'vrf0', kind: 'vrf', data: vrfData(100) },
      '00000000000000000000000000000000 09000300 76726630 00000000 18001200 07000100 76726600 0c000200 08000100 64000000',
    );
  });

  test('ip link add wg0 type wireguard', () => {
    expectLikeIproute2(
      { name: 'wg0', kind: 'wireguard' },
      '00000000000000000000000000000000 08000300 77673000 14001200 0d000100 776972656775617264000000',
    );
  });

  test('ip link add ifb0 type ifb', () => {
    expectLikeIproute2(
      { name: 'ifb0', kind: 'ifb' },
      '00000000000000000000000000000000 09000300 69666230 00000000 0c001200 07000100 69666200',
    );
  });
});

describe('attribute by attribute where iproute2 sends more', () => {
  test('ip link add link lo name i0 type ipvlan mode l3s: the same IFLA_LINK and mode (iproute2 adds IFLA_IPVLAN_FLAGS 0, the default)', () => {
    const ours = capture((sock) =>
      linkAdd(sock, { name: parseName('i0'), kind: 'ipvlan', link: LO, data: ipvlanData(C.IPVLAN_MODE_L3S) }),
    );
    const theirs = hex(
      '00000000000000000000000000000000 08000500 01000000 07000300 69300000 24001200 0a000100 6970766c616e0000' +
        '14000200 06000100 02000000 06000200 00000000',
    );
    const top = (payload: Buffer): Map<number, Buffer> => parseAttrs(payload, 16);
    const data = (payload: Buffer): Map<number, Buffer> =>
      parseAttrs(parseAttrs(top(payload).get(C.IFLA_LINKINFO)!).get(C.IFLA_INFO_DATA)!);
    const [mine, iproute2] = [ours.subarray(16), theirs];
    expect(top(mine).get(C.IFLA_LINK)).toEqual(top(iproute2).get(C.IFLA_LINK));
    expect(top(mine).get(C.IFLA_IFNAME)).toEqual(top(iproute2).get(C.IFLA_IFNAME));
    expect(data(mine).get(C.IFLA_IPVLAN_MODE)).toEqual(data(iproute2).get(C.IFLA_IPVLAN_MODE));
    expect([...data(mine).keys()]).toEqual([C.IFLA_IPVLAN_MODE]);
    expect(data(iproute2).get(2)).toEqual(hex('0000'));
  });
});

describe('netkit, which iproute2 6.1 does not know', () => {
  // From the UAPI numbers (IFLA_NETKIT_POLICY 3, PEER_POLICY 4, MODE 5, PEER_INFO 1; NETKIT_DROP
  // 2, NETKIT_L2 0) in the order of the kernel's selftest (tc_netkit.c's create_netkit), then the
  // peer as a veth's is written.
  test('type netkit mode l2 blackhole peer blackhole name nk1', () => {
    const bytes = capture((sock) =>
      linkAdd(sock, {
        name: parseName('nk0'),
        kind: 'netkit',
        data: netkitData({ peer: { name: parseName('nk1') }, mode: 0, policy: 2, peerPolicy: 2 }),
      }),
    );
    const info = parseAttrs(parseAttrs(bytes.subarray(16), 16).get(C.IFLA_LINKINFO)!);
    expect(cString(info.get(C.IFLA_INFO_KIND)!)).toBe('netkit');
    expect(info.get(C.IFLA_INFO_DATA)!.toString('hex')).toBe(
      hex(
        '08000300 02000000 08000400 02000000 08000500 00000000' +
          '1c000180 00000000 00000000 00000000 00000000 08000300 6e6b3100',
      ).toString('hex'),
    );
  });
});

describe('decoding what the kernel reports', () => {
  test('the requests above decode to the options they carry', () => {
    // A request and the kernel's answer describe the device in the same attributes.
    const decoded = (spec: LinkAddSpec): unknown =>
      decodeLink(capture((sock) => linkAdd(sock, spec)).subarray(16)).details;
    expect(decoded({ name: parseName('v0'), kind: 'vlan', link: LO, data: vlanData(10, C.ETH_P_8021AD) })).toEqual({
      kind: 'vlan',
      id: 10,
      protocol: '802.1ad',
    });
    expect(decoded({ name: parseName('v0'), kind: 'vlan', link: LO, data: vlanData(5, undefined) })).toEqual({
      kind: 'vlan',
      id: 5,
      protocol: '802.1Q',
    });
    const vx = vxlanData({ vni: 7, destination: ipBytes('ff05::100'), learning: false, device: 3 });
    expect(decoded({ name: parseName('vx0'), kind: 'vxlan', data: vx })).toEqual({
      kind: 'vxlan',
      vni: 7,
      remote: undefined,
      group: 'ff05::100',
      local: undefined,
      dstport: 0,
      learning: false,
      device: 3,
    });
    expect(decoded({ name: parseName('b0'), kind: 'bond', data: bondData(C.BOND_MODE_ACTIVEBACKUP, 100) })).toEqual({
      kind: 'bond',
      mode: 'active-backup',
      miimon: 100,
      activeSlave: undefined,
    });
    expect(decoded({ name: parseName('m0'), kind: 'macvlan', data: macvlanData(C.MACVLAN_MODE_SOURCE) })).toEqual({
      kind: 'macvlan',
      mode: 'source',
    });
    expect(decoded({ name: parseName('i0'), kind: 'ipvlan', data: ipvlanData(C.IPVLAN_MODE_L2) })).toEqual({
      kind: 'ipvlan',
      mode: 'l2',
    });
    const nk = netkitData({ peer: { name: parseName('nk1') }, mode: 1, policy: 0 });
    expect(decoded({ name: parseName('nk0'), kind: 'netkit', data: nk })).toEqual({
      kind: 'netkit',
      mode: 'l3',
      policy: 'forward',
      peerPolicy: undefined,
      primary: false,
    });
    expect(decoded({ name: parseName('r0'), kind: 'vrf', data: vrfData(4_000_000_000) })).toEqual({
      kind: 'vrf',
      table: 4_000_000_000,
    });
  });

  test('a vxlan with 0.0.0.0 as its group and local (what the kernel sends for none) has neither', () => {
    const data = hex('08000100 2a000000 08000200 00000000 08000400 00000000 06000f00 12b50000 05000700 01000000');
    expect(decodeKindData('vxlan', data)).toMatchObject({
      remote: undefined,
      group: undefined,
      local: undefined,
      dstport: 4789,
      learning: true,
    });
  });

  test('kinds without decoders, and the text "constructor", decode to nothing', () => {
    expect(decodeKindData('veth', Buffer.alloc(0))).toBeUndefined();
    expect(decodeKindData('constructor', Buffer.alloc(0))).toBeUndefined();
  });
});
