// `ip rule` over rtnetlink: add, delete, list, on one namespace's socket.
import * as C from '../sys/constants.ts';
import { MessageWriter } from '../netlink/codec.ts';
import type { NetlinkSocket } from '../netlink/socket.ts';
import { decodeRule, encodeFibRuleHdr, type RuleMessage } from '../netlink/rule.ts';
import type { Cidr } from '../values/ip.ts';
import { ruleActionName } from '../values/rule.ts';
import { formatTable } from '../values/table.ts';
import { rtnlDump, rtnlRequest } from './request.ts';

const ACK = C.NLM_F_REQUEST | C.NLM_F_ACK;

/**
 * A rule's selector and action, its values already parsed (src/values/). To add, everything the
 * rule is; to delete, what picks it out: the kernel deletes the first rule that matches every
 * field given (an action or table left out matches any).
 */
export interface ParsedRule {
  family: 4 | 6;
  priority?: number | undefined;
  from?: Cidr | undefined;
  to?: Cidr | undefined;
  fwmark?: number | undefined;
  fwmask?: number | undefined;
  iif?: string | undefined;
  oif?: string | undefined;
  /** A table id, for the FR_ACT_TO_TBL action. */
  table?: number | undefined;
  /** FR_ACT_*. */
  action?: number | undefined;
  /** The priority an FR_ACT_GOTO rule jumps to. */
  goto?: number | undefined;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** The words iproute2 would take after `ip [-6] rule add`, in the order nslab writes the attributes. */
function describe(verb: string, r: ParsedRule): string {
  const action = r.action === undefined ? undefined : ruleActionName(r.action);
  const words = [
    r.family === 6 ? '-6 rule' : 'rule',
    verb,
    r.priority !== undefined && `priority ${r.priority}`,
    r.from && `from ${r.from.address}/${r.from.prefixLength}`,
    r.to && `to ${r.to.address}/${r.to.prefixLength}`,
    r.fwmark !== undefined && `fwmark ${hex(r.fwmark)}${r.fwmask === undefined ? '' : `/${hex(r.fwmask)}`}`,
    r.iif && `iif ${r.iif}`,
    r.oif && `oif ${r.oif}`,
    r.table !== undefined && `lookup ${formatTable(r.table)}`,
    action === 'goto' ? `goto ${r.goto}` : action !== undefined && action !== 'to-table' && action,
  ];
  return words.filter(Boolean).join(' ');
}

function ruleMessage(type: number, flags: number, r: ParsedRule): MessageWriter {
  const table = r.table ?? 0;
  const w = new MessageWriter(type, flags).header(
    encodeFibRuleHdr({
      family: r.family === 4 ? C.AF_INET : C.AF_INET6,
      srcLen: r.from?.prefixLength,
      dstLen: r.to?.prefixLength,
      // As iproute2 does: ids that fit in the byte go there, larger ones in FRA_TABLE alone.
      table: table < 256 ? table : 0,
      action: r.action,
    }),
  );
  if (r.priority !== undefined) w.u32(C.FRA_PRIORITY, r.priority);
  if (r.from) w.bytes(C.FRA_SRC, r.from.bytes);
  if (r.to) w.bytes(C.FRA_DST, r.to.bytes);
  if (r.fwmark !== undefined) w.u32(C.FRA_FWMARK, r.fwmark);
  if (r.fwmask !== undefined) w.u32(C.FRA_FWMASK, r.fwmask);
  if (r.iif) w.string(C.FRA_IIFNAME, r.iif);
  if (r.oif) w.string(C.FRA_OIFNAME, r.oif);
  if (table >= 256) w.u32(C.FRA_TABLE, table);
  if (r.goto !== undefined) w.u32(C.FRA_GOTO, r.goto);
  return w;
}

/** `ip rule add`: refused (EEXIST) when an identical rule exists. */
export function ruleAdd(sock: NetlinkSocket, rule: ParsedRule): void {
  const w = ruleMessage(C.RTM_NEWRULE, ACK | C.NLM_F_CREATE | C.NLM_F_EXCL, rule);
  rtnlRequest(sock, w, { type: 'RTM_NEWRULE', what: describe('add', rule) });
}

/** `ip rule del`: the first rule matching the spec; refused (ENOENT) when none does. */
export function ruleDel(sock: NetlinkSocket, rule: ParsedRule): void {
  rtnlRequest(sock, ruleMessage(C.RTM_DELRULE, ACK, rule), { type: 'RTM_DELRULE', what: describe('del', rule) });
}

/**
 * `ip [-6] rule show`: the rules of one family, in the kernel's order (by priority). A dump of
 * AF_UNSPEC would also list the multicast routing rules, which are no `ip rule`s.
 */
export function ruleList(sock: NetlinkSocket, family: 4 | 6): RuleMessage[] {
  const build = (): MessageWriter =>
    new MessageWriter(C.RTM_GETRULE, C.NLM_F_REQUEST | C.NLM_F_DUMP).header(
      encodeFibRuleHdr({ family: family === 4 ? C.AF_INET : C.AF_INET6 }),
    );
  const what = family === 6 ? '-6 rule show' : 'rule show';
  return rtnlDump(sock, build, { type: 'RTM_GETRULE', what }).map((m) => decodeRule(m.payload));
}
