// Routing table ids as `ip route` and `ip rule` name them: main, local, default, or a number.
import { InvalidArgumentError } from '../errors.ts';

/** The routing tables iproute2 names (rt_tables): main (254), local (255), default (253). */
export type TableName = 'main' | 'local' | 'default';

// The RT_TABLE_* numbers of include/uapi/linux/rtnetlink.h, written here so that this module
// stands alone: they are ABI and never change.
const TABLE_IDS: Record<TableName, number> = { main: 254, local: 255, default: 253 };
const TABLE_MAX = 0xffffffff;

/**
 * The id of a table users wrote: "main", "local", "default", or an integer from 1 to
 * 4294967295 (0 is RT_TABLE_UNSPEC, which the kernel reads as "no table given").
 */
export function parseTable(where: string, value: unknown): number {
  if (typeof value === 'string' && Object.hasOwn(TABLE_IDS, value)) return TABLE_IDS[value as TableName];
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= TABLE_MAX) return value;
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new InvalidArgumentError(
    `${where}: a table is "main", "local", "default" or an integer from 1 to ${TABLE_MAX}, received ${shown}`,
    value,
  );
}

/** A table id as iproute2 prints it: the name of main, local and default, the number of the others. */
export function formatTable(id: number): number | TableName {
  const name = (Object.keys(TABLE_IDS) as TableName[]).find((n) => TABLE_IDS[n] === id);
  return name ?? id;
}
