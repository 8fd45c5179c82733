// RTM_*RULE messages: struct fib_rule_hdr followed by FRA_* attributes (include/uapi/linux/fib_rules.h).
import * as C from '../sys/constants.ts';
import { attrString, attrU32, ipFamilyOf, parseAttrs } from './codec.ts';
import { MalformedMessageError } from '../errors.ts';
import { formatIp } from '../values/ip.ts';

export const FIB_RULE_HDR_LEN = 12;

export interface FibRuleHdr {
  family: number;
  dstLen?: number;
  srcLen?: number;
  /** The table id when it fits in a byte (ids from 256 go in FRA_TABLE, and this stays 0). */
  table?: number;
  /** FR_ACT_*. */
  action?: number;
}

/** family, dst_len, src_len, tos, table, res1, res2, action, flags (u32). */
export function encodeFibRuleHdr({ family, dstLen = 0, srcLen = 0, table = 0, action = 0 }: FibRuleHdr): Buffer {
  const b = Buffer.alloc(FIB_RULE_HDR_LEN);
  b.writeUInt8(family, 0);
  b.writeUInt8(dstLen, 1);
  b.writeUInt8(srcLen, 2);
  b.writeUInt8(table, 4);
  b.writeUInt8(action, 7);
  return b;
}

/** A prefix a rule matches: its address and length. */
export interface RulePrefix {
  address: string;
  prefixLength: number;
}

/** A policy rule as the kernel reports it, without interpretation. */
export interface RuleMessage {
  family: 4 | 6;
  /** FRA_PRIORITY; the kernel leaves it out for priority 0. */
  priority: number;
  /** FRA_SRC with src_len; undefined matches every source ("from all"). */
  from: RulePrefix | undefined;
  /** FRA_DST with dst_len. */
  to: RulePrefix | undefined;
  fwmark: number | undefined;
  fwmask: number | undefined;
  /** FRA_IIFNAME. */
  iif: string | undefined;
  /** FRA_OIFNAME. */
  oif: string | undefined;
  /** FRA_TABLE (the full id), else the header's byte; 0 for rules whose action is not a lookup. */
  table: number;
  /** FR_ACT_*. */
  action: number;
  /** FRA_GOTO: the priority a goto rule jumps to. */
  goto: number | undefined;
}

const ADDRESS_BYTES = { 4: 4, 6: 16 } as const;

export function decodeRule(payload: Buffer): RuleMessage {
  const bad = (what: string): never => {
    throw new MalformedMessageError(what, 0, payload.length);
  };
  if (payload.length < FIB_RULE_HDR_LEN) {
    bad(`a rule message of ${payload.length} bytes, shorter than struct fib_rule_hdr (${FIB_RULE_HDR_LEN})`);
  }
  const family = ipFamilyOf(payload);
  if (!family) {
    bad(
      `a rule of family ${payload.readUInt8(0)}; nslab reads AF_INET (${C.AF_INET}) and AF_INET6 (${C.AF_INET6}) rules`,
    );
  }
  const a = parseAttrs(payload, FIB_RULE_HDR_LEN);
  const prefix = (type: number, lengthAt: number, name: string): RulePrefix | undefined => {
    const raw = a.get(type);
    if (!raw) return undefined;
    const prefixLength = payload.readUInt8(lengthAt);
    if (raw.length !== ADDRESS_BYTES[family!] || prefixLength > raw.length * 8) {
      bad(`an IPv${family} rule whose ${name} has ${raw.length} bytes and a /${prefixLength} prefix`);
    }
    return { address: formatIp(raw), prefixLength };
  };
  return {
    family: family!,
    priority: attrU32(a, C.FRA_PRIORITY) ?? 0,
    from: prefix(C.FRA_SRC, 2, 'FRA_SRC'),
    to: prefix(C.FRA_DST, 1, 'FRA_DST'),
    fwmark: attrU32(a, C.FRA_FWMARK),
    fwmask: attrU32(a, C.FRA_FWMASK),
    iif: attrString(a, C.FRA_IIFNAME),
    oif: attrString(a, C.FRA_OIFNAME),
    table: attrU32(a, C.FRA_TABLE) ?? payload.readUInt8(4),
    action: payload.readUInt8(7),
    goto: attrU32(a, C.FRA_GOTO),
  };
}
