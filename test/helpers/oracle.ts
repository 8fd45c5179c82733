// Independent views of a namespace, for checking nslab against: iproute2's JSON output and
// sysfs, both read by programs running inside the namespace (ns.exec), never by nslab's codec.
// The one oracle of the tests and the claim suites: what they know of the kernel other than
// through nslab comes from here (and /proc from ./proc.ts).
import { execFileSync } from 'node:child_process';
import type { LinkState, LinkStats, Netns } from '../../src/index.ts';

/** Where the oracle's programs run: a namespace (ns.exec), or a wrapper that runs them some other way. */
export type Runner = Pick<Netns, 'exec'>;

/** Runs the oracle's programs through `ip netns exec NAME`, i.e. in the namespace pinned at /run/netns/NAME. */
export const viaIpNetnsExec = (ns: Runner, name: string): Runner => ({
  exec: (file, args = [], options) => ns.exec('ip', ['netns', 'exec', name, file, ...args], options),
});

export interface IpLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  min_mtu?: number;
  max_mtu?: number;
  txqlen?: number;
  ifalias?: string;
  altnames?: string[];
  /** With `-s` only: the IFLA_STATS64 counters. */
  stats64?: {
    rx: { bytes: number; packets: number; errors: number; dropped: number; multicast: number };
    tx: { bytes: number; packets: number; errors: number; dropped: number; collisions: number };
  };
  operstate: string;
  address?: string;
  master?: string;
  link_index?: number;
  /** The IFLA_LINK device by name, when it is in the same namespace (else link_index). */
  link?: string;
  link_netnsid?: number;
  link_type?: string;
  linkinfo?: {
    info_kind?: string;
    info_data?: { bridge_id?: string; root_id?: string; [key: string]: unknown };
    info_slave_kind?: string;
    /** A bridge port's own state ("forwarding", "disabled", ...) among its other attributes. */
    info_slave_data?: { state?: string; [key: string]: unknown };
  };
}

export interface IpAddrInfo {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  scope: string;
  tentative?: boolean;
  nodad?: boolean;
  dadfailed?: boolean;
  permanent?: boolean;
  /** iproute2 prints the other IFA_F_* flags as booleans of these names (and "dynamic" for not permanent). */
  [flag: string]: unknown;
}

export interface IpAddrLink {
  ifname: string;
  ifindex: number;
  addr_info: IpAddrInfo[];
}

// iproute2 prints nothing at all, not [], when nothing matches.
const parseIpJson = <T>(stdout: unknown): T => JSON.parse(String(stdout) || '[]') as T;

async function ipJson<T>(ns: Runner, args: string[]): Promise<T> {
  return parseIpJson<T>((await ns.exec('ip', ['-json', ...args])).stdout);
}

/**
 * `ip -json ARGS` in the host's namespace, which is this process's own, read synchronously
 * (for checks before and after a run that must not change it).
 */
export const hostIpJson = <T>(args: string[]): T =>
  parseIpJson<T>(execFileSync('ip', ['-json', ...args], { encoding: 'utf8' }));

/** `ip -json -details link show` in the host's namespace. */
export const hostIpLinks = (): IpLink[] => hostIpJson(['-details', 'link', 'show']);

/** `ip -json -details link show`: every device of the namespace. */
export const ipLinks = (ns: Runner): Promise<IpLink[]> => ipJson(ns, ['-details', 'link', 'show']);

export const ipLinkNames = async (ns: Runner): Promise<string[]> => (await ipLinks(ns)).map((l) => l.ifname).sort();

/** `ip -json -details link show dev NAME`, or undefined when there is no such device. */
export async function ipLink(ns: Runner, dev: string): Promise<IpLink | undefined> {
  const r = await ns.exec('ip', ['-json', '-details', 'link', 'show', 'dev', dev], { reject: false });
  if (r.exitCode !== 0) return undefined;
  return (JSON.parse(String(r.stdout)) as IpLink[])[0];
}

/**
 * `ip -json -stats link show dev NAME`: the device's counters, in the shape of nslab's LinkStats
 * (iproute2 reads them from IFLA_STATS64 too, but decodes them itself).
 */
export async function ipStats(ns: Runner, dev: string): Promise<LinkStats> {
  const [ip] = await ipJson<IpLink[]>(ns, ['-stats', 'link', 'show', 'dev', dev]);
  const s = ip?.stats64;
  if (!s) throw new Error(`iproute2 printed no statistics for ${dev}`);
  return {
    rxPackets: s.rx.packets,
    txPackets: s.tx.packets,
    rxBytes: s.rx.bytes,
    txBytes: s.tx.bytes,
    rxErrors: s.rx.errors,
    txErrors: s.tx.errors,
    rxDropped: s.rx.dropped,
    txDropped: s.tx.dropped,
    multicast: s.rx.multicast,
    collisions: s.tx.collisions,
  };
}

/** ipLink of a device that must be there. */
export async function ipLinkOf(ns: Runner, dev: string): Promise<IpLink> {
  const ip = await ipLink(ns, dev);
  if (!ip) throw new Error(`iproute2 sees no device ${dev}`);
  return ip;
}

/** `ip -json link show master NAME`: the names of the bridge's ports, in iproute2's order. */
export async function ipPorts(ns: Runner, master: string): Promise<string[]> {
  return (await ipJson<IpLink[]>(ns, ['link', 'show', 'master', master])).map((l) => l.ifname);
}

/** `ip -json netns list-id`: the namespaces this one has a netnsid for. */
export const ipNetnsIds = (ns: Runner): Promise<Array<{ nsid: number; current?: boolean }>> =>
  ipJson(ns, ['netns', 'list-id']);

/** `ip -json addr show`: every device of the namespace with its addresses. */
export const ipAddrLinks = (ns: Runner): Promise<IpAddrLink[]> => ipJson(ns, ['addr', 'show']);

/** `ip -json addr show dev NAME`: that device's addresses. */
export async function ipAddrs(ns: Runner, dev: string): Promise<IpAddrInfo[]> {
  return (await ipJson<IpAddrLink[]>(ns, ['addr', 'show', 'dev', dev]))[0]?.addr_info ?? [];
}

/**
 * sysfs attributes of a device as the namespace sees them (undefined where the read fails, as
 * `carrier` does on a device that is down). sysfs shows the network namespace of whoever
 * mounted it, so this mounts a fresh sysfs in a private mount namespace, as `ip netns exec`
 * does; the host's mounts are untouched.
 */
export async function sysfs<K extends string>(
  ns: Runner,
  dev: string,
  attrs: readonly K[],
): Promise<Record<K, string | undefined>> {
  const script =
    'mount -t sysfs sysfs /sys || exit 1; d=$1; shift; for a; do cat "/sys/class/net/$d/$a" 2>/dev/null || echo "?"; done';
  const { stdout } = await ns.exec('unshare', [
    '--mount',
    '--propagation',
    'private',
    'sh',
    '-c',
    script,
    'sh',
    dev,
    ...attrs,
  ]);
  const values = String(stdout).split('\n');
  return Object.fromEntries(attrs.map((a, i) => [a, values[i] === '?' ? undefined : values[i]])) as Record<
    K,
    string | undefined
  >;
}

/**
 * iproute2 prints bridge IDs as "8000.52:54:0:0:0:1"; this is the sysfs form, "8000.525400000001".
 * Anything else (no ID printed at all) is undefined.
 */
export function ipBridgeId(text: string | undefined): string | undefined {
  const m = text === undefined ? null : /^([0-9a-f]{1,4})\.([0-9a-f]{1,2}(?::[0-9a-f]{1,2}){5})$/i.exec(text);
  if (!m) return undefined;
  const mac = m[2]!
    .split(':')
    .map((o) => o.padStart(2, '0'))
    .join('');
  return `${m[1]!.padStart(4, '0')}.${mac}`.toLowerCase();
}

/**
 * iproute2 hides IFF_RUNNING and prints pseudo flags: NO-CARRIER for "up but not running", M-DOWN
 * for "the device IFLA_LINK names (a veth's peer) is down". This turns its list back into the
 * IFF_* names nslab reports.
 */
export function iffFromIp(ipFlags: string[]): string[] {
  const flags = new Set(ipFlags);
  flags.delete('M-DOWN');
  const noCarrier = flags.delete('NO-CARRIER');
  if (flags.has('UP') && !noCarrier) flags.add('RUNNING');
  return [...flags].sort();
}

/** iproute2's scope names, as RT_SCOPE_* numbers. */
export const SCOPES: Record<string, number> = { global: 0, link: 253, host: 254 };

/**
 * What iproute2 and sysfs say about one device, in the shape of the same fields of nslab's
 * LinkState (see comparableState), so a test can compare the two whole.
 */
export async function oracleState(ns: Runner, dev: string): Promise<ComparableState> {
  const ip = await ipLinkOf(ns, dev);
  const fs = await sysfs(ns, dev, [
    'carrier',
    'carrier_changes',
    'carrier_up_count',
    'carrier_down_count',
    'bridge/bridge_id',
  ]);
  const flags = iffFromIp(ip.flags);
  const adminUp = flags.includes('UP');
  return {
    index: ip.ifindex,
    name: ip.ifname,
    kind: ip.linkinfo?.info_kind ?? (ip.link_type === 'loopback' ? 'loopback' : undefined),
    mac: ip.link_type === 'none' ? undefined : ip.address,
    mtu: ip.mtu,
    minMtu: ip.min_mtu,
    maxMtu: ip.max_mtu,
    txQueueLen: ip.txqlen,
    alias: ip.ifalias,
    altNames: ip.altnames ?? [],
    flags,
    adminUp,
    running: flags.includes('RUNNING'),
    operstate: ip.operstate.toLowerCase(),
    carrier: adminUp && fs.carrier !== undefined ? fs.carrier === '1' : undefined,
    carrierChanges: Number(fs.carrier_changes),
    carrierUpCount: Number(fs.carrier_up_count),
    carrierDownCount: Number(fs.carrier_down_count),
    master: ip.master,
    bridgeId: fs['bridge/bridge_id'],
    addresses: (await ipAddrs(ns, dev))
      .map((a) => ({
        cidr: `${a.local}/${a.prefixlen}`,
        scope: SCOPES[a.scope] ?? -1,
        tentative: a.tentative === true,
        nodad: a.nodad === true,
        dadfailed: a.dadfailed === true,
      }))
      .sort((x, y) => x.cidr.localeCompare(y.cidr)),
  };
}

export interface ComparableState {
  index: number;
  name: string;
  kind: string | undefined;
  mac: string | undefined;
  mtu: number | undefined;
  minMtu: number | undefined;
  maxMtu: number | undefined;
  txQueueLen: number | undefined;
  alias: string | undefined;
  altNames: string[];
  flags: string[];
  adminUp: boolean;
  running: boolean;
  operstate: string;
  carrier: boolean | undefined;
  carrierChanges: number | undefined;
  carrierUpCount: number | undefined;
  carrierDownCount: number | undefined;
  master: string | undefined;
  bridgeId: string | undefined;
  addresses: Array<{ cidr: string; scope: number; tentative: boolean; nodad: boolean; dadfailed: boolean }>;
}

/** nslab's LinkState reduced to what oracleState can read independently. */
export function comparableState(s: LinkState): ComparableState {
  return {
    index: s.index,
    name: s.name,
    kind: s.kind,
    mac: s.mac,
    mtu: s.mtu,
    minMtu: s.minMtu,
    maxMtu: s.maxMtu,
    txQueueLen: s.txQueueLen,
    alias: s.alias,
    altNames: s.altNames,
    flags: [...s.flags].sort(),
    adminUp: s.adminUp,
    running: s.running,
    operstate: s.operstate,
    // sysfs refuses to read carrier on a device that is down.
    carrier: s.adminUp ? s.carrier : undefined,
    carrierChanges: s.carrierChanges,
    carrierUpCount: s.carrierUpCount,
    carrierDownCount: s.carrierDownCount,
    master: s.master?.name,
    bridgeId: s.bridgeId,
    addresses: s.addresses
      .map((a) => ({
        cidr: a.cidr,
        scope: a.scope,
        tentative: a.tentative,
        nodad: a.flags.includes('nodad'),
        dadfailed: a.dadfailed,
      }))
      .sort((x, y) => x.cidr.localeCompare(y.cidr)),
  };
}

/**
 * A file under /proc/sys as a program in the namespace pinned at pinPath reads it: `cat`, entered
 * with `nsenter --net`, so neither nslab's switch nor its reader is involved. Trimmed.
 */
export const procSysIn = (pinPath: string, path: string): string =>
  execFileSync('nsenter', [`--net=${pinPath}`, '--', 'cat', `/proc/sys/${path}`], { encoding: 'utf8' }).trim();

/** One route as `ip -json route show` prints it (fields iproute2 leaves out take their defaults). */
export interface IpRoute {
  type?: string;
  /** "default", a prefix, or a bare address for a host route (/32, /128). */
  dst: string;
  gateway?: string;
  dev?: string;
  table?: string;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  metric?: number;
  metrics?: Array<{ mtu?: number }>;
  nexthops?: Array<{ gateway?: string; dev?: string; weight: number }>;
}

/**
 * `ip -json -4|-6 route show table TABLE` ("main" as `ip route show`, or "all"). A table the
 * kernel has not created yet holds no routes, which iproute2 reports as an error.
 */
export async function ipRoutes(ns: Runner, family: 4 | 6, table: string | number = 'main'): Promise<IpRoute[]> {
  const r = await ns.exec('ip', ['-json', `-${family}`, 'route', 'show', 'table', String(table)], { reject: false });
  if (r.exitCode !== 0 && /FIB table does not exist/.test(String(r.stderr))) return [];
  if (r.exitCode !== 0) throw new Error(`ip route show failed: ${String(r.stderr)}`);
  return parseIpJson<IpRoute[]>(r.stdout);
}

/** `ip -json route get DST ...ARGS`: iproute2's own lookup, or the kernel's refusal (its stderr) when there is no route. */
export async function ipRouteGet(ns: Runner, dst: string, args: string[] = []): Promise<Record<string, unknown>> {
  const r = await ns.exec('ip', ['-json', 'route', 'get', dst, ...args], { reject: false });
  if (r.exitCode !== 0) return { refused: String(r.stderr).trim() };
  return (JSON.parse(String(r.stdout)) as Array<Record<string, unknown>>)[0]!;
}

const TABLE_NAMES = new Set(['main', 'local', 'default']);

const tableOf = (t: string): string | number => (TABLE_NAMES.has(t) ? t : Number(t));

/**
 * An iproute2 route in the shape of nslab's Route (src/netns/route-view.ts), so tests compare
 * the two whole: iproute2 leaves out what has its default (type unicast, protocol boot, scope
 * global; the table when it is main or the one listed) and prints host routes without their
 * prefix length. listed: the table the routes were listed from ("all" for every table).
 */
export function comparableRoute(r: IpRoute, family: 4 | 6, listed: string | number = 'main'): Record<string, unknown> {
  const dst = r.dst === 'default' || r.dst.includes('/') ? r.dst : `${r.dst}/${family === 4 ? 32 : 128}`;
  const table = tableOf(r.table ?? (listed === 'all' ? 'main' : String(listed)));
  const view: Record<string, unknown> = {
    family,
    dst,
    type: r.type ?? 'unicast',
    table,
    protocol: r.protocol ?? 'boot',
    scope: r.scope ?? 'global',
    via: r.gateway,
    dev: r.dev,
    src: r.prefsrc,
    metric: r.metric,
    mtu: r.metrics?.find((m) => m.mtu !== undefined)?.mtu,
    nexthops: r.nexthops?.map((h) =>
      Object.fromEntries(
        Object.entries({ via: h.gateway, dev: h.dev, weight: h.weight }).filter(([, v]) => v !== undefined),
      ),
    ),
  };
  return Object.fromEntries(Object.entries(view).filter(([, v]) => v !== undefined));
}

/** Every route of the namespace, both families, of one table or all, as comparableRoute shapes them. */
export async function oracleRoutes(
  ns: Runner,
  table: string | number = 'main',
): Promise<Array<Record<string, unknown>>> {
  const v4 = (await ipRoutes(ns, 4, table)).map((r) => comparableRoute(r, 4, table));
  const v6 = (await ipRoutes(ns, 6, table)).map((r) => comparableRoute(r, 6, table));
  return [...v4, ...v6];
}

/** One entry of `ip -json neigh show`: flags iproute2 prints as keys with a null value ("router": null). */
export interface IpNeigh {
  dst: string;
  /** Absent when the listing was of one device (`dev NAME`). */
  dev?: string;
  lladdr?: string;
  /** NUD state names in upper case, ["PERMANENT"]; absent for NUD_NONE. */
  state?: string[];
  router?: null;
  proxy?: null;
}

/** `ip -json neigh show [ARGS] nud all`: the entries of both families, whatever their state (iproute2 hides noarp ones otherwise). */
export const ipNeighs = (ns: Runner, args: string[] = []): Promise<IpNeigh[]> =>
  ipJson(ns, ['neigh', 'show', ...args, 'nud', 'all']);

/** `ip -json neigh show proxy [ARGS]`: the proxy entries. */
export const ipNeighProxies = (ns: Runner, args: string[] = []): Promise<IpNeigh[]> =>
  ipJson(ns, ['neigh', 'show', 'proxy', ...args]);

/** One rule of `ip -json rule show`: flags iproute2 prints as keys with a null value ("nop": null). */
export interface IpRule {
  priority: number;
  /** "all", or the address of the source prefix. */
  src: string;
  /** Absent for a host prefix. */
  srclen?: number;
  dst?: string;
  dstlen?: number;
  /** In hex: "0x10". */
  fwmark?: string;
  /** In hex; absent when every bit is compared. */
  fwmask?: string;
  iif?: string;
  oif?: string;
  /** "main", "local", "default", or the id in decimal. */
  table?: string;
  goto?: number;
  nop?: null;
  /** blackhole, unreachable, prohibit. */
  action?: string;
}

/** `ip [-6] -json rule show`: the rules of one family, the kernel's own ones too. */
export const ipRules = (ns: Runner, family: 4 | 6): Promise<IpRule[]> =>
  ipJson(ns, [family === 6 ? '-6' : '-4', 'rule', 'show']);

/**
 * nslab's reading and the oracle's of state that moves on its own (DAD ends, the kernel adds its
 * own routes, counters tick): nslab reads before and after the oracle, and a round in which both
 * of nslab's reads agree saw a still state, which the oracle then read too. At most 5 rounds; the
 * last one is returned either way, for the caller's comparison to fail on.
 */
export async function readWhileStill<T, U>(
  mine: () => Promise<T>,
  oracle: () => Promise<U>,
): Promise<{ mine: T; oracle: U }> {
  for (let attempt = 1; ; attempt++) {
    const before = await mine();
    const theirs = await oracle();
    const after = await mine();
    if (JSON.stringify(before) === JSON.stringify(after) || attempt === 5) return { mine: after, oracle: theirs };
  }
}

async function bridgeJson<T>(ns: Runner, args: string[]): Promise<T> {
  return parseIpJson<T>((await ns.exec('bridge', ['-json', ...args])).stdout);
}

/** One device of `bridge -json vlan show`: its VLANs, one entry a VLAN (or a range, with vlanEnd). */
export interface BridgeVlanShow {
  ifname: string;
  vlans: Array<{ vlan: number; vlanEnd?: number; flags?: string[] }>;
}

/** `bridge -json vlan show`: the VLANs of every bridge port and bridge of the namespace. */
export const bridgeVlans = (ns: Runner): Promise<BridgeVlanShow[]> => bridgeJson(ns, ['vlan', 'show']);

/** `bridge vlan show` in the shape of nslab's BridgeVlan list: one entry a VLAN, iproute2's flag words read back. */
export async function oracleVlans(
  ns: Runner,
  devices: readonly string[],
): Promise<Array<{ port: string; vid: number; pvid: boolean; untagged: boolean }>> {
  return (await bridgeVlans(ns))
    .filter((d) => devices.includes(d.ifname))
    .flatMap((d) =>
      d.vlans.flatMap((v) =>
        Array.from({ length: (v.vlanEnd ?? v.vlan) - v.vlan + 1 }, (_, i) => ({
          port: d.ifname,
          vid: v.vlan + i,
          pvid: v.flags?.includes('PVID') === true,
          untagged: v.flags?.includes('Egress Untagged') === true,
        })),
      ),
    );
}

/** One entry of `bridge -json fdb show`: flags iproute2 prints as words ("self", "extern_learn"). */
export interface BridgeFdbShow {
  mac: string;
  ifname: string;
  flags: string[];
  /** The bridge whose database holds it; absent for a device's own address list (self). */
  master?: string;
  vlan?: number;
  /** "permanent", "static", or absent (or "stale") for a dynamic entry. */
  state?: string;
}

/** `bridge -json fdb show br BRIDGE`: the bridge's database and its devices' address lists. */
export const bridgeFdb = (ns: Runner, bridge: string): Promise<BridgeFdbShow[]> =>
  bridgeJson(ns, ['fdb', 'show', 'br', bridge]);

/** The bridge's own database as iproute2 lists it, in the shape of nslab's FdbEntry (without index), sorted. */
export async function oracleFdb(
  ns: Runner,
  bridge: string,
): Promise<Array<{ mac: string; port: string; vlan: number | undefined; state: string }>> {
  return (await bridgeFdb(ns, bridge))
    .filter((e) => e.master === bridge)
    .map((e) => ({
      mac: e.mac,
      port: e.ifname,
      vlan: e.vlan,
      state: e.state === 'permanent' || e.state === 'static' ? e.state : 'dynamic',
    }))
    .sort((a, b) => `${a.port} ${a.mac} ${a.vlan}`.localeCompare(`${b.port} ${b.mac} ${b.vlan}`));
}

/** One port of `bridge -json link show`. */
export interface BridgeLinkShow {
  ifname: string;
  master?: string;
  /** The STP state: "forwarding", "disabled", ... */
  state?: string;
}

/** `bridge -json link show`: the bridge ports of the namespace, with their STP state. */
export const bridgeLinks = (ns: Runner): Promise<BridgeLinkShow[]> => bridgeJson(ns, ['link', 'show']);
