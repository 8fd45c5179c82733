// decodeLink / decodeAddr on synthetic kernel messages whose bytes are laid out here, field by
// field, the way the kernel's rtnl_fill_ifinfo / inet_fill_ifaddr / inet6_fill_ifaddr put them.
import { describe, expect, test } from 'vitest';
import { MessageWriter, NLMSG_HDRLEN, type NetlinkMessage } from '../../src/netlink/codec.ts';
import { decodeLink } from '../../src/netlink/link.ts';
import { decodeAddr } from '../../src/netlink/addr.ts';
import { decodeAddrFlags, decodeFlags } from '../../src/values/flags.ts';
import { OPERSTATES } from '../../src/values/operstate.ts';
import { linkState } from '../../src/devices/state.ts';
import * as C from '../../src/sys/constants.ts';
import { decodeAck } from '../../src/netlink/ack.ts';
import { MalformedMessageError } from '../../src/errors.ts';

/** struct ifinfomsg as the kernel fills it: family, pad, ARPHRD type, index, flags, change. */
function ifinfomsg(type: number, index: number, flags: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(type, 2);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags >>> 0, 8);
  return b;
}

/** struct ifaddrmsg: family, prefixlen, flags (low 8 bits), scope, index. */
const ifaddrmsg = (family: number, prefix: number, flags: number, scope: number, index: number): Buffer =>
  Buffer.from([family, prefix, flags, scope, index & 0xff, (index >> 8) & 0xff, 0, 0]);

const payloadOf = (w: MessageWriter): Buffer => w.finish(0).subarray(NLMSG_HDRLEN);
const u16be = (v: number): Buffer => Buffer.from([v >> 8, v & 0xff]);
const u16le = (v: number): Buffer => Buffer.from([v & 0xff, v >> 8]);
const mac = (...b: number[]): Buffer => Buffer.from(b);

describe('decodeLink', () => {
  const bridgeMessage = (): Buffer =>
    payloadOf(
      new MessageWriter(C.RTM_NEWLINK, 0)
        .header(
          ifinfomsg(C.ARPHRD_ETHER, 12, C.IFF_UP | C.IFF_BROADCAST | C.IFF_MULTICAST | C.IFF_RUNNING | C.IFF_LOWER_UP),
        )
        .string(C.IFLA_IFNAME, 'br0')
        .u32(C.IFLA_MTU, 1500)
        .u8(C.IFLA_OPERSTATE, C.IF_OPER_UP)
        .u8(C.IFLA_CARRIER, 1)
        .u32(C.IFLA_CARRIER_CHANGES, 5)
        .u32(C.IFLA_CARRIER_UP_COUNT, 3)
        .u32(C.IFLA_CARRIER_DOWN_COUNT, 2)
        .bytes(C.IFLA_ADDRESS, mac(0x52, 0x54, 0x00, 0xab, 0xcd, 0x01))
        .bytes(C.IFLA_BROADCAST, mac(0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
        .nest(C.IFLA_LINKINFO, (li) =>
          li.string(C.IFLA_INFO_KIND, 'bridge').nest(C.IFLA_INFO_DATA, (d) =>
            d
              .u32(C.IFLA_BR_FORWARD_DELAY, 1500)
              // struct ifla_bridge_id: prio[2] in network byte order, then addr[6].
              .bytes(C.IFLA_BR_BRIDGE_ID, Buffer.concat([u16be(0x1234), mac(0x52, 0x54, 0x00, 0xab, 0xcd, 0x01)]))
              .bytes(C.IFLA_BR_ROOT_ID, Buffer.concat([u16be(0x0010), mac(0x02, 0, 0, 0, 0, 0x09)]))
              .u32(C.IFLA_BR_STP_STATE, 1)
              // IFLA_BR_PRIORITY is a plain host-order u16.
              .bytes(C.IFLA_BR_PRIORITY, u16le(0x1234)),
          ),
        ),
    );

  test('a bridge: header fields, counters, MAC, and the bridge ID decoded big-endian', () => {
    const m = decodeLink(bridgeMessage());
    expect(m).toEqual({
      family: C.AF_UNSPEC,
      type: C.ARPHRD_ETHER,
      index: 12,
      flags: C.IFF_UP | C.IFF_BROADCAST | C.IFF_MULTICAST | C.IFF_RUNNING | C.IFF_LOWER_UP,
      name: 'br0',
      mtu: 1500,
      operstate: C.IF_OPER_UP,
      carrier: true,
      carrierChanges: 5,
      carrierUpCount: 3,
      carrierDownCount: 2,
      mac: '52:54:00:ab:cd:01',
      kind: 'bridge',
      bridge: {
        bridgeId: { priority: 0x1234, mac: '52:54:00:ab:cd:01' },
        rootId: { priority: 0x0010, mac: '02:00:00:00:00:09' },
        stpState: 1,
        priority: 0x1234,
        forwardDelay: 1500,
      },
    });
  });

  test('the bridge ID in sysfs notation, through the state snapshot', () => {
    const s = linkState(decodeLink(bridgeMessage()), { addresses: [] });
    expect(s.bridgeId).toBe('1234.525400abcd01');
    expect(s.flags).toEqual(['UP', 'BROADCAST', 'RUNNING', 'MULTICAST', 'LOWER_UP']);
    expect([s.adminUp, s.running, s.operstate, s.carrier]).toEqual([true, true, 'up', true]);
  });

  test('carrier off, and operstate lowerlayerdown, as the kernel reports an up device without carrier', () => {
    const m = decodeLink(
      payloadOf(
        new MessageWriter(C.RTM_NEWLINK, 0)
          .header(ifinfomsg(C.ARPHRD_ETHER, 3, C.IFF_UP))
          .string(C.IFLA_IFNAME, 'veth0')
          .u8(C.IFLA_CARRIER, 0)
          .u8(C.IFLA_OPERSTATE, C.IF_OPER_LOWERLAYERDOWN)
          .u32(C.IFLA_MASTER, 7)
          .u32(C.IFLA_LINK, 9)
          .s32(C.IFLA_LINK_NETNSID, 0)
          .nest(C.IFLA_LINKINFO, (li) => li.string(C.IFLA_INFO_KIND, 'veth').string(C.IFLA_INFO_SLAVE_KIND, 'bridge')),
      ),
    );
    expect(m).toMatchObject({
      carrier: false,
      operstate: C.IF_OPER_LOWERLAYERDOWN,
      master: 7,
      link: 9,
      linkNetnsId: 0,
      kind: 'veth',
      slaveKind: 'bridge',
    });
    const s = linkState(m, { masterName: 'br0', addresses: [] });
    expect(s).toMatchObject({
      operstate: 'lowerlayerdown',
      adminUp: true,
      running: false,
      carrier: false,
      master: { index: 7, name: 'br0' },
    });
  });

  test('IFLA_LINK_NETNSID is signed: -1 means the peer namespace has no id here', () => {
    const m = decodeLink(payloadOf(new MessageWriter(0, 0).header(ifinfomsg(1, 2, 0)).s32(C.IFLA_LINK_NETNSID, -1)));
    expect(m.linkNetnsId).toBe(-1);
  });

  test('tun info: type, persist and queue count', () => {
    const tun = (data: (w: MessageWriter) => void): ReturnType<typeof decodeLink> =>
      decodeLink(
        payloadOf(
          new MessageWriter(C.RTM_NEWLINK, 0)
            .header(ifinfomsg(C.ARPHRD_NONE, 4, C.IFF_POINTOPOINT | C.IFF_NOARP))
            .string(C.IFLA_IFNAME, 'tun0')
            .nest(C.IFLA_LINKINFO, (li) => li.string(C.IFLA_INFO_KIND, 'tun').nest(C.IFLA_INFO_DATA, data)),
        ),
      );
    expect(
      tun((d) => d.u8(C.IFLA_TUN_TYPE, C.IFF_TUN).u8(C.IFLA_TUN_PERSIST, 0).u32(C.IFLA_TUN_NUM_QUEUES, 3)).tun,
    ).toEqual({ mode: 'tun', persist: false, queues: 3 });
    expect(tun((d) => d.u8(C.IFLA_TUN_TYPE, C.IFF_TAP).u8(C.IFLA_TUN_PERSIST, 1)).tun).toMatchObject({
      mode: 'tap',
      persist: true,
    });
    const s = linkState(
      tun((d) => d.u8(C.IFLA_TUN_TYPE, C.IFF_TUN)),
      { addresses: [] },
    );
    expect([s.kind, s.mac, s.flags]).toEqual(['tun', undefined, ['POINTOPOINT', 'NOARP']]);
  });

  // The kernel sends IFLA_TUN_NUM_QUEUES only for IFF_MULTI_QUEUE devices (tun_fill_info).
  test('a single-queue tun device (no IFLA_TUN_NUM_QUEUES) claims no queue count', () => {
    const m = decodeLink(
      payloadOf(
        new MessageWriter(C.RTM_NEWLINK, 0)
          .header(ifinfomsg(C.ARPHRD_ETHER, 4, 0))
          .nest(C.IFLA_LINKINFO, (li) =>
            li.string(C.IFLA_INFO_KIND, 'tun').nest(C.IFLA_INFO_DATA, (d) => d.u8(C.IFLA_TUN_TYPE, C.IFF_TAP)),
          ),
      ),
    );
    expect(m.tun?.queues).toBeUndefined();
  });

  test('loopback has no kind in IFLA_LINKINFO; the snapshot names it from ARPHRD_LOOPBACK', () => {
    const m = decodeLink(
      payloadOf(
        new MessageWriter(0, 0).header(ifinfomsg(C.ARPHRD_LOOPBACK, 1, C.IFF_LOOPBACK)).string(C.IFLA_IFNAME, 'lo'),
      ),
    );
    expect(m.kind).toBeUndefined();
    expect(linkState(m, { addresses: [] })).toMatchObject({
      kind: 'loopback',
      operstate: 'unknown',
      carrier: undefined,
      master: undefined,
    });
  });

  test('MTU range, queue length, alias, alternative names and IFLA_STATS64, as rtnl_fill_ifinfo puts them', () => {
    // struct rtnl_link_stats64: __u64 counters in order; the kernel sends 25 (200 bytes) on 6.x.
    const stats = Buffer.alloc(25 * 8);
    [3, 4, 2 ** 40 + 7, 5, 1, 0, 2, 6, 9, 0].forEach((v, i) => stats.writeBigUInt64LE(BigInt(v), i * 8));
    const m = decodeLink(
      payloadOf(
        new MessageWriter(C.RTM_NEWLINK, 0)
          .header(ifinfomsg(C.ARPHRD_ETHER, 7, 0))
          .string(C.IFLA_IFNAME, 'v0')
          .u32(C.IFLA_TXQLEN, 1000)
          .u32(C.IFLA_MIN_MTU, 68)
          .u32(C.IFLA_MAX_MTU, 65535)
          .string(C.IFLA_IFALIAS, 'uplink')
          .bytes(C.IFLA_STATS64, stats)
          .nest(C.IFLA_PROP_LIST, (p) => p.string(C.IFLA_ALT_IFNAME, 'first').string(C.IFLA_ALT_IFNAME, 'second')),
      ),
    );
    expect(m).toMatchObject({
      txQueueLen: 1000,
      minMtu: 68,
      maxMtu: 65535,
      alias: 'uplink',
      altNames: ['first', 'second'],
    });
    expect(m.stats).toEqual({
      rxPackets: 3,
      txPackets: 4,
      rxBytes: 2 ** 40 + 7,
      txBytes: 5,
      rxErrors: 1,
      txErrors: 0,
      rxDropped: 2,
      txDropped: 6,
      multicast: 9,
      collisions: 0,
    });
    expect(linkState(m, { addresses: [] })).toMatchObject({ altNames: ['first', 'second'], stats: m.stats });
  });

  test('an IFLA_STATS64 too short for its counters is malformed, not zeros', () => {
    const short = payloadOf(
      new MessageWriter(C.RTM_NEWLINK, 0).header(ifinfomsg(1, 1, 0)).bytes(C.IFLA_STATS64, Buffer.alloc(40)),
    );
    expect(() => decodeLink(short)).toThrow(MalformedMessageError);
  });

  test('a device without alias or alternative names has none', () => {
    const m = decodeLink(payloadOf(new MessageWriter(C.RTM_NEWLINK, 0).header(ifinfomsg(1, 1, 0))));
    expect(m.alias).toBeUndefined();
    expect(linkState(m, { addresses: [] }).altNames).toEqual([]);
  });

  test('a message with no attributes at all decodes to the header fields', () => {
    expect(decodeLink(ifinfomsg(1, 5, 0))).toEqual({ family: C.AF_UNSPEC, type: 1, index: 5, flags: 0, name: '' });
  });

  test("ifi_family is decoded: a bridge's per-port notifications come as AF_BRIDGE", () => {
    const msg = ifinfomsg(C.ARPHRD_ETHER, 3, 0);
    msg.writeUInt8(C.AF_BRIDGE, 0);
    expect(decodeLink(msg).family).toBe(C.AF_BRIDGE);
  });

  test('every IF_OPER_* value has a name; flags decode bit by bit', () => {
    expect(Object.keys(OPERSTATES).map(Number).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(OPERSTATES[C.IF_OPER_DORMANT]).toBe('dormant');
    expect(decodeFlags(0)).toEqual([]);
    expect(decodeFlags(C.IFF_LOWER_UP | C.IFF_UP | C.IFF_ECHO)).toEqual(['UP', 'LOWER_UP', 'ECHO']);
  });
});

describe('decodeAddr', () => {
  test('IPv4: IFA_LOCAL is the address even when IFA_ADDRESS (the peer) differs', () => {
    const a = decodeAddr(
      payloadOf(
        new MessageWriter(C.RTM_NEWADDR, 0)
          .header(ifaddrmsg(C.AF_INET, 32, C.IFA_F_PERMANENT, C.RT_SCOPE_UNIVERSE, 300))
          .bytes(C.IFA_ADDRESS, Buffer.from([198, 51, 100, 9]))
          .bytes(C.IFA_LOCAL, Buffer.from([192, 0, 2, 1]))
          .string(C.IFA_LABEL, 'tun0'),
      ),
    );
    expect(a).toEqual({
      family: 4,
      index: 300,
      prefixLength: 32,
      scope: 0,
      flags: C.IFA_F_PERMANENT,
      address: '192.0.2.1',
      label: 'tun0',
    });
  });

  test('IPv6: only IFA_ADDRESS, formatted canonically', () => {
    const bytes = Buffer.alloc(16);
    bytes.writeUInt16BE(0xfe80, 0);
    bytes.writeUInt16BE(0xabcd, 14);
    const a = decodeAddr(
      payloadOf(
        new MessageWriter(C.RTM_NEWADDR, 0)
          .header(ifaddrmsg(C.AF_INET6, 64, 0, C.RT_SCOPE_LINK, 2))
          .bytes(C.IFA_ADDRESS, bytes),
      ),
    );
    expect(a).toEqual({
      family: 6,
      index: 2,
      prefixLength: 64,
      scope: C.RT_SCOPE_LINK,
      flags: 0,
      address: 'fe80::abcd',
    });
  });

  test('IFA_FLAGS (32 bits) wins over ifa_flags, which holds only the low 8 bits', () => {
    const withAttr = decodeAddr(
      payloadOf(
        new MessageWriter(C.RTM_NEWADDR, 0)
          .header(ifaddrmsg(C.AF_INET6, 64, C.IFA_F_PERMANENT, 0, 2))
          .bytes(C.IFA_ADDRESS, Buffer.alloc(16, 0x20))
          .u32(C.IFA_FLAGS, C.IFA_F_PERMANENT | C.IFA_F_NOPREFIXROUTE | C.IFA_F_STABLE_PRIVACY),
      ),
    );
    expect(decodeAddrFlags(withAttr.flags)).toEqual(['permanent', 'noprefixroute', 'stable_privacy']);
    const without = decodeAddr(
      payloadOf(
        new MessageWriter(C.RTM_NEWADDR, 0)
          .header(ifaddrmsg(C.AF_INET6, 64, C.IFA_F_TENTATIVE | C.IFA_F_NODAD, 0, 2))
          .bytes(C.IFA_ADDRESS, Buffer.alloc(16)),
      ),
    );
    expect(decodeAddrFlags(without.flags)).toEqual(['nodad', 'tentative']);
  });

  const message = (family: number): MessageWriter =>
    new MessageWriter(C.RTM_NEWADDR, 0).header(ifaddrmsg(family, 24, 0, 0, 2));

  // Regression: every family but AF_INET6 was decoded as IPv4, whatever its address bytes.
  test.each([
    ['AF_UNSPEC', C.AF_UNSPEC],
    ['AF_BRIDGE', C.AF_BRIDGE],
    ['AF_NETLINK', C.AF_NETLINK],
  ])('a message of family %s is refused as malformed, not read as IPv4', (_name, family) => {
    const payload = payloadOf(message(family).bytes(C.IFA_LOCAL, Buffer.from([192, 0, 2, 1])));
    expect(() => decodeAddr(payload)).toThrow(MalformedMessageError);
    const words = `^malformed netlink message: an address of family ${family}; nslab reads AF_INET \\(2\\) and AF_INET6 \\(10\\) addresses`;
    expect(() => decodeAddr(payload)).toThrow(new RegExp(words));
  });

  test.each([
    ['AF_INET with 16 address bytes', C.AF_INET, 16],
    ['AF_INET6 with 4 address bytes', C.AF_INET6, 4],
    ['AF_INET with 3 address bytes', C.AF_INET, 3],
  ])('%s is refused as malformed', (_name, family, length) => {
    const payload = payloadOf(message(family).bytes(C.IFA_ADDRESS, Buffer.alloc(length, 0x20)));
    const version = family === C.AF_INET ? 4 : 6;
    expect(() => decodeAddr(payload)).toThrow(
      new RegExp(`^malformed netlink message: an IPv${version} address of ${length} bytes`),
    );
  });

  test('a payload shorter than struct ifaddrmsg is refused as malformed', () => {
    const short = Buffer.from([C.AF_INET, 24, 0, 0]);
    expect(() => decodeAddr(short)).toThrow(
      /^malformed netlink message: an address message of 4 bytes, shorter than struct ifaddrmsg/,
    );
  });

  test('IFA_FLAGS of 0 is taken as 0, not as "absent"', () => {
    const a = decodeAddr(
      payloadOf(
        new MessageWriter(0, 0)
          .header(ifaddrmsg(C.AF_INET, 24, C.IFA_F_PERMANENT, 0, 2))
          .bytes(C.IFA_LOCAL, Buffer.from([192, 0, 2, 1]))
          .u32(C.IFA_FLAGS, 0),
      ),
    );
    expect(a.flags).toBe(0);
  });
});

// Found by the fuzzer (test/fuzz/codec.test.ts): these bytes made the decoders throw Node's
// RangeError (or worse, read an error as success) instead of nslab's typed error.
describe('malformed messages raise MalformedMessageError', () => {
  test('a link payload shorter than struct ifinfomsg', () => {
    expect(() => decodeLink(Buffer.alloc(3))).toThrow(MalformedMessageError);
  });

  test('an address payload shorter than struct ifaddrmsg', () => {
    expect(() => decodeAddr(Buffer.alloc(0))).toThrow(MalformedMessageError);
  });

  test('an attribute too short for its type: a 2-byte IFLA_MTU, a 1-byte IFLA_BR_PRIORITY, an empty IFLA_CARRIER', () => {
    const link = (fill: (w: MessageWriter) => void): Buffer => {
      const w = new MessageWriter(C.RTM_NEWLINK, 0).header(ifinfomsg(1, 2, 0));
      fill(w);
      return payloadOf(w);
    };
    expect(() => decodeLink(link((w) => w.bytes(C.IFLA_MTU, u16le(1500))))).toThrow(
      /attribute 4 of 2 bytes, read as a 4-byte value/,
    );
    const bridgeData = (d: MessageWriter): MessageWriter => d.u8(C.IFLA_BR_PRIORITY, 8);
    const shortPriority = link((w) =>
      w.nest(C.IFLA_LINKINFO, (i) => i.string(C.IFLA_INFO_KIND, 'bridge').nest(C.IFLA_INFO_DATA, bridgeData)),
    );
    expect(() => decodeLink(shortPriority)).toThrow(MalformedMessageError);
    expect(() => decodeLink(link((w) => w.bytes(C.IFLA_CARRIER, Buffer.alloc(0))))).toThrow(MalformedMessageError);
  });
});

describe('decodeAck', () => {
  const errorMessage = (payload: Buffer, flags = 0): NetlinkMessage => ({
    type: C.NLMSG_ERROR,
    flags,
    seq: 1,
    pid: 0,
    payload,
  });
  const errno = (e: number): Buffer => Buffer.from(Int32Array.of(-e).buffer);
  /** A request of `len` bytes as the kernel echoes it: its header (nlmsg_len first), then the rest. */
  const request = (len: number): Buffer => {
    const b = Buffer.alloc(len);
    b.writeUInt32LE(len, 0);
    return b;
  };
  const extack = (text: string): Buffer => payloadOf(new MessageWriter(0, 0).string(C.NLMSGERR_ATTR_MSG, text));

  test('an NLMSG_ERROR too short to hold its errno is malformed, not an acknowledgement', () => {
    expect(() => decodeAck(errorMessage(Buffer.alloc(2)))).toThrow(MalformedMessageError);
  });

  test('success is errno 0 (not -0)', () => {
    expect(Object.is(decodeAck(errorMessage(Buffer.concat([errno(0), request(16)]))).errno, 0)).toBe(true);
  });

  test("the kernel's message after a whole echoed request whose length is not a multiple of 4 (the kernel pads the echo)", () => {
    const payload = Buffer.concat([errno(22), request(18), Buffer.alloc(2), extack('bad attribute')]);
    expect(decodeAck(errorMessage(payload, C.NLM_F_ACK_TLVS))).toEqual({
      errno: 22,
      extack: 'bad attribute',
      extackOffset: undefined,
    });
  });

  test('an echoed request longer than the message is malformed', () => {
    const echoTooLong = Buffer.concat([errno(22), request(16)]).fill(0xff, 4, 8);
    expect(() => decodeAck(errorMessage(echoTooLong, C.NLM_F_ACK_TLVS))).toThrow(MalformedMessageError);
  });
});
