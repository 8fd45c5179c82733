// The packet decoders on frames laid out here byte by byte, as the RFCs draw them (golden bytes:
// each expected field is what the bytes say, written out by hand), the pattern checks, and the
// pcap writer's header and records as libpcap's savefile.c reads them.
import { describe, expect, test } from 'vitest';
import { decodeFrame } from '../../src/packet/decode.ts';
import { checkPattern, matchesPattern } from '../../src/packet/pattern.ts';
import { pcapFile } from '../../src/packet/pcap.ts';
import { summarize } from '../../src/packet/summary.ts';
import { InvalidArgumentError } from '../../src/errors.ts';

const hex = (...parts: string[]): Buffer => Buffer.from(parts.join('').replace(/\s/g, ''), 'hex');
const ETH_V4 = '525400000001 525400000002 0800';
const ETH_V6 = '333300000001 525400000002 86dd';

describe('frames decode layer by layer', () => {
  test('ARP request (RFC 826)', () => {
    const frame = hex(
      'ffffffffffff 525400000002 0806',
      '0001 0800 06 04 0001 525400000002 c0000201 000000000000 c0000202',
    );
    expect(decodeFrame(frame)).toEqual({
      eth: { dst: 'ff:ff:ff:ff:ff:ff', src: '52:54:00:00:00:02', type: 0x0806 },
      arp: {
        op: 'request',
        senderMac: '52:54:00:00:00:02',
        senderIp: '192.0.2.1',
        targetMac: '00:00:00:00:00:00',
        targetIp: '192.0.2.2',
      },
    });
  });

  test('802.1ad and 802.1Q tags (QinQ), then IPv4/ICMP echo', () => {
    const frame = hex(
      '525400000001 525400000002',
      '88a8 2064', // outer: pcp 1, dei 0, vid 100
      '8100 b00a', // inner: pcp 5, dei 1, vid 10
      '0800',
      '45 00 001c 1234 4000 40 01 0000 c0000201 c0000202', // IPv4, DF, ttl 64, ICMP
      '08 00 0000 0007 0003', // echo request id 7 seq 3
    );
    const l = decodeFrame(frame);
    expect(l.vlan).toEqual({ id: 100, pcp: 1, dei: 0, tpid: 0x88a8 });
    expect(l.innerVlan).toEqual({ id: 10, pcp: 5, dei: 1, tpid: 0x8100 });
    expect(l.eth?.type).toBe(0x0800);
    expect(l.ipv4).toEqual({
      src: '192.0.2.1',
      dst: '192.0.2.2',
      protocol: 1,
      ttl: 64,
      length: 28,
      id: 0x1234,
      tos: 0,
      fragmentOffset: 0,
      moreFragments: false,
    });
    expect(l.icmp).toEqual({ type: 8, code: 0, name: 'echo-request', id: 7, seq: 3 });
    expect(summarize(l)).toBe(
      '52:54:00:00:00:02 > 52:54:00:00:00:01 vlan 100 vlan 10, IPv4 192.0.2.1 > 192.0.2.2 ICMP echo-request id 7 seq 3',
    );
  });

  test('a later IPv4 fragment has no transport header to decode', () => {
    const l = decodeFrame(
      hex(ETH_V4, '45 00 0020 0001 00b9 40 11 0000 c0000201 c0000202', '1388 1389 0014 0000 00000000'),
    );
    expect(l.ipv4?.fragmentOffset).toBe(0xb9 * 8);
    expect(l.udp).toBeUndefined();
  });

  test('TCP SYN, with the padding of a short frame left out by the IPv4 length', () => {
    const l = decodeFrame(
      hex(
        ETH_V4,
        '45 00 0028 0000 4000 40 06 0000 c0000201 c0000202',
        'c000 0035 00000064 00000000 50 02 faf0 0000 0000',
        '000000000000',
      ),
    );
    expect(l.tcp).toEqual({
      sport: 0xc000,
      dport: 53,
      seq: 100,
      ack: 0,
      syn: true,
      fin: false,
      rst: false,
      psh: false,
      urg: false,
      acked: false,
      window: 0xfaf0,
    });
    expect(summarize(l)).toContain('TCP 49152 > 53 [S] seq 100');
  });

  test('IPv6 with a hop-by-hop header (as MLD has), then ICMPv6', () => {
    const l = decodeFrame(
      hex(
        ETH_V6,
        '6 00 00000 0010 00 01',
        '20010db8000000000000000000000001',
        'ff020000000000000000000000000016',
        '3a 00 0502 0000 0100',
        '8f 00 0000 0000 0000',
      ),
    );
    expect(l.ipv6).toMatchObject({ src: '2001:db8::1', dst: 'ff02::16', nextHeader: 58, hopLimit: 1, length: 16 });
    expect(l.icmpv6).toEqual({ type: 143, code: 0, name: 'mld2-report' });
  });

  test('NDP: a neighbour solicitation with its source link-layer option, and an advertisement with flags (RFC 4861)', () => {
    const ns = decodeFrame(
      hex(
        ETH_V6,
        '6 00 00000 0020 3a ff',
        'fe800000000000000000000000000001',
        'ff0200000000000000000001ff000002',
        '87 00 0000 00000000',
        '20010db8000000000000000000000002',
        '01 01 525400000002',
      ),
    );
    expect(ns.icmpv6).toEqual({
      type: 135,
      code: 0,
      name: 'neighbor-solicitation',
      target: '2001:db8::2',
      sourceLladdr: '52:54:00:00:00:02',
    });
    const na = decodeFrame(
      hex(
        ETH_V6,
        '6 00 00000 0020 3a ff',
        '20010db8000000000000000000000002',
        'fe800000000000000000000000000001',
        '88 00 0000 60000000',
        '20010db8000000000000000000000002',
        '02 01 525400000001',
      ),
    );
    expect(na.icmpv6).toEqual({
      type: 136,
      code: 0,
      name: 'neighbor-advertisement',
      target: '2001:db8::2',
      router: false,
      solicited: true,
      override: true,
      targetLladdr: '52:54:00:00:00:01',
    });
    // An option of length 0 is invalid (and would loop): decoding stops there.
    const bad = decodeFrame(
      hex(
        ETH_V6,
        '6 00 00000 0020 3a ff',
        '20010db8000000000000000000000002',
        'fe800000000000000000000000000001',
        '87 00 0000 00000000',
        '20010db8000000000000000000000002',
        '01 00 525400000001',
      ),
    );
    expect(bad.icmpv6?.sourceLladdr).toBeUndefined();
  });

  test('DHCPDISCOVER (RFC 2131): BOOTP fields and options 53, 50, 12', () => {
    const bootp = Buffer.alloc(236);
    hex('01 01 06 00 deadbeef 0000 8000').copy(bootp, 0);
    hex('525400000002').copy(bootp, 28);
    const options = hex('63825363', '35 01 01', '32 04 c0000264', '0c 04 686f7374', '00', 'ff');
    const dhcp = Buffer.concat([bootp, options]);
    const udp = Buffer.concat([
      hex('0044 0043'),
      Buffer.from([(8 + dhcp.length) >> 8, (8 + dhcp.length) & 0xff]),
      hex('0000'),
      dhcp,
    ]);
    const ipLen = 20 + udp.length;
    const ip = hex(`4500 ${ipLen.toString(16).padStart(4, '0')} 0000 0000 40 11 0000 00000000 ffffffff`);
    const l = decodeFrame(Buffer.concat([hex('ffffffffffff 525400000002 0800'), ip, udp]));
    expect(l.udp).toEqual({ sport: 68, dport: 67, length: udp.length });
    expect(l.dhcp).toEqual({
      op: 'request',
      xid: 0xdeadbeef,
      chaddr: '52:54:00:00:00:02',
      ciaddr: '0.0.0.0',
      yiaddr: '0.0.0.0',
      siaddr: '0.0.0.0',
      giaddr: '0.0.0.0',
      messageType: 'discover',
      requestedIp: '192.0.2.100',
      hostname: 'host',
    });
    expect(summarize(l)).toContain('DHCP discover xid 0xdeadbeef chaddr 52:54:00:00:00:02');
    // Without the magic cookie it is BOOTP on the DHCP ports, not DHCP.
    options.writeUInt32BE(0, 0);
    expect(
      decodeFrame(Buffer.concat([hex('ffffffffffff 525400000002 0800'), ip, udp.subarray(0, 8), bootp, options])).dhcp,
    ).toBeUndefined();
  });

  test('a frame cut short keeps the layers it holds whole, and no more', () => {
    const full = hex(ETH_V4, '45 00 001c 0000 0000 40 11 0000 c0000201 c0000202', '1388 1389 0008 0000');
    expect(Object.keys(decodeFrame(full))).toEqual(['eth', 'ipv4', 'udp']);
    expect(Object.keys(decodeFrame(full.subarray(0, 40)))).toEqual(['eth', 'ipv4']);
    expect(Object.keys(decodeFrame(full.subarray(0, 20)))).toEqual(['eth']);
    expect(decodeFrame(full.subarray(0, 10))).toEqual({});
  });
});

describe('patterns', () => {
  const packet = {
    direction: 'out' as const,
    layers: decodeFrame(
      hex(
        ETH_V6,
        '6 00 00000 0008 11 40',
        '20010db8000000000000000000000001',
        '20010db8000000000000000000000002',
        '1388 0035 0008 0000',
      ),
    ),
  };

  test('a partial match, with addresses in canonical form', () => {
    expect(matchesPattern(packet, checkPattern('t', { udp: { dport: 53 } }))).toBe(true);
    expect(
      matchesPattern(packet, checkPattern('t', { ipv6: { dst: '2001:DB8:0::2' }, eth: { src: '52:54:00:00:00:02' } })),
    ).toBe(true);
    expect(matchesPattern(packet, checkPattern('t', { ipv6: {}, direction: 'out' }))).toBe(true);
    expect(matchesPattern(packet, checkPattern('t', { direction: 'in' }))).toBe(false);
    expect(matchesPattern(packet, checkPattern('t', { ipv4: {} }))).toBe(false);
    expect(matchesPattern(packet, checkPattern('t', { udp: { dport: 53, sport: 1 } }))).toBe(false);
  });

  test('an unknown layer or field, or a value of the wrong kind, is refused before any wait', () => {
    expect(() => checkPattern('t', { upd: { dport: 53 } })).toThrow(/unknown layer "upd"/);
    expect(() => checkPattern('t', { udp: { port: 53 } })).toThrow(
      /unknown field "port" of udp \(it has sport, dport, length\)/,
    );
    expect(() => checkPattern('t', { udp: { dport: [53] } })).toThrow(/udp.dport must be a string, number or boolean/);
    expect(() => checkPattern('t', { direction: 'both' })).toThrow(/direction must be "in" or "out"/);
    expect(() => checkPattern('t', null)).toThrow(InvalidArgumentError);
    expect(() => checkPattern('t', { udp: 53 })).toThrow(/udp must be an object of fields/);
  });
});

test('pcap: the file header and records libpcap reads (nanosecond magic, LINKTYPE_ETHERNET)', () => {
  const file = pcapFile(
    [
      { timestampNs: 1_700_000_000_123_456_789n, data: hex('0102'), length: 60 },
      { timestampNs: 1_700_000_001_000_000_001n, data: hex('03'), length: 1 },
    ],
    96,
  );
  expect(file.toString('hex')).toBe(
    [
      '4d3cb2a1 0200 0400 00000000 00000000 60000000 01000000',
      '00f15365 15cd5b07 02000000 3c000000 0102',
      '01f15365 01000000 01000000 01000000 03',
    ]
      .join('')
      .replace(/\s/g, ''),
  );
});
