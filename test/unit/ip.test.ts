// Addresses as users write them and as nslab prints them (RFC 5952), checked against Node's own
// inet_pton-based parser (net.SocketAddress / BlockList) where one exists.
import { describe, expect, test } from 'vitest';
import { BlockList, isIP } from 'node:net';
import { formatIp, ipBytes, parseCidr } from '../../src/values/ip.ts';
import { InvalidAddressError } from '../../src/errors.ts';

const b = (hex: string): Buffer => Buffer.from(hex.replace(/[\s:]/g, ''), 'hex');

describe('parseCidr', () => {
  test.each([
    ['192.0.2.1/24', 4, '192.0.2.1', 24, 'c0000201'],
    ['198.51.100.255/32', 4, '198.51.100.255', 32, 'c63364ff'],
    ['0.0.0.0/0', 4, '0.0.0.0', 0, '00000000'],
    ['2001:db8::1/64', 6, '2001:db8::1', 64, '20010db8000000000000000000000001'],
    ['2001:DB8:0:0:0:0:0:1/128', 6, '2001:db8::1', 128, '20010db8000000000000000000000001'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001/48', 6, '2001:db8::1:0:0:1', 48, '20010db8000000000001000000000001'],
    ['::/0', 6, '::', 0, '00000000000000000000000000000000'],
    ['::1/128', 6, '::1', 128, '00000000000000000000000000000001'],
    ['fe80::1:2/10', 6, 'fe80::1:2', 10, 'fe800000000000000000000000010002'],
    ['2001:db8::/32', 6, '2001:db8::', 32, '20010db8000000000000000000000000'],
    ['1:2:3:4:5:6:7:8/128', 6, '1:2:3:4:5:6:7:8', 128, '00010002000300040005000600070008'],
    ['::2:3:4:5:6:7:8/128', 6, '0:2:3:4:5:6:7:8', 128, '00000002000300040005000600070008'],
    ['1:2:3:4:5:6:7::/128', 6, '1:2:3:4:5:6:7:0', 128, '00010002000300040005000600070000'],
    ['2001:db8::192.0.2.1/96', 6, '2001:db8::c000:201', 96, '20010db80000000000000000c0000201'],
    ['1::2:192.0.2.1/128', 6, '1::2:c000:201', 128, '00010000000000000000' + '0002' + 'c0000201'],
  ])('%s', (text, family, address, prefixLength, bytes) => {
    const c = parseCidr(text);
    expect(c).toEqual({ family, address, prefixLength, bytes: b(bytes) });
  });

  test.each([
    ['no prefix', '192.0.2.1'],
    ['empty prefix', '192.0.2.1/'],
    ['IPv4 prefix too long', '192.0.2.1/33'],
    ['IPv6 prefix too long', '2001:db8::1/129'],
    ['negative prefix', '192.0.2.1/-1'],
    ['signed prefix', '192.0.2.1/+24'],
    ['prefix with space', '192.0.2.1/ 24'],
    ['hex prefix', '192.0.2.1/0x18'],
    ['two prefixes', '192.0.2.1/24/24'],
    ['octet above 255', '192.0.2.256/24'],
    ['three octets', '192.0.2/24'],
    ['leading zero octet', '192.0.2.01/24'],
    ['IPv4 with spaces', ' 192.0.2.1/24'],
    ['hostname', 'localhost/8'],
    ['two "::"', '2001::db8::1/64'],
    ['IPv6 group too long', '2001:db8::12345/64'],
    ['nine groups', '1:2:3:4:5:6:7:8:9/64'],
    ['IPv6 non-hex', '2001:db8::g/64'],
    ['empty string', ''],
    ['only a slash', '/24'],
    ['a number', 24],
    ['null', null],
    ['undefined', undefined],
    ['an object', { address: '192.0.2.1', prefixLength: 24 }],
  ])('refuses %s', (_why, value) => {
    let error: unknown;
    try {
      parseCidr(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidAddressError);
    expect((error as InvalidAddressError).value).toBe(value);
    expect((error as Error).message).toMatch(/like 192\.0\.2\.1\/24/);
  });

  // Regression: Node's isIP() accepts a zone index ("%eth0"), and ipv6Bytes() then drops it silently
  // (parseInt stops at "%"): the address the user meant on one link is added without the zone.
  test('an IPv6 zone index is refused, not silently dropped', () => {
    expect(() => parseCidr('fe80::1%eth0/64')).toThrow(InvalidAddressError);
  });

  test("the bytes agree with Node's own parser (BlockList.check with an exact prefix)", () => {
    for (const text of [
      '2001:db8::1/128',
      '::ffff:192.0.2.1/128',
      '1::2:192.0.2.1/128',
      '2001:db8:0:0:1::/128',
      '::/128',
    ]) {
      const c = parseCidr(text);
      const list = new BlockList();
      list.addSubnet(c.address, 128, 'ipv6');
      expect(list.check(text.split('/')[0]!, 'ipv6')).toBe(true);
    }
  });
});

describe('formatIp (RFC 5952)', () => {
  test.each([
    ['20010db8000000000000000000000001', '2001:db8::1', 'longest zero run compressed'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1', 'of two equal runs, the first is compressed'],
    ['20010000000100000000000000000001', '2001:0:1::1', 'the longer run wins over an earlier shorter one'],
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1', 'a single zero group is not compressed'],
    ['20010db8000100010001000100010000', '2001:db8:1:1:1:1:1:0', 'a single trailing zero group is not compressed'],
    ['00000000000000000000000000000000', '::', 'all zeros'],
    ['00000000000000000000000000000001', '::1', 'leading run'],
    ['20010db8000000000000000000000000', '2001:db8::', 'trailing run'],
    ['00010002000300040005000600070008', '1:2:3:4:5:6:7:8', 'no zeros'],
    ['20010DB800000000000000000000ABCD', '2001:db8::abcd', 'lower case'],
    ['20010db8000a00000000000000000b00', '2001:db8:a::b00', 'leading zeros of a group dropped, trailing kept'],
  ])('%s -> %s (%s)', (hex, text) => {
    expect(formatIp(b(hex))).toBe(text);
  });

  test('IPv4 is dotted decimal without leading zeros', () => {
    expect(formatIp(Uint8Array.of(192, 0, 2, 1))).toBe('192.0.2.1');
    expect(formatIp(Uint8Array.of(0, 0, 0, 0))).toBe('0.0.0.0');
  });

  // Regression (minor): RFC 5952 section 5 recommends the mixed notation for IPv4-mapped addresses, and
  // inet_ntop / `ip addr` print "::ffff:192.0.2.1"; nslab prints "::ffff:c000:201".
  test('IPv4-mapped addresses use the mixed notation', () => {
    expect(formatIp(b('00000000000000000000ffffc0000201'))).toBe('::ffff:192.0.2.1');
  });

  test('format(parse(x)) is a fixed point', () => {
    for (const text of ['2001:db8::1', '2001:db8:0:1:1:1:1:1', '::', '1::', '0:1::1', 'fe80::1:2:3:4']) {
      const once = formatIp(ipBytes(text));
      expect(formatIp(ipBytes(once))).toBe(once);
    }
  });
});

describe('ipBytes', () => {
  test('IPv4 and IPv6, with an embedded IPv4 tail', () => {
    expect(ipBytes('198.51.100.7')).toEqual(Buffer.from([198, 51, 100, 7]));
    expect(ipBytes('::ffff:192.0.2.1')).toEqual(b('00000000000000000000ffffc0000201'));
    expect(ipBytes('64:ff9b::198.51.100.7')).toEqual(b('0064ff9b0000000000000000c6336407'));
    expect(ipBytes('1:2:3:4:5:6:7:8')).toEqual(b('00010002000300040005000600070008'));
  });

  test('refuses what is not an address', () => {
    for (const bad of ['', '1.2.3', '::g', '192.0.2.1/24', 'example.org']) {
      expect(() => ipBytes(bad)).toThrow(InvalidAddressError);
    }
  });

  test("IPv4 text is taken exactly where Node's isIP() takes it (nslab reads it by hand)", () => {
    const texts = ['0.0.0.0', '255.255.255.255', '192.0.2.1', '1.2.3.255', '01.2.3.4', '1.2.3.04', '0.0.0.00'];
    texts.push('256.1.1.1', '1.2.3.256', '1000.1.1.1', '1.2.3', '1.2.3.4.5', '1..2.3', '1.2.3.', ' 1.2.3.4');
    texts.push('1.2.3.4 ', '1.2.3.-1', '1.2.3.4a', 'a.b.c.d', '1.2.3.4%eth0');
    for (const text of texts) {
      let taken = true;
      try {
        expect([...ipBytes(text)]).toEqual(text.split('.').map(Number));
      } catch (error) {
        if (!(error instanceof InvalidAddressError)) throw error;
        taken = false;
      }
      expect([text, taken]).toEqual([text, isIP(text) === 4]);
    }
  });
});
