// `ip rule` on a namespace (ns.rule): policy rules of IPv4 and IPv6, added, deleted and listed.
// Every option is checked, and the family settled, before anything is sent.
import * as C from '../sys/constants.ts';
import { hasErrno, InvalidArgumentError } from '../errors.ts';
import type { NetnsHandle } from '../handle/handle.ts';
import type { RuleMessage } from '../netlink/rule.ts';
import { ruleAdd, ruleDel, ruleList, type ParsedRule } from '../rtnl/rule.ts';
import { isLink, type Link } from '../devices/link.ts';
import { requireInteger } from '../values/checks.ts';
import { formatIp, ipBytes, parseCidr, type Cidr } from '../values/ip.ts';
import { parseRuleAction, ruleActionName, type RuleAction } from '../values/rule.ts';
import { formatTable, parseTable, type TableName } from '../values/table.ts';
import { shown } from '../values/checks.ts';
import { deviceOption } from './inputs.ts';
import { requireObject } from '../values/checks.ts';

/** A rule as `ip rule add` takes it; ns.rule.del() takes the same fields to pick one out. */
export interface RuleSpec {
  /** 4 or 6; inferred from `from` or `to` when either is given, required otherwise. */
  family?: 4 | 6;
  /** The rule's priority (iproute2's `pref`), 0 to 4294967295; the kernel picks one when left out. */
  priority?: number;
  /** The source prefix: "192.0.2.0/24", or an address alone for its host prefix ("192.0.2.1" is /32). */
  from?: string;
  /** The destination prefix, written like `from`. */
  to?: string;
  /** The firewall mark to match, 0 to 4294967295. */
  fwmark?: number;
  /** The bits of the mark compared (default: all of them); only with fwmark. */
  fwmask?: number;
  /** The incoming device (a handle of this namespace, or a name, which need not exist yet). */
  iif?: Link | string;
  /** The outgoing device, like iif. */
  oif?: Link | string;
  /** The table to look up, for the "to-table" action: "main" (the default), "local", "default" or an id. */
  table?: number | TableName;
  /** What the rule does (default "to-table"). */
  action?: RuleAction;
  /** The priority a "goto" rule jumps to; required with that action, refused with the others. */
  goto?: number;
}

/** One policy rule as `ip rule show` lists it. */
export interface Rule {
  /** 4 or 6. */
  family: 4 | 6;
  /** The rule's priority. */
  priority: number;
  /** The source prefix, "192.0.2.0/24"; undefined matches every source ("from all"). */
  from: string | undefined;
  /** The destination prefix; undefined matches every destination. */
  to: string | undefined;
  /** The firewall mark matched, if any. */
  fwmark: number | undefined;
  /** The bits of the mark compared (the kernel reports 0xffffffff for "all"). */
  fwmask: number | undefined;
  /** The incoming device's name, if the rule matches on it. */
  iif: string | undefined;
  /** The outgoing device's name, if the rule matches on it. */
  oif: string | undefined;
  /** The table of a "to-table" rule, by name when iproute2 names it. */
  table: number | TableName | undefined;
  /** What the rule does; undefined for an FR_ACT_* value nslab does not name. */
  action: RuleAction | undefined;
  /** The priority a "goto" rule jumps to. */
  goto: number | undefined;
}

/** Which rules ns.rule.list() returns. */
export interface RuleFilter {
  /** Only this family's rules (both when left out, IPv4 first). */
  family?: 4 | 6;
}

const prefixText = (p: RuleMessage['from']): string | undefined => p && `${p.address}/${p.prefixLength}`;

function ruleOf(m: RuleMessage): Rule {
  return {
    family: m.family,
    priority: m.priority,
    from: prefixText(m.from),
    to: prefixText(m.to),
    fwmark: m.fwmark,
    fwmask: m.fwmask,
    iif: m.iif,
    oif: m.oif,
    table: m.table ? formatTable(m.table) : undefined,
    action: ruleActionName(m.action),
    goto: m.goto,
  };
}

const U32_MAX = 0xffffffff;
const u32 = (where: string, name: string, value: unknown): number | undefined =>
  value === undefined
    ? undefined
    : requireInteger(
        value,
        0,
        U32_MAX,
        (v) => `${where}: ${name} must be an integer from 0 to ${U32_MAX}, received ${v}`,
      );

/** "192.0.2.0/24" as it is, "192.0.2.1" as its host prefix. */
function prefix(value: unknown): Cidr | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.includes('/')) return parseCidr(value);
  const bytes = ipBytes(value);
  return { family: bytes.length === 4 ? 4 : 6, address: formatIp(bytes), bytes, prefixLength: bytes.length * 8 };
}

/** The family the rule is of: the prefixes' (which must agree with each other and with family), else family. */
function familyOf(where: string, given: unknown, from: Cidr | undefined, to: Cidr | undefined): 4 | 6 {
  if (given !== undefined && given !== 4 && given !== 6)
    throw new InvalidArgumentError(`${where}: family must be 4 or 6, received ${shown(given)}`, given);
  const family = given as 4 | 6 | undefined;
  if (from && to && from.family !== to.family) {
    throw new InvalidArgumentError(
      `${where}: from ${from.address}/${from.prefixLength} and to ${to.address}/${to.prefixLength} are prefixes of mixed families: a rule is IPv4 or IPv6, so write both in one family`,
      { from, to },
    );
  }
  const inferred = (from ?? to)?.family;
  if (inferred && family && inferred !== family) {
    throw new InvalidArgumentError(
      `${where}: family ${family} does not match the IPv${inferred} prefix; leave family out or write an IPv${family} prefix`,
      family,
    );
  }
  const chosen = inferred ?? family;
  if (!chosen) {
    throw new InvalidArgumentError(
      `${where}: say which family the rule is for, family: 4 or 6 (it is inferred from from or to when either is given)`,
      given,
    );
  }
  return chosen;
}

/** The namespace's policy rules, as ns.rule: `ip rule` bound to one namespace. */
export class RuleTable {
  readonly #ns: NetnsHandle;

  /** Made by the namespace (ns.rule). */
  constructor(ns: NetnsHandle) {
    this.#ns = ns;
  }

  #device(where: string, dev: unknown): string | undefined {
    if (dev === undefined) return undefined;
    const device = deviceOption(where, this.#ns, dev);
    return isLink(device) ? device.name : device;
  }

  /** The spec checked and parsed; adding fills in what iproute2 would (action to-table, table main). */
  #parse(where: string, spec: RuleSpec, adding: boolean): ParsedRule {
    requireObject(
      where,
      spec,
      '{ priority?, from?, to?, fwmark?, fwmask?, iif?, oif?, table?, action?, goto?, family? }',
    );
    const from = prefix(spec.from);
    const to = prefix(spec.to);
    const family = familyOf(where, spec.family, from, to);
    const fwmark = u32(where, 'fwmark', spec.fwmark);
    const fwmask = u32(where, 'fwmask', spec.fwmask);
    if (fwmask !== undefined && fwmark === undefined)
      throw new InvalidArgumentError(`${where}: fwmask selects bits of fwmark: give fwmark too`, spec.fwmask);
    const actionName = spec.action ?? (adding ? 'to-table' : undefined);
    const action = actionName === undefined ? undefined : parseRuleAction(where, actionName);
    const lookup = action === undefined || action === C.FR_ACT_TO_TBL;
    if (spec.table !== undefined && !lookup)
      throw new InvalidArgumentError(
        `${where}: a table is looked up only by the "to-table" action, not "${actionName}"; leave table out`,
        spec.table,
      );
    const table =
      spec.table !== undefined
        ? parseTable(where, spec.table)
        : adding && lookup
          ? parseTable(where, 'main')
          : undefined;
    const goto = u32(where, 'goto', spec.goto);
    if (goto !== undefined && action !== C.FR_ACT_GOTO)
      throw new InvalidArgumentError(`${where}: goto is the target of the "goto" action: set action: "goto" too`, goto);
    if (adding && action === C.FR_ACT_GOTO && goto === undefined)
      throw new InvalidArgumentError(`${where}: a "goto" rule needs goto, the priority to jump to`, spec);
    return {
      family,
      priority: u32(where, 'priority', spec.priority),
      from,
      to,
      fwmark,
      fwmask,
      iif: this.#device(where, spec.iif),
      oif: this.#device(where, spec.oif),
      table,
      action,
      goto,
    };
  }

  /** `ip rule add`: an identical rule is refused (NetlinkError EEXIST). */
  async add(spec: RuleSpec): Promise<void> {
    const rule = this.#parse('rule.add', spec, true);
    ruleAdd(this.#ns.rtnl, rule);
    // In a namespace nslab did not create (a container's), destroy() removes the rules nslab
    // added, as it does the devices. The delete selects by the spec as added: a rule added
    // without a priority is deleted as the first rule with its other fields, so give one there.
    if (!this.#ns.owned) {
      this.#ns.cleanup.defer(`${rule.family === 6 ? '-6 ' : ''}rule del`, () => {
        try {
          ruleDel(this.#ns.rtnl, rule);
        } catch (error) {
          if (!hasErrno(error, 'ENOENT')) throw error;
        }
      });
    }
  }

  /** `ip rule del`: the first rule matching every field given; none is refused (NetlinkError ENOENT). */
  async del(spec: RuleSpec): Promise<void> {
    ruleDel(this.#ns.rtnl, this.#parse('rule.del', spec, false));
  }

  /** `ip rule show` and `ip -6 rule show`: every rule, the kernel's own ones (local, main, default) too. */
  async list(filter: RuleFilter = {}): Promise<Rule[]> {
    requireObject('rule.list', filter, '{ family? }');
    const { family } = filter;
    if (family !== undefined && family !== 4 && family !== 6)
      throw new InvalidArgumentError(`rule.list: family must be 4 or 6, received ${shown(family)}`, family);
    const families: Array<4 | 6> = family ? [family] : [4, 6];
    return families.flatMap((f) => ruleList(this.#ns.rtnl, f).map(ruleOf));
  }
}
