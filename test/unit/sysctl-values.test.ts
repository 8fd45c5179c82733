// Sysctl text as typed values and back, and the keys' paths under /proc/sys.
import { describe, expect, test } from 'vitest';
import { formatSysctlValue, parseSysctlKey, parseSysctlValue } from '../../src/values/sysctl.ts';

describe('sysctl values', () => {
  test.each([
    ['1\n', 1],
    ['-1\n', -1],
    ['32768\t60999\n', [32768, 60999]],
    ['cubic\n', 'cubic'],
    ['reno cubic\n', 'reno cubic'],
    ['\n', ''],
    // Past 2^53 a number would be another number: such values stay text.
    ['18446744073709551615\n', '18446744073709551615'],
  ])('%j reads as %j', (text, value) => {
    expect(parseSysctlValue(text)).toEqual(value);
  });

  test('values are written as the kernel parses them', () => {
    expect(formatSysctlValue('k', 1)).toBe('1');
    expect(formatSysctlValue('k', [40000, 50000])).toBe('40000 50000');
    expect(formatSysctlValue('k', 'reno')).toBe('reno');
  });

  test('a key becomes its path; a segment with a dot is shown as the array', () => {
    expect(parseSysctlKey('net.ipv4.ip_forward')).toEqual({
      path: 'net/ipv4/ip_forward',
      shown: 'net.ipv4.ip_forward',
      segments: ['net', 'ipv4', 'ip_forward'],
    });
    expect(parseSysctlKey(['net', 'ipv6', 'conf', 'eth0.100', 'accept_dad'])).toMatchObject({
      path: 'net/ipv6/conf/eth0.100/accept_dad',
      shown: '["net","ipv6","conf","eth0.100","accept_dad"]',
    });
  });
});
