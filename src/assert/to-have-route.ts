import type { MatcherState } from 'vitest';
import type { Link } from '../devices/link.ts';
import { formatRoute, type Route } from '../netns/route-view.ts';
import { formatRouteType, parseAddress, parseDestination, parseRouteType, type RouteType } from '../values/route.ts';
import { formatTable, parseTable, type TableName } from '../values/table.ts';
import { optionalInteger } from '../values/checks.ts';
import { matchWait, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';
import { deviceName, namespaceSubject, requireNetns } from './match-namespace.ts';

/** toHaveRoute's options: what the route must also have, and the wait. */
export interface RouteOptions extends WaitOption {
  /** The gateway (of the route, or of one of its next hops). */
  via?: string;
  /** The output device (of the route, or of the next hop with via): a handle or a name. */
  dev?: Link | string;
  /** The table the route is in; any table when left out. */
  table?: number | TableName;
  /** The metric. */
  metric?: number;
  /** The route type. */
  type?: RouteType;
}

const M = 'toHaveRoute';

/** Does the route, or one of its next hops, go via this gateway and out of this device? */
const goes = (r: Route, via: string | undefined, dev: string | undefined): boolean =>
  [{ via: r.via, dev: r.dev }, ...(r.nexthops ?? [])].some(
    (hop) => (via === undefined || hop.via === via) && (dev === undefined || hop.dev === dev),
  );

/** The namespace has a route to dst ("198.51.100.0/24", "default") with these properties. */
export async function toHaveRoute(
  this: MatcherState,
  received: unknown,
  dst: string,
  options?: RouteOptions,
): Promise<MatcherResult> {
  const ns = requireNetns(M, received);
  const { timeout } = requireOptions(M, options);
  const want = parseDestination(M, dst);
  const key = want.family === undefined || want.prefixLength === 0 ? 'default' : `${want.address}/${want.prefixLength}`;
  const via = options?.via === undefined ? undefined : parseAddress(M, 'via', options.via);
  const dev = deviceName(M, options?.dev);
  const table = options?.table === undefined ? undefined : formatTable(parseTable(M, options.table));
  const metric = optionalInteger(M, 'metric', options?.metric, 0, 0xffffffff);
  const type = options?.type === undefined ? undefined : formatRouteType(parseRouteType(M, options.type));
  const family = want.family ?? via?.family;
  const matches = (r: Route): boolean =>
    r.dst === key &&
    goes(r, via?.address, dev) &&
    (table === undefined || r.table === table) &&
    (metric === undefined || r.metric === metric) &&
    (type === undefined || r.type === type);
  const expected = [
    key,
    via && `via ${via.address}`,
    dev && `dev ${dev}`,
    table !== undefined && `table ${table}`,
    metric !== undefined && `metric ${metric}`,
    type && `type ${type}`,
  ]
    .filter(Boolean)
    .join(' ');
  const read = (): Promise<Route[]> =>
    ns.route.list(family === undefined ? { table: table ?? 'all' } : { family, table: table ?? 'all' });
  const title = `The routes (${family === undefined ? 'IPv4 and IPv6' : `IPv${family}`}, table ${table ?? 'all'})`;
  return matchWait(
    this,
    M,
    namespaceSubject(ns, title, read, (routes) => routes.map(formatRoute).join('\n') || '(none)'),
    {
      holds: (routes) => routes.some(matches),
      expected,
      takesExpected: true,
      received: (routes) => {
        const same = routes.filter((r) => r.dst === key).map(formatRoute);
        return same.length ? same : `no route to ${key}`;
      },
      timeout,
    },
  );
}
