// `ip route` over rtnetlink: add, replace, delete, list, get. Takes values the public API
// already parsed (src/values/route.ts): addresses as bytes, devices as indices with their names
// for messages, every rtmsg field decided by the caller.
import * as C from '../sys/constants.ts';
import { MessageWriter } from '../netlink/codec.ts';
import { hasErrno } from '../errors.ts';
import type { NetlinkSocket } from '../netlink/socket.ts';
import { decodeRoute, encodeMtuMetric, encodeMultipath, encodeRtmsg, type RouteMessage } from '../netlink/route.ts';
import { formatIp } from '../values/ip.ts';
import { formatRouteType, formatScope, formatProtocol } from '../values/route.ts';
import { formatTable } from '../values/table.ts';
import type { NetlinkError } from '../netlink/errors.ts';
import { rtnlBatch, rtnlDump, rtnlRequest } from './request.ts';

const ACK = C.NLM_F_REQUEST | C.NLM_F_ACK;
const AF = { 4: C.AF_INET, 6: C.AF_INET6 } as const;

/** A device by index, with the name messages print. */
export interface DeviceRef {
  index: number;
  name: string;
}

/** One next hop of a multipath route. */
export interface NexthopRequest {
  gateway?: Buffer | undefined;
  dev: DeviceRef;
  weight: number;
}

/** A route as a request writes it: every rtmsg field decided, the attributes to send. */
export interface RouteRequest {
  family: 4 | 6;
  /** The destination prefix's bytes; undefined for a default route. */
  dst?: Buffer | undefined;
  dstLength: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  gateway?: Buffer | undefined;
  dev?: DeviceRef | undefined;
  prefsrc?: Buffer | undefined;
  priority?: number | undefined;
  mtu?: number | undefined;
  nexthops?: NexthopRequest[] | undefined;
}

/** The request in iproute2's words: "route add 198.51.100.0/24 via 192.0.2.254 dev br0 table 100". */
function describeRoute(verb: string, r: RouteRequest): string {
  const words = [`route ${verb}`];
  const type = formatRouteType(r.type);
  if (r.type !== C.RTN_UNICAST && r.type !== C.RTN_UNSPEC) words.push(String(type));
  words.push(r.dst ? `${formatIp(r.dst)}/${r.dstLength}` : 'default');
  if (r.gateway) words.push(`via ${formatIp(r.gateway)}`);
  if (r.dev) words.push(`dev ${r.dev.name}`);
  if (r.prefsrc) words.push(`src ${formatIp(r.prefsrc)}`);
  if (r.priority !== undefined) words.push(`metric ${r.priority}`);
  if (r.table !== C.RT_TABLE_MAIN) words.push(`table ${formatTable(r.table)}`);
  if (r.protocol !== C.RTPROT_BOOT && r.protocol !== C.RTPROT_UNSPEC) words.push(`proto ${formatProtocol(r.protocol)}`);
  if (r.scope !== C.RT_SCOPE_UNIVERSE && r.scope !== C.RT_SCOPE_NOWHERE) words.push(`scope ${formatScope(r.scope)}`);
  if (r.mtu !== undefined) words.push(`mtu ${r.mtu}`);
  for (const h of r.nexthops ?? [])
    words.push(`nexthop${h.gateway ? ` via ${formatIp(h.gateway)}` : ''} dev ${h.dev.name} weight ${h.weight}`);
  return words.join(' ');
}

/** The RTM_NEWROUTE / RTM_DELROUTE message for r. RTA_TABLE is always sent, so ids above 255 need no special case. */
export function routeMessage(type: number, flags: number, r: RouteRequest): MessageWriter {
  const w = new MessageWriter(type, flags).header(
    encodeRtmsg({
      family: AF[r.family],
      dstLength: r.dstLength,
      table: r.table,
      protocol: r.protocol,
      scope: r.scope,
      type: r.type,
    }),
  );
  w.u32(C.RTA_TABLE, r.table);
  if (r.dst) w.bytes(C.RTA_DST, r.dst);
  if (r.gateway) w.bytes(C.RTA_GATEWAY, r.gateway);
  if (r.dev) w.u32(C.RTA_OIF, r.dev.index);
  if (r.prefsrc) w.bytes(C.RTA_PREFSRC, r.prefsrc);
  if (r.priority !== undefined) w.u32(C.RTA_PRIORITY, r.priority);
  if (r.mtu !== undefined) w.bytes(C.RTA_METRICS, encodeMtuMetric(r.mtu));
  if (r.nexthops?.length)
    w.bytes(
      C.RTA_MULTIPATH,
      encodeMultipath(r.nexthops.map((h) => ({ gateway: h.gateway, index: h.dev.index, weight: h.weight }))),
    );
  return w;
}

/** `ip route add`: refused (EEXIST) when the same route is there. */
export function routeAdd(sock: NetlinkSocket, r: RouteRequest): void {
  const w = routeMessage(C.RTM_NEWROUTE, ACK | C.NLM_F_CREATE | C.NLM_F_EXCL, r);
  rtnlRequest(sock, w, { type: 'RTM_NEWROUTE', what: describeRoute('add', r) });
}

/** `ip route replace`: adds the route, or replaces the one with the same destination, table, metric (and TOS). */
export function routeReplace(sock: NetlinkSocket, r: RouteRequest): void {
  const w = routeMessage(C.RTM_NEWROUTE, ACK | C.NLM_F_CREATE | C.NLM_F_REPLACE, r);
  rtnlRequest(sock, w, { type: 'RTM_NEWROUTE', what: describeRoute('replace', r) });
}

/** `ip route del`: the kernel deletes the first route matching the fields given (ESRCH when none does). */
export function routeDel(sock: NetlinkSocket, r: RouteRequest): void {
  rtnlRequest(sock, routeMessage(C.RTM_DELROUTE, ACK, r), { type: 'RTM_DELROUTE', what: describeRoute('del', r) });
}

/**
 * The undo of adding r: its delete with scope NOWHERE, which matches the route whatever scope
 * the kernel gave it.
 */
const undoOf = (r: RouteRequest): RouteRequest => ({ ...r, scope: C.RT_SCOPE_NOWHERE });

/** ESRCH (deleted already) and ENODEV (its device went, and the route with it): the route is gone. */
const isGone = (error: unknown): boolean => hasErrno(error, 'ESRCH') || hasErrno(error, 'ENODEV');

/** routeDel of the route r added, if it is still there: the undo of an add. */
export function routeDelIfPresent(sock: NetlinkSocket, r: RouteRequest): void {
  try {
    routeDel(sock, undoOf(r));
  } catch (error) {
    if (!isGone(error)) throw error;
  }
}

/** The messages of routes, each built only when the batch gets to it (NetlinkSocket.requestBatch). */
function* messagesOf(type: number, flags: number, routes: readonly RouteRequest[]): Generator<MessageWriter> {
  for (const r of routes) yield routeMessage(type, flags, r);
}

/**
 * `ip route add` of every route in one batch (NetlinkSocket.requestBatch): the kernel's
 * refusals by index, the others added. Built without NLM_F_ACK, so a route added costs no reply.
 */
export function routeAddBatch(sock: NetlinkSocket, routes: readonly RouteRequest[]): Map<number, NetlinkError> {
  const messages = messagesOf(C.RTM_NEWROUTE, C.NLM_F_REQUEST | C.NLM_F_CREATE | C.NLM_F_EXCL, routes);
  return rtnlBatch(sock, messages, (i) => ({ type: 'RTM_NEWROUTE', what: describeRoute('add', routes[i]!) }));
}

/**
 * routeDelIfPresent of every route, in one batch: the undo of routeAddBatch. Returns the
 * refusals other than the route being gone, by index.
 */
export function routeDelBatchIfPresent(
  sock: NetlinkSocket,
  routes: readonly RouteRequest[],
): Map<number, NetlinkError> {
  const undos = routes.map(undoOf);
  const refused = rtnlBatch(sock, messagesOf(C.RTM_DELROUTE, C.NLM_F_REQUEST, undos), (i) => ({
    type: 'RTM_DELROUTE',
    what: describeRoute('del', undos[i]!),
  }));
  for (const [i, error] of refused) if (isGone(error)) refused.delete(i);
  return refused;
}

/**
 * The routes of one family, of one table or all (table undefined). Strict checking is on, so
 * the kernel filters by table itself; a table that does not exist yet holds no routes, which
 * the kernel reports as ENOENT.
 */
export function routeList(sock: NetlinkSocket, family: 4 | 6, table?: number): RouteMessage[] {
  const build = (): MessageWriter => {
    const w = new MessageWriter(C.RTM_GETROUTE, C.NLM_F_REQUEST | C.NLM_F_DUMP).header(
      encodeRtmsg({ family: AF[family], table: table ?? 0 }),
    );
    return table === undefined ? w : w.u32(C.RTA_TABLE, table);
  };
  const what = `-${family} route show table ${table === undefined ? 'all' : formatTable(table)}`;
  try {
    return rtnlDump(sock, build, { type: 'RTM_GETROUTE', what }).map((m) => decodeRoute(m.payload));
  } catch (error) {
    if (table !== undefined && hasErrno(error, 'ENOENT')) return [];
    throw error;
  }
}

/** What `ip route get` takes besides the destination. */
export interface RouteGetRequest {
  family: 4 | 6;
  dst: Buffer;
  from?: Buffer | undefined;
  iif?: DeviceRef | undefined;
  mark?: number | undefined;
}

/**
 * `ip route get`: the kernel's own decision for one destination, as one route message.
 * RTM_F_LOOKUP_TABLE makes IPv4 report the table the route came from (else it says main);
 * IPv6 always does, and refuses the flag.
 */
export function routeGet(sock: NetlinkSocket, q: RouteGetRequest): RouteMessage {
  const bits = q.family === 4 ? 32 : 128;
  const w = new MessageWriter(C.RTM_GETROUTE, C.NLM_F_REQUEST).header(
    encodeRtmsg({
      family: AF[q.family],
      dstLength: bits,
      srcLength: q.from ? bits : 0,
      flags: q.family === 4 ? C.RTM_F_LOOKUP_TABLE : 0,
    }),
  );
  w.bytes(C.RTA_DST, q.dst);
  if (q.from) w.bytes(C.RTA_SRC, q.from);
  if (q.iif) w.u32(C.RTA_IIF, q.iif.index);
  if (q.mark !== undefined) w.u32(C.RTA_MARK, q.mark);
  const words = [`route get ${formatIp(q.dst)}`];
  if (q.from) words.push(`from ${formatIp(q.from)}`);
  if (q.iif) words.push(`iif ${q.iif.name}`);
  if (q.mark !== undefined) words.push(`mark ${q.mark}`);
  const [m] = rtnlRequest(sock, w, { type: 'RTM_GETROUTE', what: words.join(' ') });
  return decodeRoute(m!.payload);
}
