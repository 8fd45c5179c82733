// Routes as users read them: the kernel's route messages with names where iproute2 prints
// names (types, scopes, protocols, reserved tables, devices), and `default` or a prefix.
import type { NexthopMessage, RouteMessage } from '../netlink/route.ts';
import type { NetlinkSocket } from '../netlink/socket.ts';
import { linkFind, linkList } from '../rtnl/link.ts';
import {
  formatProtocol,
  formatRouteType,
  formatScope,
  type RouteProtocol,
  type RouteScope,
  type RouteType,
} from '../values/route.ts';
import { formatTable, type TableName } from '../values/table.ts';

/** One next hop of a multipath route, as read. */
export interface NexthopState {
  /** The gateway, if the hop has one. */
  via?: string;
  /** The output device's name. */
  dev?: string;
  /** 1 to 256. */
  weight: number;
}

/** A route as `ns.route.list()` reads it; the fields are named like RouteSpec's. */
export interface Route {
  /** 4 or 6. */
  family: 4 | 6;
  /** "default", or the prefix: "198.51.100.0/24". */
  dst: string;
  /** unicast, local, blackhole, ... (a number for a type iproute2 has no name for). */
  type: RouteType | number;
  /** The table: "main", "local", "default" or its id. */
  table: number | TableName;
  /** Who installed it: "kernel", "boot", "static", ... or a number. */
  protocol: RouteProtocol | number;
  /** global, link, host, ... */
  scope: RouteScope | number;
  /** The gateway. */
  via?: string;
  /** The output device's name. */
  dev?: string;
  /** The preferred source address. */
  src?: string;
  /** The metric (RTA_PRIORITY). */
  metric?: number;
  /** The MTU the route fixes (RTAX_MTU). */
  mtu?: number;
  /** The next hops of a multipath route. */
  nexthops?: NexthopState[];
}

/** The name of every device of the namespace by index, for naming routes' devices in one dump. */
export function deviceNames(sock: NetlinkSocket): Map<number, string> {
  return new Map(linkList(sock).map((l) => [l.index, l.name]));
}

/**
 * The names of only these devices, each by a targeted GET: a lookup's answer names one or two,
 * and a GET each costs less than deviceNames' dump of every device. An index the namespace no
 * longer has is left out (named "index N").
 */
export function deviceNamesOf(sock: NetlinkSocket, indices: Array<number | undefined>): Map<number, string> {
  const names = new Map<number, string>();
  for (const index of indices) {
    if (index === undefined || names.has(index)) continue;
    const link = linkFind(sock, index);
    if (link) names.set(index, link.name);
  }
  return names;
}

const prefix = (m: RouteMessage): string =>
  m.dst === undefined && m.dstLength === 0
    ? 'default'
    : `${m.dst ?? (m.family === 4 ? '0.0.0.0' : '::')}/${m.dstLength}`;

/** A device's name by index; "index N" for one the namespace no longer has. */
const nameOf = (names: Map<number, string>, index: number | undefined): string | undefined =>
  index === undefined ? undefined : (names.get(index) ?? `index ${index}`);

const nexthopState = (h: NexthopMessage, names: Map<number, string>): NexthopState => ({
  via: h.gateway,
  dev: nameOf(names, h.index),
  weight: h.weight,
});

/** A route message as users read it; devices named from names (see deviceNames). */
export function routeView(m: RouteMessage, names: Map<number, string>): Route {
  return {
    family: m.family,
    dst: prefix(m),
    type: formatRouteType(m.type),
    table: formatTable(m.table),
    protocol: formatProtocol(m.protocol),
    scope: formatScope(m.scope),
    via: m.gateway,
    dev: nameOf(names, m.index),
    src: m.prefsrc,
    metric: m.priority,
    mtu: m.mtu,
    nexthops: m.nexthops?.map((h) => nexthopState(h, names)),
  };
}

/** `ip route get`'s answer: where the kernel would send a packet to dst. */
export interface RouteLookup {
  /** The destination asked about. */
  dst: string;
  /** unicast, local, ... */
  type: RouteType | number;
  /** The table the deciding route is in. */
  table: number | TableName;
  /** The gateway the packet goes to, when it is not delivered directly. */
  via?: string;
  /** The output device's name. */
  dev?: string;
  /** The source address the kernel would pick. */
  src?: string;
  /** The source asked about (`from`). */
  from?: string;
  /** The input device asked about (`iif`). */
  iif?: string;
  /** The mark asked about. */
  mark?: number;
}

/** A lookup's answer as users read it; from is the source the caller asked about. */
export function lookupView(m: RouteMessage, names: Map<number, string>, from: string | undefined): RouteLookup {
  return {
    dst: m.dst ?? '',
    type: formatRouteType(m.type),
    table: formatTable(m.table),
    via: m.gateway,
    dev: nameOf(names, m.index),
    src: m.prefsrc,
    from,
    iif: nameOf(names, m.inputIndex),
    mark: m.mark,
  };
}

/** One route on one line, in `ip route` order: "198.51.100.0/24 via 192.0.2.254 dev br0 table 100 metric 5". */
export function formatRoute(r: Route): string {
  const words = [r.type === 'unicast' ? '' : String(r.type), r.dst];
  if (r.via) words.push(`via ${r.via}`);
  if (r.dev) words.push(`dev ${r.dev}`);
  if (r.table !== 'main') words.push(`table ${r.table}`);
  words.push(`proto ${r.protocol}`, `scope ${r.scope}`);
  if (r.src) words.push(`src ${r.src}`);
  if (r.metric !== undefined) words.push(`metric ${r.metric}`);
  if (r.mtu !== undefined) words.push(`mtu ${r.mtu}`);
  for (const h of r.nexthops ?? [])
    words.push(`nexthop${h.via ? ` via ${h.via}` : ''} dev ${h.dev} weight ${h.weight}`);
  return words.filter(Boolean).join(' ');
}
