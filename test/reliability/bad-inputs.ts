// The bad-input table: across the public API, what nslab must refuse, with which typed error
// and which words, and proof that nothing was left behind — the devices, addresses, neighbours
// and rules of the namespaces (as iproute2 lists them), the holder processes, the namespaces and
// pins this process holds. The per-feature tests (test/integration/errors.test.ts, test/assert/input.test.ts,
// test/integration/permissions.test.ts) go deeper; this is the harness's one-table summary, with
// the races and the notification flood that need a second process or a blocked event loop.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  adoptNetns,
  AlreadyEnslavedError,
  type Bond,
  type BondMode,
  Bridge,
  createNetns,
  DeviceNotFoundError,
  formatBridgeId,
  InvalidAddressError,
  InvalidArgumentError,
  InvalidMacError,
  InvalidNameError,
  kernelSupports,
  MtuOutOfRangeError,
  NamespaceDestroyedError,
  NameTakenError,
  NetlinkError,
  NotABridgeError,
  NotABridgePortError,
  NslabError,
  parseBridgeId,
  PermissionError,
  SysctlNotFoundError,
  UnsupportedFeatureError,
  SysError,
  UnsupportedKindError,
  type Link,
  type Netns,
  type RuleSpec,
  type Tap,
} from '../../src/index.ts';
import { expect, pollUntil, until } from '../../src/vitest.ts';
import { NODE, startFixture } from '../helpers/fixture.ts';
import {
  bridgeVlans,
  ipAddrLinks,
  ipLink,
  ipLinks,
  ipNeighProxies,
  ipNeighs,
  ipRoutes,
  ipRules,
  oracleFdb,
} from '../helpers/oracle.ts';
import { noBridgeVlans } from '../helpers/bridged.ts';
import { heldNetnsDescriptors, procStat } from '../helpers/proc.ts';
import { cmdline } from './census.ts';
import { HOLDER_NAME } from '../../src/devices/holder.ts';
import { here } from './runner.ts';

/** What each row works on: a namespace with a bridge, a tap held by a holder process on it, a veth pair and an address; a second namespace; a destroyed one. The snapshot also holds each namespace's routes of table main. */
export interface World {
  ns: Netns;
  other: Netns;
  br: Bridge;
  tap: Tap;
  veth: Link;
  gone: Netns;
  goneBridge: Bridge;
}

export async function makeWorld(): Promise<World> {
  const ns = await createNetns({ label: 'bad-inputs' });
  const other = await createNetns({ label: 'bad-inputs-other' });
  const br = await ns.addBridge('br0', { mac: '52:54:00:00:00:01' });
  const tap = await ns.addTap('tap0', { owner: 'holder' });
  await tap.attachTo(br);
  const [veth] = await ns.addVeth('v0', { peerName: 'v1' });
  await br.addAddress('192.0.2.1/24');
  const gone = await createNetns({ label: 'gone' });
  const goneBridge = await gone.addBridge('br-gone');
  await gone.destroy();
  return { ns, other, br, tap, veth: veth!, gone, goneBridge };
}

export async function destroyWorld(w: World): Promise<void> {
  await w.ns.destroy();
  await w.other.destroy();
}

/** Live holder processes of this process (by their command line, from /proc). */
function holders(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => {
      const p = procStat(pid);
      return p?.ppid === process.pid && p.state !== 'Z' && cmdline(pid).includes(HOLDER_NAME);
    });
}

/** Everything a refused call could have left behind, read independently of nslab. */
export async function snapshot(w: World): Promise<unknown> {
  const side = async (ns: Netns): Promise<unknown> => {
    const addrs = (await ipAddrLinks(ns)).map((l) => ({
      dev: l.ifname,
      addrs: l.addr_info.map((a) => `${a.local}/${a.prefixlen}`).sort(),
    }));
    const links = (await ipLinks(ns)).map((l) => ({
      name: l.ifname,
      kind: l.linkinfo?.info_kind,
      master: l.master,
      up: l.flags.includes('UP'),
      mac: l.address,
    }));
    // Table main only: the local table gains routes by itself as DAD ends on a device that is up.
    const routes = [...(await ipRoutes(ns, 4)), ...(await ipRoutes(ns, 6))].map(
      (r) =>
        `${r.type ?? 'unicast'} ${r.dst} via ${r.gateway ?? '-'} dev ${r.dev ?? '-'} nexthops ${JSON.stringify(r.nexthops ?? [])}`,
    );
    // Multicast entries (ff02::16 for MLD reports, 224.0.0.0/4) are the kernel's own, made as an
    // IPv6 device joins its groups while a row runs: no row makes or could leave them.
    const multicast = (dst: string): boolean => /^ff/i.test(dst) || /^2(2[4-9]|3\d)\./.test(dst);
    const neighbours = [...(await ipNeighs(ns)), ...(await ipNeighProxies(ns))].filter((n) => !multicast(n.dst));
    const rules = [...(await ipRules(ns, 4)), ...(await ipRules(ns, 6))];
    // Only the world's bridge has a database: its entries (the kernel's own are permanent ones of
    // its ports' MACs), and the VLANs of every port and bridge.
    const fdb = ns === w.ns ? await oracleFdb(ns, 'br0') : [];
    return { links, addrs, routes, neighbours, rules, fdb, vlans: await bridgeVlans(ns) };
  };
  return { ns: await side(w.ns), other: await side(w.other), holders: holders(), namespaces: heldNetnsDescriptors() };
}

type ErrorClass = abstract new (...args: never[]) => Error;

export interface Expected {
  error: ErrorClass;
  message: RegExp;
  fields?: Record<string, unknown>;
}

export interface BadInput {
  area: string;
  input: string;
  attempt: (w: World) => Promise<unknown>;
  /** The typed refusal; 'checks' when the attempt asserts its own outcome (races, floods). */
  expected: Expected | 'checks';
  /** A bug found by this row and not fixed yet (the row is expected to fail until it is; see docs/reliability.md). */
  knownBug?: string;
  /** Why this row cannot run here (e.g. the kernel has the kind whose absence it tests). */
  skip?: (w: World) => Promise<string | undefined>;
  /** What the row needs in place before the state is recorded (a device up, an address), beyond the world's. */
  arrange?: (w: World) => Promise<void>;
}

/** The error an attempt ended with (a row whose attempt resolves has no error to check). */
export async function outcomeOf(fn: () => Promise<unknown>): Promise<Error | 'resolved'> {
  try {
    await fn();
    return 'resolved';
  } catch (error) {
    return error as Error;
  }
}

/** Failures of the typed-error expectation, in words (empty when it holds). */
export function checkError(outcome: Error | 'resolved', expected: Expected): string[] {
  if (outcome === 'resolved') return [`resolved; expected ${expected.error.name}`];
  const problems: string[] = [];
  const e: Error = outcome;
  if (!(outcome instanceof expected.error))
    problems.push(`${e.name} ("${e.message}"); expected ${expected.error.name}`);
  if (!expected.message.test(outcome.message))
    problems.push(`message "${outcome.message}" does not match ${expected.message}`);
  for (const [k, v] of Object.entries(expected.fields ?? {})) {
    const actual = (outcome as unknown as Record<string, unknown>)[k];
    if (JSON.stringify(actual) !== JSON.stringify(v))
      problems.push(`${k} is ${JSON.stringify(actual)}, expected ${JSON.stringify(v)}`);
  }
  return problems;
}

const nameRow = (
  input: string,
  name: unknown,
  attempt: (w: World, name: string) => Promise<unknown>,
  why: RegExp,
): BadInput => ({
  area: 'device name',
  input,
  attempt: (w) => attempt(w, name as string),
  expected: {
    error: InvalidNameError,
    message: new RegExp(`^invalid device name .*: ${why.source}`),
    fields: { value: name },
  },
});
const macRow = (
  input: string,
  mac: string,
  attempt: (w: World, mac: string) => Promise<unknown>,
  why: RegExp,
): BadInput => ({
  area: 'MAC',
  input,
  attempt: (w) => attempt(w, mac),
  expected: { error: InvalidMacError, message: why, fields: { value: mac } },
});
const cidrRow = (input: string, cidr: string, remove = false): BadInput => ({
  area: 'CIDR',
  input,
  attempt: (w) => (remove ? w.br.removeAddress(cidr) : w.br.addAddress(cidr)),
  expected: {
    error: InvalidAddressError,
    message: /like 192\.0\.2\.1\/24 or 2001:db8::1\/64/,
    fields: { value: cidr },
  },
});
/** A sysctl key that must be refused before any file under /proc/sys is opened. */
const sysctlKeyRow = (input: string, key: string | string[], why: RegExp): BadInput => ({
  area: 'sysctl',
  input: `sysctl.set() of ${input}`,
  attempt: (w) => w.ns.sysctl.set(key, 1),
  expected: {
    error: InvalidArgumentError,
    message: new RegExp(`^invalid sysctl key .*: ${why.source}`),
    fields: { value: key },
  },
});
const neighRow = (input: string, spec: Record<string, unknown>, error: ErrorClass, message: RegExp): BadInput => ({
  area: 'neighbour',
  input,
  attempt: (w) => w.ns.neigh.add({ dev: w.veth, to: '192.0.2.2', lladdr: '52:54:00:00:00:02', ...spec } as never),
  expected: { error, message },
});
const ruleRow = (input: string, spec: RuleSpec, error: ErrorClass, message: RegExp): BadInput => ({
  area: 'rule',
  input,
  attempt: (w) => w.ns.rule.add(spec),
  expected: { error, message },
});
const bridgeRow = (
  area: string,
  input: string,
  attempt: (w: World) => Promise<unknown>,
  error: ErrorClass,
  message: RegExp,
): BadInput => ({ area: `bridge ${area}`, input, attempt, expected: { error, message } });
const VID_RANGE = /^vlan\.add: a VLAN id is an integer from 1 to 4094 \(802\.1Q reserves 0 and 4095\), received /;
const TABLE_RANGE =
  /^rule\.add: table must be "main", "local", "default" or an integer from 1 to 4294967295, received /;
const BRIDGE_ID_WORDS = /^invalid bridge ID .*: write it as the kernel does, priority\.mac, like "8000\.525400000001"/;

/** The privileged-ops fixture run once without CAP_NET_ADMIN; each privilege row reads its part. */
let unprivileged: Promise<Record<string, unknown>> | undefined;
function withoutNetAdmin(): Promise<Record<string, unknown>> {
  unprivileged ??= startFixture<Record<string, unknown>>('privileged-ops.ts', [], {
    wrapper: ['setpriv', '--inh-caps=-net_admin', '--bounding-set=-net_admin', '--'],
  }).then(async ({ report, exited }) => {
    await exited;
    return report;
  });
  return unprivileged;
}
const privilegeRow = (op: string, what: string): BadInput => ({
  area: 'privilege',
  input: `${what} without CAP_NET_ADMIN (setpriv)`,
  attempt: async () => {
    const r = await withoutNetAdmin();
    if (JSON.stringify(r.links) !== '["lo"]')
      throw new Error(`the unprivileged process's namespace was left with ${JSON.stringify(r.links)}`);
    const o = r[op] as { name: string; message: string; capability?: string } | 'ok';
    if (o === 'ok') return;
    // Rebuilt from the child's report: same class, message and field.
    throw Object.assign(new PermissionError(o.capability as 'CAP_NET_ADMIN', 'x'), {
      message: o.message,
      name: o.name,
    });
  },
  expected: {
    error: PermissionError,
    message: /needs CAP_NET_ADMIN, which this process does not have/,
    fields: { capability: 'CAP_NET_ADMIN' },
  },
});

/** Names already used in w.ns, by iproute2. */
const linkNames = async (ns: Netns): Promise<string[]> => (await ipLinks(ns)).map((l) => l.ifname);

/** Two processes add a tap of the same name at the same instant, rounds times: one wins, the other gets a typed refusal. */
async function sameTapFromTwoProcesses(w: World, rounds: number): Promise<string> {
  const seen = new Map<string, number>();
  const path = `/proc/${process.pid}/fd/${w.ns.fd}`;
  for (let i = 0; i < rounds; i++) {
    const name = `race${i}`;
    // Spread the start instants over ±1 ms around each other, to cross the window between the name check and TUNSETIFF.
    const at = performance.timeOrigin + performance.now() + 400;
    const skew = ((i % 5) - 2) * 0.5;
    const racer = startRacer(path, name, at + skew);
    while (performance.timeOrigin + performance.now() < at);
    const mine = await outcomeOf(() => w.ns.addTap(name, { owner: 'none' }));
    const theirs = await racer;
    const outcomes = [mine === 'resolved' ? 'ok' : mine, theirs];
    for (const o of outcomes)
      seen.set(
        o === 'ok' ? 'ok' : String((o as Error).name),
        (seen.get(o === 'ok' ? 'ok' : String((o as Error).name)) ?? 0) + 1,
      );
    const wins = outcomes.filter((o) => o === 'ok').length;
    const untyped = outcomes.filter(
      (o) => o !== 'ok' && !(o instanceof NslabError || (o as { nslab?: boolean }).nslab),
    );
    const taps = (await linkNames(w.ns)).filter((n) => n === name).length;
    if (wins !== 1 || untyped.length || taps !== 1) {
      throw new Error(
        `round ${i}: ${wins} winners, untyped errors ${JSON.stringify(untyped.map((e) => String((e as Error).message ?? e)))}, ${taps} devices named ${name}`,
      );
    }
    await (await w.ns.link(name)).delete();
  }
  return `outcomes: ${[...seen].map(([k, v]) => `${k} ×${v}`).join(', ')}`;
}

function startRacer(path: string, name: string, at: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(NODE, [here('racer.ts'), path, name, String(at)], (error, stdout, stderr) => {
      if (error) reject(new Error(`racer failed: ${stderr}`));
      else resolve(JSON.parse(stdout.split('\n')[0]!) as unknown);
    });
  });
}

export const BAD_INPUTS: BadInput[] = [
  nameRow('addBridge("")', '', (w, n) => w.ns.addBridge(n), /it is empty/),
  nameRow('addTap of a 16-byte name', 'abcdefghijklmnop', (w, n) => w.ns.addTap(n), /it is 16 bytes long/),
  nameRow('addVeth("a/b")', 'a/b', (w, n) => w.ns.addVeth(n, { peerName: 'ok' }), /"\/" is not allowed/),
  nameRow('link("a b")', 'a b', (w, n) => w.ns.link(n), /whitespace is not allowed/),
  nameRow('addBridge("..")', '..', (w, n) => w.ns.addBridge(n), /"\." and "\.\." are reserved/),
  nameRow('addTap("eth0:0", holder)', 'eth0:0', (w, n) => w.ns.addTap(n, { owner: 'holder' }), /":" is not allowed/),
  nameRow('addBridge(7)', 7, (w, n) => w.ns.addBridge(n), /a name must be a string/),
  nameRow(
    'addVeth peer "x%d" in another namespace',
    'x%d',
    (w, n) => w.ns.addVeth('ok', { peerName: n, peerNs: w.other }),
    /"%" is not allowed/,
  ),
  nameRow(
    'addBridge("br\\0x"), a NUL byte',
    'br\0x',
    (w, n) => w.ns.addBridge(n),
    /a NUL byte is not allowed \(.*end the name at "br"\)/,
  ),
  nameRow(
    'addVeth peer "v\\0" in another namespace',
    'v\0',
    (w, n) => w.ns.addVeth('ok', { peerName: n, peerNs: w.other }),
    /a NUL byte/,
  ),
  {
    area: 'device index',
    input: 'link(1.5), which a Buffer write would truncate to the loopback',
    attempt: (w) => w.ns.link(1.5),
    expected: {
      error: InvalidArgumentError,
      message: /^invalid device index 1\.5: an index is an integer from 1/,
      fields: { value: 1.5 },
    },
  },
  {
    area: 'device index',
    input: 'link(NaN)',
    attempt: (w) => w.ns.link(Number.NaN),
    expected: { error: InvalidArgumentError, message: /^invalid device index NaN/ },
  },
  {
    area: 'port',
    input: 'tryBind with port NaN, which would be written as 0 (any port)',
    attempt: async (w) => w.ns.tryBind('192.0.2.1', { port: Number.NaN }),
    expected: {
      error: InvalidArgumentError,
      message: /^tryBind: port must be an integer from 0 to 65535, received NaN/,
    },
  },
  {
    area: 'wait',
    input: 'until() with a NaN timeout, whose deadline no clock reaches',
    attempt: (w) =>
      until(
        w.ns,
        () => 0,
        () => false,
        Number.NaN,
      ),
    expected: {
      error: TypeError,
      message: /^pollUntil: timeout must be a finite number of milliseconds >= 0, received NaN/,
    },
  },
  {
    area: 'wait',
    input: 'pollUntil with an Infinity timeout',
    attempt: () =>
      pollUntil(
        () => 0,
        () => false,
        { timeout: Number.POSITIVE_INFINITY },
      ),
    expected: {
      error: TypeError,
      message: /^pollUntil: timeout must be a finite number of milliseconds >= 0, received Infinity/,
    },
  },
  {
    area: 'adopt',
    input: 'adoptNetns({ path }) of a FIFO, whose open() would block the main thread',
    attempt: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'nslab-fifo-'));
      try {
        execFileSync('mkfifo', [join(dir, 'fifo')]);
        return await adoptNetns({ path: join(dir, 'fifo') });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    expected: {
      error: InvalidArgumentError,
      message: /fifo is a FIFO, not a network namespace: pass \/proc\/PID\/ns\/net or a pin/,
    },
  },
  {
    area: 'adopt',
    input: 'adoptNetns({ path: "/proc/self/ns/uts" }), another namespace type',
    attempt: () => adoptNetns({ path: '/proc/self/ns/uts' }),
    expected: {
      error: InvalidArgumentError,
      message: /^\/proc\/self\/ns\/uts is a uts namespace, not a network namespace/,
      fields: { value: '/proc/self/ns/uts' },
    },
  },
  {
    area: 'adopt',
    input: 'adoptNetns({ pid: NaN })',
    attempt: () => adoptNetns({ pid: Number.NaN }),
    expected: {
      error: InvalidArgumentError,
      message: /^adoptNetns: pid must be a process id \(an integer from 1\), received NaN/,
    },
  },
  macRow(
    'addBridge with a five-octet MAC',
    '52:54:00:00:00',
    (w, mac) => w.ns.addBridge('br1', { mac }),
    /six hex octets/,
  ),
  macRow('addTap with a multicast MAC', '01:00:5e:00:00:01', (w, mac) => w.ns.addTap('tap1', { mac }), /multicast/),
  macRow('setMac to all zeros', '00:00:00:00:00:00', (w, mac) => w.br.setMac(mac), /all-zero/),
  macRow(
    'addVeth with peerMac "zz:…"',
    'zz:54:00:00:00:01',
    (w, mac) => w.ns.addVeth('v2', { peerName: 'v3', peerMac: mac }),
    /six hex octets/,
  ),
  neighRow(
    'neigh.add with state "up", a NUD state that does not exist',
    { state: 'up' },
    InvalidArgumentError,
    /^neigh\.add: the neighbour state must be one of "none", "incomplete", .*"permanent", received "up"$/,
  ),
  neighRow('neigh.add to "192.0.2.2/32", a prefix', { to: '192.0.2.2/32' }, InvalidAddressError, /^invalid IP address/),
  neighRow(
    'neigh.add of a proxy entry with an lladdr',
    { proxy: true },
    InvalidArgumentError,
    /^neigh\.add: a proxy entry has no lladdr, state or router flag/,
  ),
  neighRow('neigh.add with lladdr "52:54:00"', { lladdr: '52:54:00' }, InvalidMacError, /six hex octets/),
  {
    area: 'neighbour',
    input: "neigh.add on a device of another namespace (the other namespace's veth)",
    attempt: async (w) => {
      const [foreign] = await w.other.addVeth('ov0', { peerName: 'ov1' });
      try {
        return await w.ns.neigh.add({ dev: foreign!, to: '192.0.2.2', lladdr: '52:54:00:00:00:02' });
      } finally {
        await foreign!.delete();
      }
    },
    expected: {
      error: InvalidArgumentError,
      message: /is not in namespace bad-inputs: pass a device of this namespace/,
    },
  },
  ruleRow(
    'rule.add from an IPv4 prefix to an IPv6 one',
    { from: '192.0.2.0/24', to: '2001:db8::/32', table: 100 },
    InvalidArgumentError,
    /^rule\.add: from 192\.0\.2\.0\/24 and to 2001:db8::\/32 are prefixes of mixed families/,
  ),
  ruleRow('rule.add with table 0 (RT_TABLE_UNSPEC)', { family: 4, table: 0 }, InvalidArgumentError, TABLE_RANGE),
  ruleRow('rule.add with table 2^32', { family: 6, table: 2 ** 32 }, InvalidArgumentError, TABLE_RANGE),
  ruleRow('rule.add with table "Main"', { family: 4, table: 'Main' as 'main' }, InvalidArgumentError, TABLE_RANGE),
  ruleRow(
    'rule.add with neither a prefix nor a family',
    { priority: 100, table: 100 },
    InvalidArgumentError,
    /^rule\.add: say which family the rule is for/,
  ),
  cidrRow('addAddress without a prefix length', '192.0.2.1'),
  cidrRow('addAddress with /33', '192.0.2.1/33'),
  cidrRow('addAddress with /129', '2001:db8::1/129'),
  cidrRow('addAddress with an octet of 300', '192.0.2.300/24'),
  cidrRow('removeAddress("not-an-address/24")', 'not-an-address/24', true),
  {
    area: 'bridge ID',
    input: 'parseBridgeId("8000-525400000001")',
    attempt: async () => parseBridgeId('8000-525400000001'),
    expected: { error: InvalidArgumentError, message: BRIDGE_ID_WORDS },
  },
  {
    area: 'bridge ID',
    input: 'parseBridgeId({ priority: 0x10000, mac })',
    attempt: async () => parseBridgeId({ priority: 0x10000, mac: '52:54:00:00:00:01' }),
    expected: { error: InvalidArgumentError, message: BRIDGE_ID_WORDS },
  },
  {
    area: 'bridge ID',
    input: 'formatBridgeId({ priority: 0x10000, mac })',
    attempt: async () => formatBridgeId({ priority: 0x10000, mac: '52:54:00:00:00:01' }),
    expected: { error: InvalidArgumentError, message: BRIDGE_ID_WORDS },
  },
  {
    area: 'bridge ID',
    input: 'toHaveBridgeId("525400000001")',
    attempt: (w) => expect(w.br).toHaveBridgeId('525400000001'),
    expected: { error: InvalidArgumentError, message: BRIDGE_ID_WORDS },
  },
  {
    area: 'operstate',
    input: 'toHaveOperstate("UP")',
    attempt: (w) => expect(w.tap).toHaveOperstate('UP' as 'up'),
    expected: {
      error: TypeError,
      message:
        /unknown operstate "UP"; the kernel reports one of unknown, notpresent, down, lowerlayerdown, testing, dormant, up/,
    },
  },
  {
    area: 'flags',
    input: 'toHaveFlags(["FOO"])',
    attempt: (w) => expect(w.tap).toHaveFlags(['FOO']),
    expected: {
      error: TypeError,
      message: /^toHaveFlags: expected a non-empty array of flag names among UP, .*unknown: /,
    },
  },
  {
    area: 'handle kind',
    input: 'tap.attachTo(a veth)',
    attempt: (w) => w.tap.attachTo(w.veth),
    expected: {
      error: NotABridgeError,
      message: /"v0" is a veth, not a bridge: only bridges take ports/,
      fields: { kind: 'veth' },
    },
  },
  {
    area: 'handle kind',
    input: 'a bridge attached to a bridge',
    attempt: async (w) => {
      const inner = await w.ns.addBridge('br1');
      try {
        await inner.attachTo(w.br);
      } finally {
        await inner.delete();
      }
    },
    expected: {
      error: NetlinkError,
      message: /^link set br1 master .*failed: ELOOP: Can not enslave a bridge to a bridge/,
      fields: { code: 'ELOOP' },
    },
  },
  {
    area: 'handle kind',
    input: 'expect(namespace).toHaveCarrier()',
    attempt: (w) => expect(w.ns).toHaveCarrier(),
    expected: { error: TypeError, message: /^toHaveCarrier: expected a device handle from nslab/ },
  },
  {
    area: 'handle kind',
    input: 'toBeAttachedTo("br0"), a name instead of a handle',
    attempt: (w) => expect(w.tap).toBeAttachedTo('br0' as unknown as Link),
    expected: { error: TypeError, message: /^toBeAttachedTo \(the bridge\): expected a device handle from nslab/ },
  },
  {
    area: 'handle kind',
    input: 'attachTo a bridge of another namespace',
    attempt: async (w) => {
      const there = await w.other.addBridge('br-other');
      try {
        await w.tap.attachTo(there);
      } finally {
        await there.delete();
      }
    },
    expected: { error: NslabError, message: /namespace/ },
  },
  {
    area: 'handle kind',
    input: 'addVeth with peerNs a device handle, not a namespace',
    attempt: (w) => w.ns.addVeth('v2', { peerName: 'v3', peerNs: w.tap as unknown as Netns }),
    expected: { error: InvalidArgumentError, message: /peerNs/ },
  },
  {
    area: 'destroyed namespace',
    input: 'addBridge in a destroyed namespace',
    attempt: (w) => w.gone.addBridge('br1'),
    expected: { error: NamespaceDestroyedError, message: /namespace gone was already destroyed; create a new one/ },
  },
  {
    area: 'destroyed namespace',
    input: 'up() on a bridge of a destroyed namespace',
    attempt: (w) => w.goneBridge.up(),
    expected: { error: NamespaceDestroyedError, message: /namespace gone was already destroyed/ },
  },
  {
    area: 'destroyed namespace',
    input: 'exec() in a destroyed namespace',
    attempt: (w) => w.gone.exec('true'),
    expected: { error: NamespaceDestroyedError, message: /namespace gone was already destroyed/ },
  },
  {
    area: 'deleted device',
    input: 'state() of a deleted device',
    attempt: async (w) => {
      const br = await w.ns.addBridge('br-del');
      await br.delete();
      return br.state();
    },
    expected: { error: DeviceNotFoundError, message: /no device named "br-del" in this namespace/ },
  },
  {
    area: 'kind',
    input: 'addDummy on a kernel without CONFIG_DUMMY',
    attempt: (w) => w.ns.addDummy('d0'),
    expected: {
      error: UnsupportedKindError,
      message: /cannot create "dummy" devices .*CONFIG_DUMMY/,
      fields: { kind: 'dummy', kernelOption: 'CONFIG_DUMMY' },
    },
    skip: async () => {
      const probe = await createNetns();
      try {
        const made = await probe.addDummy('probe').then(
          () => true,
          () => false,
        );
        return made ? 'this kernel has CONFIG_DUMMY: there is no refusal to check' : undefined;
      } finally {
        await probe.destroy();
      }
    },
  },
  {
    area: 'kind options',
    input: 'addVlan with id 0, which a tag reads as "no VLAN"',
    attempt: (w) => w.ns.addVlan('v0.0', { link: w.veth, id: 0 }),
    expected: {
      error: InvalidArgumentError,
      message: /^addVlan v0\.0: id must be a VLAN ID from 1 to 4094, received 0$/,
    },
  },
  {
    area: 'kind options',
    input: 'addVlan with id 4095, which 802.1Q reserves',
    attempt: (w) => w.ns.addVlan('v0.x', { link: w.veth, id: 4095 }),
    expected: { error: InvalidArgumentError, message: /id must be a VLAN ID from 1 to 4094, received 4095$/ },
  },
  {
    area: 'kind options',
    input: 'addMacvlan on a parent in another namespace (the kernel would look its index up in the wrong one)',
    attempt: (w) => w.other.addMacvlan('m0', { link: w.veth }),
    expected: {
      error: InvalidArgumentError,
      message: /^addMacvlan m0: the parent veth v0 .* is in another namespace .* move it with moveTo\(\)/,
    },
  },
  {
    area: 'kind options',
    input: 'addMacvlan on the loopback (the kernel says only EINVAL)',
    attempt: async (w) => w.ns.addMacvlan('m0', { link: await w.ns.loopback(), mode: 'bridge' }),
    expected: { error: InvalidArgumentError, message: /^addMacvlan m0: the parent .*lo .* is a loopback device/ },
  },
  {
    area: 'kind options',
    input: 'addBond with a mode that does not exist',
    attempt: (w) => w.ns.addBond('bond0', { mode: 'round-robin' as BondMode }),
    expected: {
      error: InvalidArgumentError,
      message: /^addBond bond0: mode must be one of "balance-rr", .*received "round-robin"$/,
    },
  },
  {
    area: 'kind options',
    input: 'addVxlan with neither remote nor group while it learns',
    attempt: (w) => w.ns.addVxlan('vx0', { vni: 42, local: '192.0.2.1' }),
    expected: { error: InvalidArgumentError, message: /^addVxlan vx0: a learning vxlan needs remote or group/ },
  },
  {
    area: 'kind options',
    input: 'Bond.enslave of the tap, which is already a port of br0',
    arrange: async (w) => {
      await w.ns.addBond('bond0');
    },
    attempt: async (w) => ((await w.ns.link('bond0')) as Bond).enslave(w.tap),
    expected: {
      error: AlreadyEnslavedError,
      message: /^cannot enslave tun tap0 .*: it is already a port of br0/,
      fields: { master: 'br0' },
    },
    skip: async () => ((await kernelSupports('bond')) ? undefined : 'this kernel has no bond devices (CONFIG_BONDING)'),
  },
  {
    area: 'name taken',
    input: 'addBridge("br0") again',
    attempt: (w) => w.ns.addBridge('br0'),
    expected: { error: NameTakenError, message: /"br0" already exists .*kind bridge/ },
  },
  {
    area: 'name taken',
    input: "addTap on the veth's name",
    attempt: (w) => w.ns.addTap('v0'),
    expected: { error: NameTakenError, message: /"v0" already exists .*kind veth/ },
  },
  {
    area: 'tap options',
    input: 'addTap owner "none" with persist false',
    attempt: (w) => w.ns.addTap('tap1', { owner: 'none', persist: false }),
    expected: { error: InvalidArgumentError, message: /owner "none" with persist false would vanish/ },
  },
  {
    area: 'tap options',
    input: 'addTap mode "TAP", which made a tun',
    attempt: (w) => w.ns.addTap('tap1', { mode: 'TAP' as 'tap' }),
    expected: {
      error: InvalidArgumentError,
      message: /^tap tap1: mode must be one of .*received "TAP"/,
      fields: { value: 'TAP' },
    },
  },
  {
    area: 'tap options',
    input: 'addTap owner "holdr", which made a tap nobody holds',
    attempt: (w) => w.ns.addTap('tap1', { owner: 'holdr' as 'holder' }),
    expected: {
      error: InvalidArgumentError,
      message: /^tap tap1: owner must be one of .*, received "holdr"/,
      fields: { value: 'holdr' },
    },
  },
  {
    area: 'route',
    input: 'route.add with an IPv6 gateway for an IPv4 destination',
    attempt: (w) => w.ns.route.add({ dst: '198.51.100.0/24', via: '2001:db8::fe' }),
    expected: {
      error: InvalidAddressError,
      message: /^route\.add: via 2001:db8::fe is IPv6 but dst is IPv4: a route's addresses must all be of one family$/,
    },
  },
  {
    area: 'route',
    input: 'route.add with next hops of mixed families',
    attempt: (w) =>
      w.ns.route.add({
        dst: 'default',
        nexthops: [
          { via: '192.0.2.10', dev: w.br },
          { via: '2001:db8::10', dev: w.br },
        ],
      }),
    expected: {
      error: InvalidAddressError,
      message: /nexthops\[1\]\.via 2001:db8::10 is IPv6 but nexthops\[0\]\.via is IPv4/,
    },
  },
  {
    area: 'route',
    input: 'route.add with a prefix that has host bits set (198.51.100.7/24)',
    attempt: (w) => w.ns.route.add({ dst: '198.51.100.7/24', via: '192.0.2.254' }),
    expected: { error: InvalidAddressError, message: /has host bits set: write the prefix, 198\.51\.100\.0\/24/ },
  },
  {
    area: 'route',
    input: 'route.add via a gateway on no link (the kernel refuses, with its extack)',
    arrange: (w) => w.br.up(),
    attempt: (w) => w.ns.route.add({ dst: '198.51.100.0/24', via: '203.0.113.1' }),
    expected: {
      error: NetlinkError,
      message:
        /^route add 198\.51\.100\.0\/24 via 203\.0\.113\.1 \(RTM_NEWROUTE\) failed: ENETUNREACH: Nexthop has invalid gateway$/,
      fields: { code: 'ENETUNREACH', extack: 'Nexthop has invalid gateway' },
    },
  },
  ...[0, 4294967296, 'mian'].map((table): BadInput => ({
    area: 'route',
    input: `route.add with table ${JSON.stringify(table)}`,
    attempt: (w) => w.ns.route.add({ dst: '198.51.100.0/24', via: '192.0.2.254', table: table as number }),
    expected: {
      error: InvalidArgumentError,
      message: /^route\.add: table must be "main", "local", "default" or an integer from 1 to 4294967295, received /,
      fields: { value: table },
    },
  })),
  {
    area: 'route',
    input: "route.add to a device of another namespace (the other namespace's lo)",
    attempt: async (w) => w.ns.route.add({ dst: '198.51.100.0/24', dev: await w.other.loopback() }),
    expected: {
      error: InvalidArgumentError,
      message:
        /^route\.add: dev: link lo \(index 1\) in bad-inputs-other is not in namespace bad-inputs: a route's device must be in the route's namespace/,
    },
  },
  {
    area: 'route',
    input: 'a multipath IPv6 route.add whose second hop is on no link leaves no route, not even its first hop',
    arrange: async (w) => {
      await w.veth.up();
      await w.veth.addAddress('2001:db8::1/64', { dad: false });
    },
    attempt: (w) =>
      w.ns.route.add({
        dst: '2001:db8:3::/48',
        nexthops: [
          { via: '2001:db8::10', dev: w.veth },
          { via: '2001:db8:99::1', dev: w.veth },
        ],
      }),
    expected: {
      error: NetlinkError,
      message:
        /^route add 2001:db8:3::\/48 nexthop via 2001:db8::10 dev v0 weight 1 nexthop via 2001:db8:99::1 dev v0 weight 1 \(RTM_NEWROUTE\) failed: EHOSTUNREACH/,
      fields: { code: 'EHOSTUNREACH' },
    },
  },
  {
    area: 'route',
    input: 'toHaveRoute with a table out of range',
    attempt: (w) => expect(w.ns).toHaveRoute('default', { table: 0 }),
    expected: {
      error: InvalidArgumentError,
      message: /^toHaveRoute: table must be "main", "local", "default" or an integer/,
    },
  },
  {
    area: 'reach',
    input: 'toReach a target that is a name, not an IP address',
    attempt: (w) => expect(w.ns).toReach('example.org'),
    expected: { error: InvalidAddressError, message: /^toReach: invalid target "example\.org": write an address/ },
  },
  ...[0, 65536, Number.NaN].map((port): BadInput => ({
    area: 'reach',
    input: `toReach { tcp: ${port} }, a port that does not exist`,
    attempt: (w) => expect(w.ns).toReach('192.0.2.2', { tcp: port }),
    expected: {
      error: InvalidArgumentError,
      message: new RegExp(`^toReach: tcp must be a port number from 1 to 65535, received ${port}$`),
    },
  })),
  {
    area: 'reach',
    input: 'toReach with an unknown option (port, for tcp)',
    attempt: (w) => expect(w.ns).toReach('192.0.2.2', { port: 53 } as never),
    expected: { error: TypeError, message: /^toReach: unknown option port; the options are tcp, udp,/ },
  },
  {
    area: 'reach',
    input: 'toReach from an address the namespace does not have',
    attempt: (w) => expect(w.ns).toReach('192.0.2.2', { from: '192.0.2.99' }),
    expected: {
      error: InvalidAddressError,
      message: /^toReach: 192\.0\.2\.99 is not an address of namespace bad-inputs \(bind: EADDRNOTAVAIL\)/,
    },
  },
  {
    area: 'reach',
    input: 'listen on UDP port 65536',
    attempt: (w) => w.ns.listen({ udp: 65536 }),
    expected: {
      error: InvalidArgumentError,
      message: /^listen: udp must be a port number from 0 \(any\) to 65535, received 65536$/,
    },
  },
  {
    area: 'reach',
    input: 'listen on a TCP port already listened on',
    attempt: async (w) => {
      const first = await w.ns.listen({ tcp: 8080 });
      try {
        await w.ns.listen({ tcp: 8080 });
      } finally {
        await first.close();
      }
    },
    expected: { error: SysError, message: /^bind \(:: port 8080 in bad-inputs\) failed: EADDRINUSE$/ },
  },
  privilegeRow('bridge', 'addBridge'),
  privilegeRow('veth', 'addVeth'),
  privilegeRow('tap', 'addTap'),
  privilegeRow('loopbackUp', 'loopback().up()'),
  {
    area: 'concurrency',
    input: 'two concurrent addTap of one name in one process',
    attempt: async (w) => {
      const [a, b] = await Promise.all([outcomeOf(() => w.ns.addTap('tap-c')), outcomeOf(() => w.ns.addTap('tap-c'))]);
      const failures = [a, b].filter((o) => o !== 'resolved');
      if (failures.length !== 1 || !(failures[0] instanceof NameTakenError))
        throw new Error(`expected one NameTakenError, got ${String(failures)}`);
      await (await w.ns.link('tap-c')).delete();
    },
    expected: 'checks',
  },
  {
    area: 'concurrency',
    input: 'addTap of one name from two processes at the same instant (10 rounds)',
    attempt: (w) => sameTapFromTwoProcesses(w, 10),
    expected: 'checks',
  },
  {
    area: 'concurrency',
    input: 'delete a bridge (ip link del, another process) while attaching to it',
    attempt: async (w) => {
      const br = await w.ns.addBridge('br-race');
      const port = await w.ns.addTap('tap-race', { owner: 'none' });
      const deleting = w.ns.exec('ip', ['link', 'del', 'br-race']);
      const errors: unknown[] = [];
      // Attach and detach until the bridge is gone: some attempts land before, some after the delete.
      for (let i = 0; i < 500 && errors.length < 3; i++) {
        const o = await outcomeOf(async () => {
          await port.attachTo(br);
          await port.detach();
        });
        if (o !== 'resolved') errors.push(o);
      }
      await deleting;
      const untyped = errors.filter((e) => !(e instanceof NslabError));
      const note = `refusals: ${errors.map((e) => (e instanceof NetlinkError ? `NetlinkError ${e.code}` : (e as Error).name)).join(', ') || 'none'}`;
      if (untyped.length) throw new Error(`untyped errors: ${untyped.map(String).join('; ')}`);
      const after = await ipLink(w.ns, 'tap-race');
      if (after?.master !== undefined || (await linkNames(w.ns)).includes('br-race'))
        throw new Error(`left behind: ${JSON.stringify(after)}`);
      await port.delete();
      return note;
    },
    expected: 'checks',
  },
  {
    area: 'concurrency',
    input: 'up/down storm: nslab and ip link set, concurrently',
    attempt: async (w) => {
      const storm = w.ns.exec('sh', ['-c', 'for i in $(seq 150); do ip link set tap0 up; ip link set tap0 down; done']);
      const ops = Array.from({ length: 60 }, (_, i) => outcomeOf(() => (i % 2 ? w.tap.down() : w.tap.up())));
      const outcomes = await Promise.all(ops);
      await storm;
      const errors = outcomes.filter((o) => o !== 'resolved');
      if (errors.length) throw new Error(`errors: ${errors.map(String).join('; ')}`);
      await w.tap.down();
      const oracle = await ipLink(w.ns, 'tap0');
      const state = await w.tap.state();
      if (oracle?.flags.includes('UP') || state.adminUp)
        throw new Error(
          `after a final down(): ip says ${oracle?.flags.join(',')}, nslab says adminUp ${state.adminUp}`,
        );
    },
    expected: 'checks',
  },
  {
    area: 'notification flood',
    input: '6000 address notifications while the event loop is blocked (socket buffer overflow)',
    attempt: async (w) => {
      const events = w.ns.events;
      events.flush();
      let overflows = 0;
      let addrs = 0;
      const stop = events.subscribe((e) => {
        if (e.kind === 'overflow') overflows++;
        else if (e.kind === 'addr') addrs++;
      });
      const n = 6000;
      const batch = join(tmpdir(), `nslab-flood-${process.pid}.batch`);
      writeFileSync(
        batch,
        Array.from({ length: n }, (_, i) => `addr add 2001:db8:1::${(i + 1).toString(16)}/128 dev br0 nodad\n`).join(
          '',
        ),
      );
      // spawnSync blocks this thread: nothing reads the notification socket while the kernel fills it.
      const r = w.ns.run(() => spawnSync('ip', ['-batch', batch], { encoding: 'utf8' }));
      if (r.status !== 0) throw new Error(`ip -batch failed: ${r.stderr}`);
      events.flush();
      stop();
      if (overflows === 0) throw new Error(`no overflow reported (${addrs} address events of ${n} arrived)`);
      // After an overflow the matchers re-read the kernel: the last address is seen all the same.
      await expect(w.br).toHaveAddress(`2001:db8:1::${n.toString(16)}/128`);
      w.ns.run(() => spawnSync('ip', ['-6', 'addr', 'flush', 'dev', 'br0', 'scope', 'global']));
      return `${overflows} overflow event(s); ${addrs} of ${n} address notifications arrived`;
    },
    expected: 'checks',
  },
  {
    area: 'MTU',
    input: "setMtu(65536), above the veth's IFLA_MAX_MTU",
    attempt: (w) => w.veth.setMtu(65536),
    expected: {
      error: MtuOutOfRangeError,
      message: /^setMtu: veth v0 .* takes an MTU from 68 to 65535 bytes .*received 65536; pick one in that range$/,
      fields: { value: 65536, min: 68, max: 65535 },
    },
  },
  {
    area: 'MTU',
    input: 'setMtu(1.5), which a Buffer write would truncate to 1',
    attempt: (w) => w.veth.setMtu(1.5),
    expected: {
      error: InvalidArgumentError,
      message: /^setMtu: an MTU is a whole number of bytes up to 2147483647, received 1\.5$/,
    },
  },
  {
    area: 'link attribute',
    input: 'setAlias of 256 bytes, past IFALIASZ',
    attempt: (w) => w.veth.setAlias('x'.repeat(256)),
    expected: { error: InvalidArgumentError, message: /^setAlias: an alias is at most 255 bytes/ },
  },
  {
    area: 'link attribute',
    input: 'addAltName of 128 bytes, past ALTIFNAMSIZ',
    attempt: (w) => w.veth.addAltName('a'.repeat(128)),
    expected: {
      error: InvalidNameError,
      message: /^invalid alternative name .*: it is 128 bytes long; the kernel allows at most 127$/,
    },
  },
  bridgeRow('VLAN', 'vlan.add of vid 0', (w) => w.br.vlan.add(w.tap, { vid: 0 }), InvalidArgumentError, VID_RANGE),
  bridgeRow(
    'VLAN',
    'vlan.add of vid 4095',
    (w) => w.br.vlan.add(w.tap, { vid: 4095 }),
    InvalidArgumentError,
    VID_RANGE,
  ),
  bridgeRow(
    'VLAN',
    'vlan.add on a device that is not a port of the bridge (the veth)',
    (w) => w.br.vlan.add(w.veth, { vid: 10 }),
    NotABridgePortError,
    /^vlan\.add: "v0" is not a port of bridge "br0" \(it has no master\)/,
  ),
  bridgeRow(
    'FDB',
    'fdb.add on a device that is not a port of the bridge (the veth)',
    (w) => w.br.fdb.add({ mac: '52:54:00:00:00:0a', port: w.veth }),
    NotABridgePortError,
    /^fdb\.add: "v0" is not a port of bridge "br0"/,
  ),
  bridgeRow(
    'FDB',
    'fdb.add with a five-octet MAC',
    (w) => w.br.fdb.add({ mac: '52:54:00:00:0a', port: w.tap }),
    InvalidMacError,
    /six hex octets/,
  ),
  bridgeRow(
    'FDB',
    'fdb.add of a static entry on the bridge itself, which the kernel takes only as permanent',
    (w) => w.br.fdb.add({ mac: '52:54:00:00:00:0a', port: w.br, state: 'static' }),
    InvalidArgumentError,
    /^fdb\.add: an entry on the bridge br0 itself is an address of its own, so its state is "permanent"/,
  ),
  bridgeRow(
    'FDB',
    'fdb.add of a dynamic entry on a port that is down (the kernel: an EPERM read as a missing capability)',
    (w) => w.br.fdb.add({ mac: '52:54:00:00:00:0a', port: w.tap, state: 'dynamic' }),
    InvalidArgumentError,
    /^fdb\.add: a dynamic entry needs a port that learns, .* and tap0 is disabled/,
  ),
  bridgeRow(
    'port',
    'setPort with the unknown state "blocked"',
    (w) => w.br.setPort(w.tap, { state: 'blocked' as 'blocking' }),
    InvalidArgumentError,
    /^setPort: the port state must be one of "disabled", "listening", "learning", "forwarding", "blocking", received "blocked"$/,
  ),
  bridgeRow(
    'options',
    'addBridge with vlanProtocol "802.1x"',
    (w) => w.ns.addBridge('br1', { vlanProtocol: '802.1x' as '802.1Q' }),
    InvalidArgumentError,
    /^addBridge: the VLAN protocol must be one of "802\.1Q", "802\.1ad", received "802\.1x"$/,
  ),
  bridgeRow(
    'options',
    'bridge.set() with defaultPvid 4095',
    (w) => w.br.set({ defaultPvid: 4095 }),
    InvalidArgumentError,
    /^set: defaultPvid must be an integer from 0 to 4094, received 4095$/,
  ),
  {
    ...bridgeRow(
      'options',
      'addBridge with vlanFiltering on a kernel without CONFIG_BRIDGE_VLAN_FILTERING',
      (w) => w.ns.addBridge('br1', { vlanFiltering: true }),
      UnsupportedFeatureError,
      /^addBridge br1 vlan_filtering 1: this kernel has no bridge VLAN filtering: it was built without CONFIG_BRIDGE_VLAN_FILTERING/,
    ),
    skip: async (w) =>
      (await noBridgeVlans(w.other))
        ? undefined
        : 'this kernel has bridge VLAN filtering: there is no refusal to check',
  },
  {
    ...bridgeRow(
      'options',
      'addBridge with a defaultPvid that a kernel without VLAN filtering would drop without a word',
      (w) => w.ns.addBridge('br1', { defaultPvid: 10 }),
      UnsupportedFeatureError,
      /^addBridge br1 vlan_default_pvid 10: this kernel has no bridge VLAN filtering/,
    ),
    skip: async (w) =>
      (await noBridgeVlans(w.other))
        ? undefined
        : 'this kernel has bridge VLAN filtering: there is no refusal to check',
  },
  sysctlKeyRow('a key outside net.', 'kernel.hostname', /only keys under net\./),
  sysctlKeyRow('a key with "/"', 'net/ipv4/ip_forward', /it contains "\/"/),
  sysctlKeyRow('a key with ".."', 'net.ipv4..ip_forward', /it contains "\.\."/),
  sysctlKeyRow('a key with a NUL', 'net.ipv4.ip_forward\0', /it contains a NUL byte/),
  sysctlKeyRow('segments that climb out of net', ['net', '..', '..', 'kernel', 'hostname'], /a segment is "\.\."/),
  {
    area: 'sysctl',
    input: 'sysctl.set() of a fraction, which no integer sysctl holds',
    attempt: (w) => w.ns.sysctl.set('net.ipv4.ip_forward', 1.5),
    expected: {
      error: InvalidArgumentError,
      message: /^invalid value 1\.5 for sysctl net\.ipv4\.ip_forward: a number must be an integer/,
      fields: { value: 1.5 },
    },
  },
  {
    area: 'sysctl',
    input: 'sysctl.get() of a device that is not there',
    attempt: (w) => w.ns.sysctl.get('net.ipv6.conf.nosuch0.accept_dad'),
    expected: {
      error: SysctlNotFoundError,
      message: /^no sysctl net\.ipv6\.conf\.nosuch0\.accept_dad .*\(ENOENT\): the device "nosuch0" may not exist/,
      fields: { key: 'net.ipv6.conf.nosuch0.accept_dad' },
    },
  },
  {
    area: 'capture',
    input: 'capture() of a device of another namespace',
    attempt: async (w) => w.ns.capture(await w.other.loopback()),
    expected: {
      error: InvalidArgumentError,
      message:
        /^capture: link lo \(index 1\) in bad-inputs-other is not in bad-inputs; capture it from its own namespace/,
    },
  },
  {
    area: 'capture',
    input: 'capture() of a device deleted after its handle was made',
    attempt: async (w) => {
      const [gone] = await w.ns.addVeth('cap-gone0', { peerName: 'cap-gone1' });
      await gone!.delete();
      return w.ns.capture(gone!);
    },
    expected: { error: DeviceNotFoundError, message: /^no device with index \d+ in this namespace; it was deleted/ },
  },
  {
    area: 'capture',
    input: 'capture() of a device name that is not there',
    attempt: (w) => w.ns.capture('nosuch0'),
    expected: { error: DeviceNotFoundError, message: /^no device named "nosuch0" in this namespace/ },
  },
  ...[0, NaN, 262_145].map((snaplen): BadInput => ({
    area: 'capture',
    input: `capture() with snaplen ${snaplen}`,
    attempt: (w) => w.ns.capture(w.veth, { snaplen }),
    expected: {
      error: InvalidArgumentError,
      message: new RegExp(
        `^capture on veth v0 \\(index \\d+\\) in bad-inputs: snaplen must be a whole number from 1 to 262144, received ${snaplen}$`,
      ),
      fields: { value: snaplen },
    },
  })),
  {
    area: 'capture',
    input: 'a capture filter with an unknown field',
    attempt: (w) => w.ns.capture(w.veth, { filter: { udp: { port: 67 } } as never }),
    expected: {
      error: InvalidArgumentError,
      message: /^capture: filter: unknown field "port" of udp \(it has sport, dport, length\)/,
    },
  },
  {
    area: 'capture',
    input: 'a BPF program of no instructions',
    attempt: (w) => w.ns.capture(w.veth, { bpf: [] }),
    expected: {
      error: InvalidArgumentError,
      message: /: bpf must be 1 to 4096 instructions \{ code, jt, jf, k \} \(tcpdump -dd EXPR prints them\)/,
    },
  },
  {
    area: 'capture',
    input: 'a BPF program whose jump leaves it, which the kernel refuses',
    attempt: (w) =>
      w.ns.capture(w.veth, {
        bpf: [
          { code: 0x15, jt: 5, jf: 0, k: 0x0800 },
          { code: 0x06, jt: 0, jf: 0, k: 0 },
        ],
      }),
    expected: { error: InvalidArgumentError, message: /^the kernel refused the BPF program \(EINVAL/ },
  },
  {
    area: 'capture',
    input: 'toHaveSeen with an unknown layer',
    attempt: async (w) => {
      const capture = await w.ns.capture(w.veth);
      try {
        await expect(capture).toHaveSeen({ upd: { dport: 67 } } as never);
      } finally {
        capture.stop();
      }
    },
    expected: {
      error: InvalidArgumentError,
      message: /^toHaveSeen: unknown layer "upd"; a pattern names layers \(direction, eth, vlan/,
    },
  },
];

export interface RowResult {
  row: BadInput;
  skipped?: string;
  problems: string[];
  /** What a self-checking row observed (outcome counts, overflows). */
  note?: string;
}

/** Runs one row in a fresh world: the refusal, then the state compared with the state before. */
export async function runRow(row: BadInput): Promise<RowResult> {
  const w = await makeWorld();
  try {
    const skipped = await row.skip?.(w);
    if (skipped) return { row, skipped, problems: [] };
    await row.arrange?.(w);
    const before = await snapshot(w);
    let note: string | undefined;
    const outcome = await outcomeOf(async () => {
      const r = await row.attempt(w);
      if (row.expected === 'checks' && typeof r === 'string') note = r;
      return r;
    });
    const problems =
      row.expected === 'checks'
        ? outcome === 'resolved'
          ? []
          : [`${outcome.name}: ${outcome.message}`]
        : checkError(outcome, row.expected);
    const after = await snapshot(w);
    if (JSON.stringify(after) !== JSON.stringify(before))
      problems.push(`state changed:\nbefore ${JSON.stringify(before)}\nafter  ${JSON.stringify(after)}`);
    return { row, problems, note: note || undefined };
  } finally {
    await destroyWorld(w);
  }
}
