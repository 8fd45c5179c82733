// The `ip rule` wire format. The request bytes were captured from iproute2 6.1 inside a scratch
// namespace (`unshare -n`) with `strace -e trace=sendmsg -e write=3 ip rule add ...` (each
// test names its command), with iproute2's sequence number replaced by 1. The decoded messages
// are built by hand from struct fib_rule_hdr and the FRA_* numbers of
// include/uapi/linux/fib_rules.h.
import { describe, expect, test } from 'vitest';
import { decodeRule, encodeFibRuleHdr, FIB_RULE_HDR_LEN } from '../../src/netlink/rule.ts';
import { ruleAdd, ruleDel, ruleList, type ParsedRule } from '../../src/rtnl/rule.ts';
import { parseRuleAction, ruleActionName } from '../../src/values/rule.ts';
import { formatTable, parseTable } from '../../src/values/table.ts';
import { parseCidr } from '../../src/values/ip.ts';
import { InvalidArgumentError, MalformedMessageError } from '../../src/errors.ts';
import * as C from '../../src/sys/constants.ts';
import { capture, captureDump } from '../helpers/capture.ts';

const hex = (text: string): Buffer => Buffer.from(text.replace(/#[^\n]*/g, '').replace(/\s+/g, ''), 'hex');

const selector: ParsedRule = {
  family: 4,
  priority: 100,
  from: parseCidr('192.0.2.0/24'),
  to: parseCidr('198.51.100.0/24'),
  fwmark: 0x10,
  fwmask: 0xff,
  iif: 'v0',
  oif: 'v1',
  table: 100,
};
const SELECTOR_ATTRS = `
  0800 0600 64000000                     # FRA_PRIORITY 100
  0800 0200 c0000200                     # FRA_SRC 192.0.2.0
  0800 0100 c6336400                     # FRA_DST 198.51.100.0
  0800 0a00 10000000                     # FRA_FWMARK 0x10
  0800 1000 ff000000                     # FRA_FWMASK 0xff
  0700 0300 76300000                     # FRA_IIFNAME "v0", padded
  0700 1100 76310000                     # FRA_OIFNAME "v1"
`;

describe('requests, against the bytes iproute2 sends', () => {
  test('rule add priority 100 from 192.0.2.0/24 to 198.51.100.0/24 fwmark 0x10/0xff iif v0 oif v1 table 100', () => {
    expect(capture((sock) => ruleAdd(sock, { ...selector, action: C.FR_ACT_TO_TBL }))).toEqual(
      hex(`
        54000000 2000 0506 01000000 00000000   # len 84, RTM_NEWRULE, REQUEST|ACK|EXCL|CREATE
        02 18 18 00 64 00 00 01 00000000       # AF_INET, dst_len 24, src_len 24, tos, table 100, action FR_ACT_TO_TBL
        ${SELECTOR_ATTRS}
      `),
    );
  });

  test('rule del of the same selector: no action given, so any matches', () => {
    expect(capture((sock) => ruleDel(sock, selector))).toEqual(
      hex(`54000000 2100 0500 01000000 00000000  02 18 18 00 64 00 00 00 00000000 ${SELECTOR_ATTRS}`),
    );
  });

  test('rule add priority 101 from 192.0.2.1 table 1000: a table id above 255 goes in FRA_TABLE alone', () => {
    const rule: ParsedRule = {
      family: 4,
      priority: 101,
      from: parseCidr('192.0.2.1/32'),
      table: 1000,
      action: C.FR_ACT_TO_TBL,
    };
    expect(capture((sock) => ruleAdd(sock, rule))).toEqual(
      hex(`
        34000000 2000 0506 01000000 00000000
        02 00 20 00 00 00 00 01 00000000       # src_len 32, header table 0 (RT_TABLE_UNSPEC)
        0800 0600 65000000
        0800 0200 c0000201
        0800 0f00 e8030000                     # FRA_TABLE 1000
      `),
    );
  });

  test('-6 rule add priority 102 to 2001:db8::/32 prohibit', () => {
    const rule: ParsedRule = { family: 6, priority: 102, to: parseCidr('2001:db8::/32'), action: C.FR_ACT_PROHIBIT };
    expect(capture((sock) => ruleAdd(sock, rule))).toEqual(
      hex(`
        38000000 2000 0506 01000000 00000000
        0a 20 00 00 00 00 00 08 00000000       # AF_INET6, dst_len 32, action FR_ACT_PROHIBIT
        0800 0600 66000000
        1400 0100 20010db8000000000000000000000000
      `),
    );
  });

  test('a goto rule carries its target in FRA_GOTO', () => {
    const bytes = capture((sock) => ruleAdd(sock, { family: 4, priority: 103, action: C.FR_ACT_GOTO, goto: 200 }));
    expect(bytes.subarray(16, 28)).toEqual(hex('02 00 00 00 00 00 00 02 00000000'));
    expect(bytes.subarray(36)).toEqual(hex('0800 0400 c8000000'));
  });

  test('a dump names only the family: strict checking refuses any other field or attribute', () => {
    expect(captureDump((sock) => ruleList(sock, 6))).toEqual(
      hex('1c000000 2200 0103 01000000 00000000  0a 00 00 00 00 00 00 00 00000000'),
    );
  });
});

describe('decodeRule', () => {
  test('every field nslab reads; FRA_TABLE wins over the header byte', () => {
    const m = Buffer.concat([
      encodeFibRuleHdr({ family: C.AF_INET, dstLen: 24, srcLen: 24, table: 252, action: C.FR_ACT_TO_TBL }),
      hex(`${SELECTOR_ATTRS} 0800 0f00 e8030000`),
    ]);
    expect(decodeRule(m)).toEqual({
      family: 4,
      priority: 100,
      from: { address: '192.0.2.0', prefixLength: 24 },
      to: { address: '198.51.100.0', prefixLength: 24 },
      fwmark: 0x10,
      fwmask: 0xff,
      iif: 'v0',
      oif: 'v1',
      table: 1000,
      action: C.FR_ACT_TO_TBL,
      goto: undefined,
    });
  });

  test('the kernel leaves FRA_PRIORITY out for priority 0', () => {
    const m = Buffer.concat([
      encodeFibRuleHdr({ family: C.AF_INET6, table: 255, action: C.FR_ACT_TO_TBL }),
      hex('0800 0f00 ff000000'),
    ]);
    expect(decodeRule(m)).toMatchObject({ family: 6, priority: 0, from: undefined, table: 255 });
  });

  test.each([
    ['a header shorter than struct fib_rule_hdr', Buffer.alloc(FIB_RULE_HDR_LEN - 1)],
    ['a multicast routing rule (RTNL_FAMILY_IPMR, 128)', encodeFibRuleHdr({ family: 128 })],
    [
      'an IPv4 FRA_SRC of 16 bytes',
      Buffer.concat([
        encodeFibRuleHdr({ family: C.AF_INET, srcLen: 24 }),
        hex('1400 0200 20010db8000000000000000000000000'),
      ]),
    ],
    [
      'a /40 IPv4 prefix',
      Buffer.concat([encodeFibRuleHdr({ family: C.AF_INET, dstLen: 40 }), hex('0800 0100 c0000200')]),
    ],
  ])('%s: MalformedMessageError', (_why, bytes) => {
    expect(() => decodeRule(bytes)).toThrow(MalformedMessageError);
  });
});

describe('tables and actions', () => {
  test('table names and ids, both ways', () => {
    expect([parseTable('x', 'main'), parseTable('x', 'local'), parseTable('x', 'default')]).toEqual([254, 255, 253]);
    expect([parseTable('x', 1), parseTable('x', 4294967295)]).toEqual([1, 4294967295]);
    expect([formatTable(254), formatTable(255), formatTable(253), formatTable(100)]).toEqual([
      'main',
      'local',
      'default',
      100,
    ]);
  });

  test.each([[0], [4294967296], [-1], [1.5], [Number.NaN], ['100'], ['Main'], ['toString'], [null]])(
    'table %j is refused, naming the range',
    (table) => {
      expect(() => parseTable('rule.add', table)).toThrow(InvalidArgumentError);
      expect(() => parseTable('rule.add', table)).toThrow(
        /^rule\.add: table must be "main", "local", "default" or an integer from 1 to 4294967295, received /,
      );
    },
  );

  test('actions by name and FR_ACT_* value', () => {
    expect(parseRuleAction('x', 'to-table')).toBe(C.FR_ACT_TO_TBL);
    expect(parseRuleAction('x', 'blackhole')).toBe(C.FR_ACT_BLACKHOLE);
    expect(ruleActionName(C.FR_ACT_NOP)).toBe('nop');
    expect(ruleActionName(4)).toBeUndefined();
    expect(() => parseRuleAction('rule.add', 'lookup')).toThrow(
      /^rule\.add: the action must be one of "to-table", "goto", "nop", "blackhole", "unreachable", "prohibit", received "lookup"$/,
    );
  });
});
