// `ip route` on one namespace, as `ns.route`: add, replace, del, list, get. Every argument is
// checked before anything is sent; a refusal is the kernel's NetlinkError, naming the request.
import type { NetnsHandle } from '../handle/handle.ts';
import type { Link } from '../devices/link.ts';
import {
  routeAdd,
  routeAddBatch,
  routeDel,
  routeDelBatchIfPresent,
  routeDelIfPresent,
  routeGet,
  routeList,
  routeReplace,
  type RouteRequest,
} from '../rtnl/route.ts';
import { BatchRefusalError, type NetlinkError } from '../netlink/errors.ts';
import { InvalidArgumentError } from '../errors.ts';
import { optionalInteger } from '../values/checks.ts';
import { parseAddress } from '../values/route.ts';
import { parseTable, type TableName } from '../values/table.ts';
import { checkDevice, checkRoute, dumpResolver, resolveRoute, type RouteSpec } from './route-spec.ts';
import { resolveDevice } from './inputs.ts';
import { deviceNames, deviceNamesOf, lookupView, routeView, type Route, type RouteLookup } from './route-view.ts';

/** What `ns.route.list()` reads. */
export interface RouteListOptions {
  /** Only this family's routes (default: both). */
  family?: 4 | 6;
  /** Only this table's routes: "main" (the default, as `ip route show`), "local", "default", an id, or "all". */
  table?: number | TableName | 'all';
}

/** What `ns.route.get()` asks besides the destination (`ip route get DST from SRC iif DEV mark N`). */
export interface RouteGetOptions {
  /** The packet's source address. */
  from?: string;
  /** The device the packet comes in on (a lookup for a forwarded packet). */
  iif?: Link | string;
  /** The packet's firewall mark (fwmark), for policy rules that match on it. */
  mark?: number;
}

/** The routes of one namespace, named like `ip route`: `ns.route.add({ dst: 'default', via: '192.0.2.254' })`. */
export class RouteTable {
  private readonly ns: NetnsHandle;

  /** Use `ns.route`. */
  constructor(ns: NetnsHandle) {
    this.ns = ns;
  }

  /**
   * `ip route add`: refused with EEXIST when the route exists. In an adopted namespace (a
   * container's, which outlives the handle) destroy() deletes the route again, as it does the
   * devices nslab created there.
   */
  async add(route: RouteSpec): Promise<void> {
    const request = resolveRoute(this.ns, checkRoute(this.ns, 'add', route));
    routeAdd(this.ns.rtnl, request);
    if (!this.ns.owned)
      this.ns.cleanup.defer('delete a route nslab added', () => routeDelIfPresent(this.ns.rtnl, request));
  }

  /**
   * Many `ip route add`s at once, all or none: every route is checked before anything is sent
   * (the first bad one is a typed error naming routes[i]), the device names are looked up in one
   * link dump, and the routes go to the kernel in batches of many messages per send(), like
   * `ip -batch` but without a reply per route. If the kernel refuses any (EEXIST, a gateway on no
   * link, ...), the routes it added are deleted again, also batched, and the first refusal is
   * thrown: a BatchRefusalError (a NetlinkError) with its errno, extack and request, and how many
   * were refused. In an adopted namespace destroy() deletes them again, as after add().
   */
  async addAll(routes: readonly RouteSpec[]): Promise<void> {
    if (!Array.isArray(routes))
      throw new InvalidArgumentError(
        `route.addAll: pass an array of routes [{ dst, via?, dev?, ... }], received ${String(routes)}`,
        routes,
      );
    const checked = routes.map((r: unknown, i) => checkRoute(this.ns, 'add', r, `route.addAll: routes[${i}]`));
    const resolve = dumpResolver(this.ns);
    const requests = checked.map((c) => resolveRoute(this.ns, c, resolve));
    if (requests.length === 0) return;
    const refused = routeAddBatch(this.ns.rtnl, requests);
    if (refused.size) throw this.rollBack(requests, refused);
    if (!this.ns.owned)
      this.ns.cleanup.defer(`delete ${requests.length} routes nslab added`, () => {
        const left = routeDelBatchIfPresent(this.ns.rtnl, requests);
        if (left.size) throw left.values().next().value;
      });
  }

  /** After refusals in addAll: deletes the routes that were added, and returns the error to throw. */
  private rollBack(requests: RouteRequest[], refused: Map<number, NetlinkError>): BatchRefusalError {
    const added = requests.filter((_, i) => !refused.has(i));
    const undone = added.length ? routeDelBatchIfPresent(this.ns.rtnl, added) : new Map<number, NetlinkError>();
    // In index order: the runs go out in order, and the kernel answers a run's messages in order.
    const [index, first] = refused.entries().next().value!;
    const outcome =
      added.length === 0
        ? 'none was added'
        : undone.size
          ? `deleting the ${added.length} added failed for ${undone.size}: ${undone.values().next().value!.message}`
          : `the ${added.length} added were deleted again, none is left`;
    return new BatchRefusalError(first, index, refused.size, requests.length, outcome);
  }

  /**
   * `ip route replace`: adds the route, or replaces the one with its destination, table and
   * metric. Not undone by destroy() in an adopted namespace: what it replaced cannot be restored.
   */
  async replace(route: RouteSpec): Promise<void> {
    routeReplace(this.ns.rtnl, resolveRoute(this.ns, checkRoute(this.ns, 'replace', route)));
  }

  /** `ip route del`: deletes the first route matching the fields given (ESRCH when none does). */
  async del(route: RouteSpec): Promise<void> {
    routeDel(this.ns.rtnl, resolveRoute(this.ns, checkRoute(this.ns, 'del', route)));
  }

  /** `ip route show`: the routes of table main (or the table asked for), IPv4 first, then IPv6. */
  async list(options: RouteListOptions = {}): Promise<Route[]> {
    if (typeof options !== 'object' || options === null)
      throw new InvalidArgumentError(
        `route.list: options must be { family?, table? }, received ${String(options)}`,
        options,
      );
    const { family, table = 'main' } = options;
    if (family !== undefined && family !== 4 && family !== 6)
      throw new InvalidArgumentError(`route.list: family must be 4 or 6, received ${String(family)}`, family);
    const id = table === 'all' ? undefined : parseTable('route.list', table);
    const families = family === undefined ? ([4, 6] as const) : [family];
    const messages = families.flatMap((f) => routeList(this.ns.rtnl, f, id));
    const names = deviceNames(this.ns.rtnl);
    return messages.map((m) => routeView(m, names));
  }

  /** `ip route get DST`: the kernel's own decision for a packet to dst; a refusal (ENETUNREACH: no route) is a NetlinkError. */
  async get(dst: string, options: RouteGetOptions = {}): Promise<RouteLookup> {
    const where = 'route.get';
    const to = parseAddress(where, 'destination', dst);
    const from = options.from === undefined ? undefined : parseAddress(where, 'from', options.from);
    if (from && from.family !== to.family)
      throw new InvalidArgumentError(
        `${where}: from ${from.address} is IPv${from.family} but the destination ${to.address} is IPv${to.family}: a lookup is of one family`,
        options.from,
      );
    const mark = optionalInteger(where, 'mark', options.mark, 0, 0xffffffff);
    const iif =
      options.iif === undefined
        ? undefined
        : resolveDevice(this.ns, checkDevice(this.ns, `${where}: iif`, options.iif));
    const m = routeGet(this.ns.rtnl, { family: to.family, dst: to.bytes, from: from?.bytes, iif, mark });
    return lookupView(m, deviceNamesOf(this.ns.rtnl, [m.index, m.inputIndex]), from?.address);
  }
}
