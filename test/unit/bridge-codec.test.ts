// The `bridge vlan`, `bridge fdb`, `bridge link set` and `ip link set ... type bridge` wire
// format. The request bytes were captured from iproute2 6.1 inside a scratch namespace
// (`unshare -n`: a bridge br0 of index 2, a veth v0 of index 4 attached to it) with
//   strace -e trace=sendmsg -e write=all bridge vlan add dev v0 vid 10 pvid untagged
// (and the commands named in each test), iproute2's sequence number replaced by 1. The decoded
// messages are built by hand from if_bridge.h, if_link.h and neighbour.h.
import { describe, expect, test } from 'vitest';
import { MessageWriter, NLMSG_HDRLEN } from '../../src/netlink/codec.ts';
import { decodeBridge, decodeBridgePort, decodeVlans } from '../../src/netlink/bridge.ts';
import { decodeLink, encodeIfinfomsg } from '../../src/netlink/link.ts';
import { decodeFdb, encodeNdmsg } from '../../src/netlink/neigh.ts';
import { bridgeLinkList, bridgePortSet, bridgeSet, bridgeVlan } from '../../src/rtnl/bridge.ts';
import { fdbAdd, fdbDel, fdbList } from '../../src/rtnl/fdb.ts';
import { FDB_STATES, fdbStateName, parseSeconds, parseVid } from '../../src/values/bridge.ts';
import { parseVlanProtocol } from '../../src/values/vlan-protocol.ts';
import { parseMac } from '../../src/values/mac.ts';
import { InvalidArgumentError, MalformedMessageError } from '../../src/errors.ts';
import * as C from '../../src/sys/constants.ts';
import { capture, captureDump } from '../helpers/capture.ts';

const hex = (text: string): Buffer => Buffer.from(text.replace(/#[^\n]*/g, '').replace(/\s+/g, ''), 'hex');
const WHAT = 'test';

describe('requests, against the bytes iproute2 sends', () => {
  test('bridge vlan add dev v0 vid 10 pvid untagged', () => {
    const flags = C.BRIDGE_VLAN_INFO_PVID | C.BRIDGE_VLAN_INFO_UNTAGGED;
    expect(capture((s) => bridgeVlan(s, 'add', { index: 4, self: false, vid: 10, flags }, WHAT))).toEqual(
      hex(`
        2c000000 1300 0500 01000000 00000000   # len 44, RTM_SETLINK, REQUEST|ACK
        07 00 0000 04000000 00000000 00000000  # ifinfomsg: AF_BRIDGE, ifindex 4
        0c00 1a00                              # IFLA_AF_SPEC, without NLA_F_NESTED as iproute2 sends it
        0800 0200 0600 0a00                    # IFLA_BRIDGE_VLAN_INFO: PVID|UNTAGGED, vid 10
      `),
    );
  });

  test('bridge vlan add dev br0 vid 10 self: IFLA_BRIDGE_FLAGS SELF first', () => {
    expect(capture((s) => bridgeVlan(s, 'add', { index: 2, self: true, vid: 10, flags: 0 }, WHAT))).toEqual(
      hex(`
        34000000 1300 0500 01000000 00000000
        07 00 0000 02000000 00000000 00000000
        1400 1a00
        0600 0000 0200 0000                    # IFLA_BRIDGE_FLAGS: BRIDGE_FLAGS_SELF, padded
        0800 0200 0000 0a00
      `),
    );
  });

  test('bridge vlan del dev v0 vid 10: RTM_DELLINK of the same shape', () => {
    expect(capture((s) => bridgeVlan(s, 'del', { index: 4, self: false, vid: 10, flags: 0 }, WHAT))).toEqual(
      hex('2c000000 1100 0500 01000000 00000000  07 00 0000 04000000 00000000 00000000  0c00 1a00 0800 0200 0000 0a00'),
    );
  });

  const key = { index: 4, dev: 'v0', self: false, lladdr: parseMac('52:54:00:00:00:0a'), vlan: 10 };

  test('bridge fdb add 52:54:00:00:00:0a dev v0 master static vlan 10', () => {
    expect(capture((s) => fdbAdd(s, key, FDB_STATES.static))).toEqual(
      hex(
        `
        30000000 1c00 0506 01000000 00000000   # RTM_NEWNEIGH, REQUEST|ACK|EXCL|CREATE
        07 00 0000 04000000 4200 04 00         # ndmsg: AF_BRIDGE, ifindex 4, NUD_NOARP|NUD_REACHABLE, NTF_MASTER
        0a00 0200 525400000000a 0000
        0600 0500 0a00 0000                    # NDA_VLAN 10
      `.replace('525400000000a', '52540000000a'),
      ),
    );
  });

  test('bridge fdb add 52:54:00:00:00:0b dev br0 self permanent: NTF_SELF on the bridge itself', () => {
    const own = { index: 2, dev: 'br0', self: true, lladdr: parseMac('52:54:00:00:00:0b'), vlan: undefined };
    expect(capture((s) => fdbAdd(s, own, FDB_STATES.permanent))).toEqual(
      hex('28000000 1c00 0506 01000000 00000000  07 00 0000 02000000 c000 02 00  0a00 0200 52540000000b 0000'),
    );
  });

  test('bridge fdb del 52:54:00:00:00:0a dev v0 master vlan 10', () => {
    // iproute2 also writes its starting state, NUD_NOARP|NUD_PERMANENT, into a delete, which the kernel ignores; nslab sends 0.
    expect(capture((s) => fdbDel(s, key))).toEqual(
      hex(
        '30000000 1d00 0500 01000000 00000000  07 00 0000 04000000 0000 04 00  0a00 0200 52540000000a 0000  0600 0500 0a00 0000',
      ),
    );
  });

  test('bridge link set dev v0 learning off flood off hairpin on isolated on state 3', () => {
    const port = { learning: false, flood: false, hairpin: true, isolated: true, state: C.BR_STATE_FORWARDING };
    expect(capture((s) => bridgePortSet(s, 4, port, WHAT))).toEqual(
      hex(`
        4c000000 1300 0500 01000000 00000000
        07 00 0000 04000000 00000000 00000000
        2c00 0c80                              # IFLA_PROTINFO | NLA_F_NESTED
        0500 0400 01000000                     # IFLA_BRPORT_MODE (hairpin) on
        0500 0900 00000000                     # IFLA_BRPORT_UNICAST_FLOOD off
        0500 0800 00000000                     # IFLA_BRPORT_LEARNING off
        0500 0100 03000000                     # IFLA_BRPORT_STATE forwarding
        0500 2100 01000000                     # IFLA_BRPORT_ISOLATED on
      `),
    );
  });

  test('ip link set br0 type bridge stp_state 1 forward_delay 400 ageing_time 1000 vlan_filtering 1 vlan_protocol 802.1ad vlan_default_pvid 5', () => {
    const settings = {
      stpState: 1,
      forwardDelay: parseSeconds('x', 'forwardDelay', 4),
      ageingTime: parseSeconds('x', 'ageingTime', 10),
      vlanFiltering: true,
      vlanProtocol: parseVlanProtocol('x', '802.1ad'),
      defaultPvid: 5,
    };
    // iproute2 sends IFLA_LINKINFO and IFLA_INFO_DATA without NLA_F_NESTED, and the kind without
    // its NUL; nslab's nests carry the flag and its strings the NUL, as its link add does (the
    // kernel parses both alike). The IFLA_BR_* attributes are iproute2's bytes.
    expect(capture((s) => bridgeSet(s, 2, settings, WHAT))).toEqual(
      hex(`
        64000000 1000 0500 01000000 00000000   # RTM_NEWLINK, REQUEST|ACK
        00 00 0000 02000000 00000000 00000000  # AF_UNSPEC, ifindex 2
        4400 1280                              # IFLA_LINKINFO
        0b00 0100 627269646765 00 00           # IFLA_INFO_KIND "bridge", with its NUL (iproute2: without)
        3400 0280                              # IFLA_INFO_DATA
        0800 0500 01000000                     # IFLA_BR_STP_STATE 1
        0800 0100 90010000                     # IFLA_BR_FORWARD_DELAY 400 cs
        0800 0400 e8030000                     # IFLA_BR_AGEING_TIME 1000 cs
        0500 0700 01000000                     # IFLA_BR_VLAN_FILTERING 1
        0600 0800 88a8 0000                    # IFLA_BR_VLAN_PROTOCOL 802.1ad, big-endian
        0600 2700 0500 0000                    # IFLA_BR_VLAN_DEFAULT_PVID 5
      `),
    );
  });

  test('the dumps: AF_BRIDGE links with compressed VLANs, and the FDB of one bridge by NDA_MASTER', () => {
    expect(captureDump((s) => bridgeLinkList(s))).toEqual(
      hex('28000000 1200 0103 01000000 00000000  07 00 0000 00000000 00000000 00000000  0800 1d00 04000000'),
    );
    expect(captureDump((s) => fdbList(s, 2))).toEqual(
      hex('24000000 1e00 0103 01000000 00000000  07 00 0000 00000000 0000 00 00  0800 0900 02000000'),
    );
  });
});

/** A link message's payload (after nlmsghdr), built with the codec's writer. */
function linkPayload(family: number, index: number, attrs: (w: MessageWriter) => void): Buffer {
  const w = new MessageWriter(C.RTM_NEWLINK, 0).header(encodeIfinfomsg({ family, index }));
  attrs(w);
  return Buffer.from(w.finish(1).subarray(NLMSG_HDRLEN));
}

const vlanInfo = (flags: number, vid: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(flags, 0);
  b.writeUInt16LE(vid, 2);
  return b;
};

describe('decoding', () => {
  test('VLANs: single entries, and a compressed range expanded with its flags', () => {
    const spec = linkPayload(0, 0, (w) =>
      w.nest(C.IFLA_AF_SPEC, (s) => {
        s.bytes(C.IFLA_BRIDGE_VLAN_INFO, vlanInfo(C.BRIDGE_VLAN_INFO_PVID | C.BRIDGE_VLAN_INFO_UNTAGGED, 1));
        s.bytes(C.IFLA_BRIDGE_VLAN_INFO, vlanInfo(C.BRIDGE_VLAN_INFO_RANGE_BEGIN, 20));
        s.bytes(C.IFLA_BRIDGE_VLAN_INFO, vlanInfo(C.BRIDGE_VLAN_INFO_RANGE_END, 22));
      }),
    ).subarray(16 + 4);
    expect(decodeVlans(spec)).toEqual([
      { vid: 1, flags: C.BRIDGE_VLAN_INFO_PVID | C.BRIDGE_VLAN_INFO_UNTAGGED },
      { vid: 20, flags: 0 },
      { vid: 21, flags: 0 },
      { vid: 22, flags: 0 },
    ]);
  });

  test('a range end without its beginning, or a short entry: MalformedMessageError', () => {
    const end = Buffer.concat([hex('0800 0200'), vlanInfo(C.BRIDGE_VLAN_INFO_RANGE_END, 5)]);
    expect(() => decodeVlans(end)).toThrow(MalformedMessageError);
    expect(() => decodeVlans(hex('0600 0200 0a00 0000'))).toThrow(MalformedMessageError);
  });

  test("an AF_BRIDGE link message: the port's IFLA_PROTINFO and IFLA_AF_SPEC", () => {
    const m = linkPayload(C.AF_BRIDGE, 4, (w) => {
      w.string(C.IFLA_IFNAME, 'v0');
      w.u32(C.IFLA_MASTER, 2);
      w.nest(C.IFLA_PROTINFO, (p) => {
        p.u8(C.IFLA_BRPORT_STATE, C.BR_STATE_LEARNING);
        p.u8(C.IFLA_BRPORT_LEARNING, 1);
        p.u8(C.IFLA_BRPORT_ISOLATED, 0);
      });
      w.nest(C.IFLA_AF_SPEC, (s) => s.bytes(C.IFLA_BRIDGE_VLAN_INFO, vlanInfo(C.BRIDGE_VLAN_INFO_UNTAGGED, 10)), {
        flagged: false,
      });
    });
    expect(decodeLink(m)).toMatchObject({
      family: C.AF_BRIDGE,
      index: 4,
      name: 'v0',
      master: 2,
      bridgePort: { state: C.BR_STATE_LEARNING, learning: true, isolated: false },
      vlans: [{ vid: 10, flags: C.BRIDGE_VLAN_INFO_UNTAGGED }],
    });
  });

  test("a device's own message reads its port options from IFLA_INFO_SLAVE_DATA, and ignores its IFLA_AF_SPEC", () => {
    const m = linkPayload(C.AF_UNSPEC, 4, (w) => {
      w.nest(C.IFLA_LINKINFO, (i) => {
        i.string(C.IFLA_INFO_KIND, 'veth');
        i.string(C.IFLA_INFO_SLAVE_KIND, 'bridge');
        i.nest(C.IFLA_INFO_SLAVE_DATA, (d) => {
          d.u8(C.IFLA_BRPORT_MODE, 1);
          d.u8(C.IFLA_BRPORT_UNICAST_FLOOD, 0);
        });
      });
      // IPv6's per-device data lives here in AF_UNSPEC messages: not VLANs.
      w.nest(C.IFLA_AF_SPEC, (s) => s.bytes(C.IFLA_BRIDGE_VLAN_INFO, vlanInfo(0, 10)));
    });
    const link = decodeLink(m);
    expect(link.bridgePort).toEqual({ hairpin: true, flood: false });
    expect(link.vlans).toBeUndefined();
  });

  test("a bridge's options: VLAN protocol big-endian, times in centiseconds; absent ones stay absent", () => {
    const data = linkPayload(0, 0, (w) => {
      w.u32(C.IFLA_BR_FORWARD_DELAY, 1500);
      w.u32(C.IFLA_BR_AGEING_TIME, 30000);
      w.u32(C.IFLA_BR_STP_STATE, 1);
      w.u8(C.IFLA_BR_VLAN_FILTERING, 1);
      w.bytes(C.IFLA_BR_VLAN_PROTOCOL, hex('88a8'));
      w.bytes(C.IFLA_BR_VLAN_DEFAULT_PVID, hex('0100'));
    }).subarray(16);
    expect(decodeBridge(data)).toEqual({
      forwardDelay: 1500,
      ageingTime: 30000,
      stpState: 1,
      vlanFiltering: true,
      vlanProtocol: C.ETH_P_8021AD,
      defaultPvid: 1,
    });
    // A kernel without CONFIG_BRIDGE_VLAN_FILTERING sends the filtering flag but no protocol or pvid.
    const bare = linkPayload(0, 0, (w) => w.u8(C.IFLA_BR_VLAN_FILTERING, 0)).subarray(16);
    expect(decodeBridge(bare)).toEqual({ vlanFiltering: false });
    expect(decodeBridgePort(Buffer.alloc(0))).toEqual({});
  });

  test('an FDB entry: port, state, flags, MAC, VLAN and master', () => {
    const m = Buffer.concat([
      encodeNdmsg({ family: C.AF_BRIDGE, index: 4, state: C.NUD_REACHABLE, flags: C.NTF_EXT_LEARNED }),
      hex('0a00 0200 52540000000a 0000  0600 0500 1400 0000  0800 0900 02000000'),
    ]);
    expect(decodeFdb(m)).toEqual({
      index: 4,
      state: C.NUD_REACHABLE,
      flags: C.NTF_EXT_LEARNED,
      lladdr: '52:54:00:00:00:0a',
      vlan: 20,
      master: 2,
    });
    expect(fdbStateName(C.NUD_STALE)).toBe('dynamic');
    expect(fdbStateName(C.NUD_NOARP)).toBe('static');
    expect(fdbStateName(C.NUD_PERMANENT)).toBe('permanent');
  });

  test.each([
    ['an IPv4 neighbour', encodeNdmsg({ family: C.AF_INET, index: 4 })],
    ['no NDA_LLADDR', encodeNdmsg({ family: C.AF_BRIDGE, index: 4 })],
    ['a header shorter than struct ndmsg', Buffer.alloc(8)],
  ])('an FDB entry with %s: MalformedMessageError', (_why, bytes) => {
    expect(() => decodeFdb(bytes)).toThrow(MalformedMessageError);
  });
});

describe('values', () => {
  test.each([[0], [4095], [1.5], ['10'], [Number.NaN]])('VLAN id %j is refused', (vid) => {
    expect(() => parseVid('vlan.add', vid)).toThrow(InvalidArgumentError);
    expect(() => parseVid('vlan.add', vid)).toThrow(
      /^vlan\.add: a VLAN id is an integer from 1 to 4094 \(802\.1Q reserves 0 and 4095\), received /,
    );
  });

  test('times are seconds to the hundredth; the kernel counts centiseconds', () => {
    expect(parseSeconds('x', 't', 15)).toBe(1500);
    expect(parseSeconds('x', 't', 0.07)).toBe(7);
    for (const bad of [0.001, -1, Number.POSITIVE_INFINITY, '15'])
      expect(() => parseSeconds('set', 'forwardDelay', bad)).toThrow(
        /^set: forwardDelay is a time in seconds from 0 to \d+, to the hundredth/,
      );
  });
});
