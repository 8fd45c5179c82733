// The routes and lookups of the bench's routes section (bench/routes.ts), the same for every
// contender: /32 host routes of the three IPv4 documentation ranges, via 192.0.2.254 on v0, the
// same destinations again in table after table (1000, 1001, ...) until there are enough. 766
// hosts: 198.51.100.0/24, 203.0.113.0/24 and 192.0.2.0/24 less the namespace's own 192.0.2.1
// and the gateway. A rule sends every lookup to table 1000 first, so that lookups find them.
import { writeFileSync } from 'node:fs';

/** The address on v0; the gateway every route goes via. */
export const LOCAL = '192.0.2.1/24';
export const GATEWAY = '192.0.2.254';
export const FIRST_TABLE = 1000;
/** The priority of the rule `lookup 1000`. */
export const RULE_PRIORITY = 100;

const range = (prefix: string): string[] => Array.from({ length: 256 }, (_, i) => `${prefix}.${i}`);
const HOSTS = [
  ...range('198.51.100'),
  ...range('203.0.113'),
  ...range('192.0.2').filter((h) => h !== '192.0.2.1' && h !== GATEWAY),
];

/** One route: a /32 in a table. */
export interface BenchRoute {
  dst: string;
  table: number;
}

export function routeSet(count: number): BenchRoute[] {
  return Array.from({ length: count }, (_, i) => ({
    dst: `${HOSTS[i % HOSTS.length]}/32`,
    table: FIRST_TABLE + Math.floor(i / HOSTS.length),
  }));
}

/** count lookups of hosts outside the namespace's own subnet, cycled: each finds a route of table 1000. */
export const lookupTargets = (count: number): string[] => Array.from({ length: count }, (_, i) => HOSTS[i % 512]!);

/** The tables routeSet(count) fills: FIRST_TABLE up to this, inclusive. */
export const lastTable = (count: number): number => FIRST_TABLE + Math.ceil(count / HOSTS.length) - 1;

/** The files the baselines read: "DST TABLE" per line, and one destination per line. */
export function writeRouteFiles(routesFile: string, lookupsFile: string, routes: number, lookups: number): void {
  writeFileSync(
    routesFile,
    routeSet(routes)
      .map((r) => `${r.dst} ${r.table}\n`)
      .join(''),
  );
  writeFileSync(
    lookupsFile,
    lookupTargets(lookups)
      .map((d) => `${d}\n`)
      .join(''),
  );
}
