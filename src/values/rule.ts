// What a policy rule does (`ip rule ... ACTION`): the FR_ACT_* actions by the names nslab uses.
import * as C from '../sys/constants.ts';
import { requireOneOf } from './checks.ts';

/** The FR_ACT_* value of each action. */
export const RULE_ACTIONS = {
  'to-table': C.FR_ACT_TO_TBL,
  goto: C.FR_ACT_GOTO,
  nop: C.FR_ACT_NOP,
  blackhole: C.FR_ACT_BLACKHOLE,
  unreachable: C.FR_ACT_UNREACHABLE,
  prohibit: C.FR_ACT_PROHIBIT,
} as const;

/**
 * What a rule does with a packet it matches: look it up in a table ("to-table", iproute2's
 * `lookup`), jump to another rule ("goto"), nothing ("nop"), or drop it: silently
 * ("blackhole"), with ENETUNREACH ("unreachable"), or with EACCES ("prohibit").
 */
export type RuleAction = keyof typeof RULE_ACTIONS;

const ACTION_NAMES = Object.keys(RULE_ACTIONS) as RuleAction[];

/** The FR_ACT_* value of an action users wrote. */
export function parseRuleAction(where: string, value: unknown): number {
  return RULE_ACTIONS[requireOneOf(value, ACTION_NAMES, `${where}: the action`)];
}

/** The name of an FR_ACT_* value the kernel reported, or undefined for one nslab does not name. */
export function ruleActionName(code: number): RuleAction | undefined {
  return ACTION_NAMES.find((name) => RULE_ACTIONS[name] === code);
}
