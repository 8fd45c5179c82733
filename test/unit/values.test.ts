// The checks nslab makes before anything reaches the kernel: MAC addresses, bridge IDs, device
// names. Each rule mirrors a kernel one (is_valid_ether_addr, dev_valid_name), cited per case.
import { describe, expect, test } from 'vitest';
import { formatMac, normalizeMac, parseMac } from '../../src/values/mac.ts';
import { formatBridgeId, parseBridgeId } from '../../src/values/bridge-id.ts';
import { validateName } from '../../src/values/name.ts';
import { InvalidArgumentError, InvalidMacError, InvalidNameError } from '../../src/errors.ts';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('MAC addresses', () => {
  test.each([
    ['52:54:00:00:00:01', [0x52, 0x54, 0, 0, 0, 1]],
    ['02:00:00:00:00:00', [2, 0, 0, 0, 0, 0]],
    ['FE:DC:BA:98:76:54', [0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54]],
    ['00:00:00:00:00:01', [0, 0, 0, 0, 0, 1]],
  ])('accepts %s', (text, bytes) => {
    expect(parseMac(text)).toEqual(Buffer.from(bytes));
  });

  test('formats lower case with leading zeros; normalizes any six octets (also ones a device may not use)', () => {
    expect(formatMac(Uint8Array.of(0x0a, 0, 0xff, 1, 2, 3))).toBe('0a:00:ff:01:02:03');
    expect(normalizeMac('52:54:00:AB:cD:0e')).toBe('52:54:00:ab:cd:0e');
    expect(normalizeMac('00:00:00:00:00:00')).toBe('00:00:00:00:00:00');
    expect(normalizeMac('FF:FF:FF:FF:FF:FF')).toBe('ff:ff:ff:ff:ff:ff');
    for (const bad of ['52:54:0:0:0:1', '52-54-00-00-00-01', '', null])
      expect(thrown(() => normalizeMac(bad))).toBeInstanceOf(InvalidMacError);
  });

  test.each([
    ['01:00:5e:00:00:01', 'IPv4 multicast'],
    ['33:33:00:00:00:01', 'IPv6 multicast'],
    ['ff:ff:ff:ff:ff:ff', 'broadcast'],
    ['03:00:00:00:00:00', 'group bit with the local bit'],
  ])('refuses %s (%s): the group bit of the first octet is set', (mac) => {
    const e = thrown(() => parseMac(mac));
    expect(e).toBeInstanceOf(InvalidMacError);
    expect((e as Error).message).toMatch(/multicast/);
    expect((e as InvalidMacError).value).toBe(mac);
  });

  test('refuses the all-zero address', () => {
    const e = thrown(() => parseMac('00:00:00:00:00:00'));
    expect(e).toBeInstanceOf(InvalidMacError);
    expect((e as Error).message).toMatch(/all-zero/);
  });

  test.each([
    ['five octets', '52:54:00:00:00'],
    ['seven octets', '52:54:00:00:00:01:02'],
    ['dashes', '52-54-00-00-00-01'],
    ['no separators', '525400000001'],
    ['dotted (Cisco)', '5254.0000.0001'],
    ['single-digit octets', '52:54:0:0:0:1'],
    ['three-digit octet', '52:54:000:00:00:01'],
    ['non-hex', '52:54:00:00:00:0g'],
    ['leading space', ' 52:54:00:00:00:01'],
    ['trailing newline', '52:54:00:00:00:01\n'],
    ['empty', ''],
    ['number', 0x525400000001],
    ['bytes', Buffer.from([0x52, 0x54, 0, 0, 0, 1])],
    ['null', null],
  ])('refuses %s', (_why, value) => {
    const e = thrown(() => parseMac(value));
    expect(e).toBeInstanceOf(InvalidMacError);
    expect((e as InvalidMacError).value).toBe(value);
    expect((e as Error).message).toMatch(/six hex octets/);
  });
});

describe('bridge IDs', () => {
  const id = { priority: 0x8000, mac: '52:54:00:00:00:01' };

  test.each([
    ['8000.525400000001', id],
    ['8000.52:54:00:00:00:01', id],
    ['8000.5254000000AB', { priority: 0x8000, mac: '52:54:00:00:00:ab' }],
    ['0000.020000000001', { priority: 0, mac: '02:00:00:00:00:01' }],
    ['FFFF.525400000001', { priority: 0xffff, mac: '52:54:00:00:00:01' }],
  ])('parses %s', (text, expected) => {
    expect(parseBridgeId(text)).toEqual(expected);
  });

  test('parses the object form and normalizes its MAC', () => {
    expect(parseBridgeId({ priority: 0x1000, mac: '52:54:00:AB:00:01' })).toEqual({
      priority: 0x1000,
      mac: '52:54:00:ab:00:01',
    });
  });

  test('formats as sysfs does: four hex digits, a dot, twelve hex digits', () => {
    expect(formatBridgeId(id)).toBe('8000.525400000001');
    expect(formatBridgeId({ priority: 0, mac: '02:00:00:0a:00:01' })).toBe('0000.0200000a0001');
    expect(formatBridgeId({ priority: 0xabc, mac: '52:54:00:00:00:01' })).toBe('0abc.525400000001');
  });

  test('format(parse(x)) round trips', () => {
    for (const text of ['8000.525400000001', '1234.02abcdef0102'])
      expect(formatBridgeId(parseBridgeId(text))).toBe(text);
  });

  test.each([
    ['three-digit priority', '800.525400000001'],
    ['five-digit priority', '08000.525400000001'],
    ['no dot', '8000525400000001'],
    ['dash', '8000-525400000001'],
    ['short MAC', '8000.52540000000'],
    ['mixed MAC notation', '8000.5254:00:00:00:01'],
    ["iproute2's unpadded octets", '8000.52:54:0:0:0:1'],
    ['priority too big', { priority: 0x10000, mac: '52:54:00:00:00:01' }],
    ['negative priority', { priority: -1, mac: '52:54:00:00:00:01' }],
    ['fractional priority', { priority: 1.5, mac: '52:54:00:00:00:01' }],
    ['priority as string', { priority: '8000', mac: '52:54:00:00:00:01' }],
    ['missing MAC', { priority: 0x8000 }],
    ['null', null],
    ['number', 0x8000],
  ])('refuses %s', (_why, value) => {
    const e = thrown(() => parseBridgeId(value));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as InvalidArgumentError).value).toBe(value);
  });

  test('a bridge ID may carry any six octets: the kernel reports all-zero ones itself', () => {
    expect(parseBridgeId('8000.000000000000')).toEqual({ priority: 0x8000, mac: '00:00:00:00:00:00' });
    expect(parseBridgeId({ priority: 0, mac: '01:80:C2:00:00:00' })).toEqual({ priority: 0, mac: '01:80:c2:00:00:00' });
  });
});

describe('device names (dev_valid_name)', () => {
  test.each([
    ['br0'],
    ['a'],
    ['x'.repeat(15)],
    ['é'.repeat(7) + 'a'],
    ['€'.repeat(5)],
    ['...'],
    ['.a'],
    ['a.b'],
    ['veth-a_b'],
  ])('accepts %j', (name) => {
    expect(() => validateName(name)).not.toThrow();
  });

  test.each([
    ['empty', '', /empty/],
    ['16 ASCII bytes', 'x'.repeat(16), /16 bytes long; the kernel allows at most 15/],
    ['8 two-byte characters (16 bytes)', 'é'.repeat(8), /16 bytes long/],
    ['15 characters but 17 bytes', 'é'.repeat(2) + 'x'.repeat(13), /17 bytes long/],
    ['slash', 'a/b', /"\/"/],
    ['colon', 'eth0:1', /":"/],
    ['space', 'a b', /whitespace/],
    ['tab', 'a\tb', /whitespace/],
    ['newline', 'a\n', /whitespace/],
    ['a NUL byte', 'br\0x', /NUL .*would end the name at "br"/],
    ['only a NUL byte', '\0', /NUL .*would end the name at ""/],
    ['dot', '.', /reserved/],
    ['dot dot', '..', /reserved/],
    ['a number', 42, /must be a string/],
    ['undefined', undefined, /must be a string/],
    ['null', null, /must be a string/],
    ['an object', { name: 'br0' }, /must be a string/],
  ])('refuses %s', (_why, name, reason) => {
    const e = thrown(() => validateName(name));
    expect(e).toBeInstanceOf(InvalidNameError);
    expect((e as InvalidNameError).value).toBe(name);
    expect((e as Error).message).toMatch(reason);
  });

  // Regression: dev_get_valid_name() treats "%" as a printf format (br%d -> br0, a%b -> EINVAL), so the
  // device gets a different name than asked for. See the integration test that shows the leak.
  test('"%" is refused (the kernel would expand it into another name)', () => {
    expect(() => validateName('br%d')).toThrow(InvalidNameError);
  });

  // Regression: the kernel's isspace() (lib/ctype.c) is byte-wise and counts 0xA0 as whitespace, which is
  // the second byte of "à" (C3 A0) and many other UTF-8 characters: the kernel refuses "brà" with
  // EINVAL after validateName() let it through.
  test('a name containing the byte 0xA0 ("à" in UTF-8) is refused before the kernel does', () => {
    expect(() => validateName('brà')).toThrow(InvalidNameError);
  });
});
