// What a policy rule does (`ip rule ... ACTION`): the FR_ACT_* actions by the names nslab uses.
import * as C from '../sys/constants.ts';
import { namedCodes } from './checks.ts';

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

const actions = namedCodes(RULE_ACTIONS, 'the action');

/** The FR_ACT_* value of an action users wrote; anything else is refused with the list of actions. */
export const parseRuleAction: (where: string, value: unknown) => number = actions.parse;

/** The name of an FR_ACT_* value the kernel reported, or undefined for one nslab does not name. */
export const ruleActionName: (code: number) => RuleAction | undefined = actions.name;
