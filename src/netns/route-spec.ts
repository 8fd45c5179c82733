// A route as users write it ({ dst, via, dev, ... }), checked whole before anything is sent,
// and turned into the request src/rtnl/route.ts writes. The defaults are iproute2's, so that
// `ns.route.add({ ... })` makes the route `ip route add ...` would.
import * as C from '../sys/constants.ts';
import { DeviceNotFoundError, InvalidAddressError, InvalidArgumentError } from '../errors.ts';
import type { NetnsHandle } from '../handle/handle.ts';
import { netnsId } from '../handle/switch.ts';
import { isLink, type Link } from '../devices/link.ts';
import { linkList } from '../rtnl/link.ts';
import type { DeviceRef, NexthopRequest, RouteRequest } from '../rtnl/route.ts';
import { optionalInteger, shown } from '../values/checks.ts';
import { parseName } from '../values/name.ts';
import {
  parseAddress,
  parseDestination,
  parseProtocol,
  parseRouteType,
  parseScope,
  type Address,
  type RouteProtocol,
  type RouteScope,
  type RouteType,
} from '../values/route.ts';
import { parseTable, type TableName } from '../values/table.ts';
import { resolveDevice, type DeviceArg } from './inputs.ts';

/** One next hop of a multipath route (`nexthop via ADDR dev DEV weight N`). */
export interface NexthopSpec {
  /** The gateway, in the route's family. */
  via?: string;
  /** The output device: a handle of this namespace, or its name. */
  dev: Link | string;
  /** 1 to 256 (default 1): the share of flows this hop gets. */
  weight?: number;
}

/** A route as `ns.route.add()`, `replace()` and `del()` take it; the fields read like `ip route add`. */
export interface RouteSpec {
  /** "default", or a prefix without host bits: "198.51.100.0/24", "2001:db8::/64". */
  dst: string;
  /** The gateway (`via`), in the destination's family. */
  via?: string;
  /** The output device: a handle of this namespace, or its name. */
  dev?: Link | string;
  /** The preferred source address (`src`). */
  src?: string;
  /** The metric (`metric`, RTA_PRIORITY), 0 to 4294967295. */
  metric?: number;
  /** The table: "main" (the default), "local", "default", or an id from 1 to 4294967295. */
  table?: number | TableName;
  /** The scope; by default what iproute2 picks (host for local routes, link for routes without a gateway, else global). */
  scope?: RouteScope;
  /** Who installed the route; "boot" by default, as with iproute2. */
  protocol?: RouteProtocol | number;
  /** The route type; "unicast" by default. */
  type?: RouteType;
  /** The path MTU the route fixes (`mtu`, RTAX_MTU), 68 to 65535. */
  mtu?: number;
  /** Next hops of a multipath route, instead of via and dev. */
  nexthops?: NexthopSpec[];
}

const SPEC_KEYS = ['dst', 'via', 'dev', 'src', 'metric', 'table', 'scope', 'protocol', 'type', 'mtu', 'nexthops'];
// 68: the smallest MTU IPv4 allows (RFC 791); 65535: the largest IP packet.
const MIN_MTU = 68;
const MAX_MTU = 65535;
const MAX_WEIGHT = 256;

/**
 * A device argument checked before any request to the kernel: a handle of this namespace (another
 * namespace's is refused; only an fstat of the two descriptors tells a second handle on the same
 * namespace apart), or a valid name.
 */
export function checkDevice(ns: NetnsHandle, where: string, dev: unknown): DeviceArg {
  if (isLink(dev)) {
    if (dev.ns !== ns && netnsId(dev.ns.fd) !== netnsId(ns.fd)) {
      throw new InvalidArgumentError(
        `${where}: ${dev} is not in namespace ${ns.label}: a route's device must be in the route's namespace ` +
          '(pass a device of this namespace, or add the route through the namespace the device is in)',
        dev,
      );
    }
    return dev;
  }
  if (typeof dev !== 'string')
    throw new InvalidArgumentError(
      `${where}: dev must be a device handle or a device name, received ${shown(dev)}`,
      dev,
    );
  return parseName(dev);
}

/** Looks device arguments up; DeviceNotFoundError for a name the namespace has no device of. */
export type DeviceResolver = (dev: DeviceArg) => DeviceRef;

/**
 * A resolver for many routes: every name from one link dump, made at the first name (handles
 * need none), instead of one GET per route.
 */
export function dumpResolver(ns: NetnsHandle): DeviceResolver {
  // One DeviceRef per device, shared by its routes: 10,000 routes, one object.
  let byName: Map<string, DeviceRef> | undefined;
  return (dev) => {
    if (isLink(dev)) return resolveDevice(ns, dev);
    byName ??= new Map(linkList(ns.rtnl).map((l) => [l.name, { index: l.index, name: l.name }]));
    const ref = byName.get(dev);
    if (ref === undefined) throw new DeviceNotFoundError(dev);
    return ref;
  };
}

/** Every address of the route must be of one family; the first that names one decides. */
function familyOf(
  where: string,
  dst: { family: 4 | 6 | undefined },
  addresses: Array<[string, Address | undefined]>,
): 4 | 6 {
  let family = dst.family;
  let decidedBy = 'dst';
  for (const [what, a] of addresses) {
    if (!a) continue;
    if (family === undefined) {
      family = a.family;
      decidedBy = what;
    } else if (a.family !== family) {
      throw new InvalidAddressError(
        `${where}: ${what} ${a.address} is IPv${a.family} but ${decidedBy} is IPv${family}: a route's addresses must all be of one family`,
        a.address,
      );
    }
  }
  // "default" with no other address: IPv4, as `ip route add default dev X` without -6.
  return family ?? 4;
}

/** What the request needs once the devices are looked up. */
export interface CheckedRoute {
  request: Omit<RouteRequest, 'dev' | 'nexthops'>;
  dev: DeviceArg | undefined;
  nexthops: Array<{ gateway: Buffer | undefined; dev: DeviceArg; weight: number }> | undefined;
}

/**
 * Checks spec whole, before any request to the kernel. verb is "add"/"replace" (fields default as iproute2's
 * `ip route add`) or "del" (what is not given matches any route, as with `ip route del`); where
 * starts the messages of its errors.
 */
export function checkRoute(
  ns: NetnsHandle,
  verb: 'add' | 'replace' | 'del',
  spec: unknown,
  where = `route.${verb}`,
): CheckedRoute {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
    throw new InvalidArgumentError(`${where}: pass a route { dst, via?, dev?, ... }, received ${shown(spec)}`, spec);
  const s = spec as Record<string, unknown>;
  const unknown = Object.keys(s).filter((k) => !SPEC_KEYS.includes(k));
  if (unknown.length)
    throw new InvalidArgumentError(
      `${where}: unknown route fields ${unknown.join(', ')}; a route has ${SPEC_KEYS.join(', ')}`,
      spec,
    );
  const dst = parseDestination(where, s.dst);
  const via = s.via === undefined ? undefined : parseAddress(where, 'via', s.via);
  const src = s.src === undefined ? undefined : parseAddress(where, 'src', s.src);
  const hops = s.nexthops === undefined ? undefined : checkNexthops(ns, where, s.nexthops);
  const family = familyOf(where, dst, [
    ['via', via],
    ['src', src],
    ...(hops ?? []).map((h, i): [string, Address | undefined] => [`nexthops[${i}].via`, h.via]),
  ]);
  const type = s.type === undefined ? (verb === 'del' ? C.RTN_UNSPEC : C.RTN_UNICAST) : parseRouteType(where, s.type);
  const dev = s.dev === undefined ? undefined : checkDevice(ns, `${where}: dev`, s.dev);
  const routed = type === C.RTN_UNICAST || type === C.RTN_UNSPEC;
  if (hops && (via || dev))
    throw new InvalidArgumentError(
      `${where}: give either nexthops or via/dev, not both: each next hop has its own`,
      spec,
    );
  if ((via || hops) && !routed)
    throw new InvalidArgumentError(
      `${where}: a ${shown(s.type)} route has no gateway or next hops: the kernel drops or answers its packets itself`,
      spec,
    );
  if (verb !== 'del' && type === C.RTN_UNICAST && !via && !dev && !hops)
    throw new InvalidArgumentError(
      `${where}: a unicast route needs via, dev or nexthops: where would its packets go?`,
      spec,
    );
  const metric = optionalInteger(where, 'metric', s.metric, 0, 0xffffffff);
  const mtu = optionalInteger(where, 'mtu', s.mtu, MIN_MTU, MAX_MTU);
  const table =
    s.table === undefined ? (type === C.RTN_LOCAL ? C.RT_TABLE_LOCAL : C.RT_TABLE_MAIN) : parseTable(where, s.table);
  const protocol =
    s.protocol === undefined ? (verb === 'del' ? C.RTPROT_UNSPEC : C.RTPROT_BOOT) : parseProtocol(where, s.protocol);
  const scope = s.scope === undefined ? defaultScope(verb, type, Boolean(via || hops)) : parseScope(where, s.scope);
  return {
    request: {
      family,
      dst: dst.family === undefined ? undefined : dst.bytes,
      dstLength: dst.prefixLength,
      table,
      protocol,
      scope,
      type,
      gateway: via?.bytes,
      prefsrc: src?.bytes,
      priority: metric,
      mtu,
    },
    dev,
    nexthops: hops?.map((h) => ({ gateway: h.via?.bytes, dev: h.dev, weight: h.weight })),
  };
}

/** iproute2's choice (ip/iproute.c): host for local routes, link for routes that reach the destination directly. */
function defaultScope(verb: string, type: number, gateway: boolean): number {
  if (verb === 'del') return C.RT_SCOPE_NOWHERE;
  if (type === C.RTN_LOCAL) return C.RT_SCOPE_HOST;
  if (type === C.RTN_BROADCAST || type === C.RTN_MULTICAST || type === C.RTN_ANYCAST) return C.RT_SCOPE_LINK;
  if (type === C.RTN_UNICAST && !gateway) return C.RT_SCOPE_LINK;
  return C.RT_SCOPE_UNIVERSE;
}

function checkNexthops(
  ns: NetnsHandle,
  where: string,
  value: unknown,
): Array<{ via: Address | undefined; dev: DeviceArg; weight: number }> {
  if (!Array.isArray(value) || value.length === 0)
    throw new InvalidArgumentError(
      `${where}: nexthops must be a non-empty array of { via?, dev, weight? }, received ${shown(value)}`,
      value,
    );
  return value.map((h: unknown, i) => {
    const at = `${where}: nexthops[${i}]`;
    if (typeof h !== 'object' || h === null || (h as NexthopSpec).dev === undefined)
      throw new InvalidArgumentError(`${at} must be { via?, dev, weight? } with a dev, received ${shown(h)}`, h);
    const { via, dev, weight } = h as NexthopSpec;
    return {
      via: via === undefined ? undefined : parseAddress(at, 'via', via),
      dev: checkDevice(ns, `${at}.dev`, dev),
      weight: optionalInteger(where, `nexthops[${i}].weight`, weight, 1, MAX_WEIGHT) ?? 1,
    };
  });
}

/**
 * The request of a checked route, its devices looked up (the only syscalls before the request
 * itself): by default one GET per name.
 */
export function resolveRoute(
  ns: NetnsHandle,
  checked: CheckedRoute,
  resolve: DeviceResolver = (dev) => resolveDevice(ns, dev),
): RouteRequest {
  return {
    ...checked.request,
    dev: checked.dev === undefined ? undefined : resolve(checked.dev),
    nexthops: checked.nexthops?.map((h): NexthopRequest => ({
      gateway: h.gateway,
      dev: resolve(h.dev),
      weight: h.weight,
    })),
  };
}
