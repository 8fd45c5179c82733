// Routing table ids as users write them (a number, or iproute2's names for the three reserved
// tables) and as reads print them. Self-contained: routes and policy rules both name tables.
import { InvalidArgumentError } from '../errors.ts';
import { shown } from './checks.ts';

/** iproute2's names of the reserved tables: main (254), local (255), default (253). */
export type TableName = 'main' | 'local' | 'default';

const TABLE_IDS: Record<TableName, number> = { main: 254, local: 255, default: 253 };
const MAX_TABLE = 4294967295;

/**
 * A table id from a name ("main", "local", "default") or an integer from 1 to 4294967295 (RTA_TABLE
 * is a u32; 0 is RT_TABLE_UNSPEC, which the kernel reads as "no table given"). where names the
 * call, for the message.
 */
export function parseTable(where: string, value: unknown): number {
  if (typeof value === 'string' && Object.hasOwn(TABLE_IDS, value)) return TABLE_IDS[value as TableName];
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_TABLE) return value;
  throw new InvalidArgumentError(
    `${where}: table must be "main", "local", "default" or an integer from 1 to ${MAX_TABLE}, received ${shown(value)}`,
    value,
  );
}

// By id, made once: every route read names its table.
const TABLE_NAMES = new Map(Object.entries(TABLE_IDS).map(([name, id]) => [id, name as TableName]));

/** The name of a reserved table, as iproute2 prints it; any other table as its number. */
export function formatTable(id: number): number | TableName {
  return TABLE_NAMES.get(id) ?? id;
}
