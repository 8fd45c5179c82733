// The `ip neigh` wire format. The request bytes were captured from iproute2 6.1 inside a scratch
// namespace (`unshare -n`, a veth v0 of index 3) with
//   strace -e trace=sendmsg -e write=3 ip neigh add 192.0.2.2 lladdr 52:54:00:00:00:02 nud permanent dev v0
// (and the replace and proxy commands named in each test), with iproute2's sequence number
// replaced by 1. The decoded messages are built by hand from struct ndmsg and the NDA_* numbers
// of include/uapi/linux/neighbour.h.
import { describe, expect, test } from 'vitest';
import { decodeNeigh, encodeNdmsg, NDMSG_LEN } from '../../src/netlink/neigh.ts';
import { ipFamilyOf } from '../../src/netlink/codec.ts';
import { neighAdd, neighDel, neighGet, neighList, neighReplace, type NeighEntry } from '../../src/rtnl/neigh.ts';
import { neighStateName, parseNeighState } from '../../src/values/neigh.ts';
import { ipBytes } from '../../src/values/ip.ts';
import { parseMac } from '../../src/values/mac.ts';
import { InvalidArgumentError, MalformedMessageError } from '../../src/errors.ts';
import * as C from '../../src/sys/constants.ts';
import { capture, captureDump } from '../helpers/capture.ts';

const hex = (text: string): Buffer => Buffer.from(text.replace(/#[^\n]*/g, '').replace(/\s+/g, ''), 'hex');

const entry = (over: Partial<NeighEntry>): NeighEntry => ({
  index: 3,
  dev: 'v0',
  address: ipBytes('192.0.2.2'),
  proxy: false,
  lladdr: parseMac('52:54:00:00:00:02'),
  state: C.NUD_PERMANENT,
  router: false,
  ...over,
});

describe('requests, against the bytes iproute2 sends', () => {
  test('neigh add 192.0.2.2 lladdr 52:54:00:00:00:02 nud permanent dev v0', () => {
    expect(capture((sock) => neighAdd(sock, entry({})))).toEqual(
      hex(`
        30000000 1c00 0506 01000000 00000000   # len 48, RTM_NEWNEIGH, REQUEST|ACK|EXCL|CREATE
        02 00 0000 03000000 8000 00 00         # ndmsg: AF_INET, ifindex 3, NUD_PERMANENT, no flags
        0800 0100 c0000202                     # NDA_DST
        0a00 0200 525400000002 0000            # NDA_LLADDR, padded
      `),
    );
  });

  test('neigh replace 2001:db8::2 lladdr 52:54:00:00:00:03 nud stale router dev v0', () => {
    const e = entry({
      address: ipBytes('2001:db8::2'),
      lladdr: parseMac('52:54:00:00:00:03'),
      state: C.NUD_STALE,
      router: true,
    });
    expect(capture((sock) => neighReplace(sock, e))).toEqual(
      hex(`
        3c000000 1c00 0505 01000000 00000000   # len 60, RTM_NEWNEIGH, REQUEST|ACK|REPLACE|CREATE
        0a 00 0000 03000000 0400 80 00         # AF_INET6, NUD_STALE, NTF_ROUTER
        1400 0100 20010db8000000000000000000000002
        0a00 0200 525400000003 0000
      `),
    );
  });

  test('neigh add proxy 192.0.2.5 dev v0: NTF_PROXY, no lladdr', () => {
    const e = entry({ address: ipBytes('192.0.2.5'), proxy: true, lladdr: undefined });
    expect(capture((sock) => neighAdd(sock, e))).toEqual(
      hex('24000000 1c00 0506 01000000 00000000  02 00 0000 03000000 8000 08 00  0800 0100 c0000205'),
    );
  });

  test('neigh del and get name the entry by family, device and NDA_DST only', () => {
    // iproute2 also writes its default NUD_PERMANENT into a delete, which the kernel ignores; nslab sends 0.
    const key = { index: 3, dev: 'v0', address: ipBytes('192.0.2.2'), proxy: false };
    expect(capture((sock) => neighDel(sock, key))).toEqual(
      hex('24000000 1d00 0500 01000000 00000000  02 00 0000 03000000 0000 00 00  0800 0100 c0000202'),
    );
    // A GET is answered with the entry itself, so it asks for no ACK.
    expect(capture((sock) => neighGet(sock, key))).toEqual(
      hex('24000000 1e00 0100 01000000 00000000  02 00 0000 03000000 0000 00 00  0800 0100 c0000202'),
    );
  });

  test("a device's dump filters by NDA_IFINDEX, the header left zero as strict checking demands", () => {
    expect(captureDump((sock) => neighList(sock, { index: 3, proxy: true }))).toEqual(
      hex(`
        24000000 1e00 0103 01000000 00000000   # RTM_GETNEIGH, REQUEST|DUMP
        00 00 0000 00000000 0000 08 00         # AF_UNSPEC, ifindex 0, NTF_PROXY: the proxy table
        0800 0800 03000000                     # NDA_IFINDEX 3
      `),
    );
  });
});

describe('decodeNeigh', () => {
  const reply = (header: Buffer, attrs: string): Buffer => Buffer.concat([header, hex(attrs)]);

  test('an ARP entry: family, index, state, flags, NDA_DST, NDA_LLADDR, NDA_PROBES', () => {
    const m = reply(
      encodeNdmsg({ family: C.AF_INET, index: 3, state: C.NUD_STALE, flags: C.NTF_ROUTER }),
      '0800 0100 c0000202  0a00 0200 525400000002 0000  0800 0400 02000000',
    );
    expect(decodeNeigh(m)).toEqual({
      family: 4,
      index: 3,
      state: C.NUD_STALE,
      flags: C.NTF_ROUTER,
      address: '192.0.2.2',
      lladdr: '52:54:00:00:00:02',
      probes: 2,
    });
  });

  test('an NDP proxy entry without lladdr', () => {
    const m = reply(
      encodeNdmsg({ family: C.AF_INET6, index: 3, flags: C.NTF_PROXY }),
      '1400 0100 20010db8000000000000000000000005',
    );
    expect(decodeNeigh(m)).toMatchObject({ family: 6, address: '2001:db8::5', lladdr: undefined, flags: C.NTF_PROXY });
  });

  test.each([
    ['a header shorter than struct ndmsg', Buffer.alloc(NDMSG_LEN - 1, 0)],
    [
      'a bridge FDB entry (AF_BRIDGE)',
      reply(encodeNdmsg({ family: C.AF_BRIDGE, index: 3 }), '0a00 0200 525400000002 0000'),
    ],
    ['no NDA_DST', reply(encodeNdmsg({ family: C.AF_INET, index: 3 }), '')],
    [
      'an IPv4 NDA_DST of 16 bytes',
      reply(encodeNdmsg({ family: C.AF_INET, index: 3 }), '1400 0100 20010db8000000000000000000000005'),
    ],
  ])('%s: MalformedMessageError', (_why, bytes) => {
    expect(() => decodeNeigh(bytes)).toThrow(MalformedMessageError);
  });

  test('ipFamilyOf tells neighbours from forwarding-database entries', () => {
    expect(ipFamilyOf(encodeNdmsg({ family: C.AF_INET6, index: 1 }))).toBe(6);
    expect(ipFamilyOf(encodeNdmsg({ family: C.AF_BRIDGE, index: 1 }))).toBeUndefined();
  });
});

describe('neighbour states', () => {
  test('names and NUD_* values agree both ways', () => {
    expect(parseNeighState('x', 'permanent')).toBe(C.NUD_PERMANENT);
    expect(parseNeighState('x', 'noarp')).toBe(C.NUD_NOARP);
    expect(neighStateName(C.NUD_REACHABLE)).toBe('reachable');
    expect(neighStateName(C.NUD_NONE)).toBe('none');
    expect(neighStateName(C.NUD_STALE | C.NUD_DELAY)).toBeUndefined();
  });

  test.each([['PERMANENT'], ['perm'], [''], [0x80], [undefined]])('%j is refused, with the list of states', (state) => {
    expect(() => parseNeighState('neigh.add', state)).toThrow(InvalidArgumentError);
    expect(() => parseNeighState('neigh.add', state)).toThrow(
      /^neigh\.add: the neighbour state must be one of "none", "incomplete", "reachable", "stale", "delay", "probe", "failed", "noarp", "permanent", received /,
    );
  });
});
