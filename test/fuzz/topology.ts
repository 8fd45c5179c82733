// Random topologies for the differential check: bridges, taps (held by this process, or by
// nobody), veth pairs (both ends here, or the peer in a second namespace), ports attached to
// bridges, addresses from the documentation ranges only (with and without DAD), devices up or
// down, some flapped on the way. build() makes one in namespaces it creates.
import fc from 'fast-check';
import { createNetns, type Link, type Netns } from '../../src/index.ts';
import { optional, unicastMac } from './messages.ts';
import { procSysReadOnly } from '../helpers/proc.ts';

export interface Topology {
  bridges: Array<{ mac?: string | undefined }>;
  taps: Array<{ owner: 'self' | 'none'; bridge: number | undefined }>;
  veths: Array<{ elsewhere: boolean; bridge: number | undefined; peerUp: boolean }>;
  /** On the n-th device made (in the order above, modulo the count), with or without DAD. */
  addresses: Array<{ device: number; cidr: string; dad: boolean }>;
  /** Final admin state of the n-th device (modulo the count); flap: up and down first. */
  states: Array<{ up: boolean; flap: boolean }>;
}

const octet = fc.integer({ min: 1, max: 254 });
const v4 = fc
  .tuple(fc.constantFrom('192.0.2', '198.51.100', '203.0.113'), octet, fc.constantFrom(24, 25, 32))
  .map(([net, host, len]) => `${net}.${host}/${len}`);
const v6 = fc
  .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 1, max: 0xffff }), fc.constantFrom(48, 64, 128))
  .map(([sub, host, len]) => `2001:db8:${sub.toString(16)}::${host.toString(16)}/${len}`);
const bridgeIndex = (n: number): fc.Arbitrary<number | undefined> =>
  n === 0 ? fc.constant(undefined) : optional(fc.nat(n - 1));

export const topology: fc.Arbitrary<Topology> = fc.integer({ min: 0, max: 2 }).chain((nBridges) =>
  fc.record({
    bridges: fc.array(fc.record({ mac: optional(unicastMac) }), { minLength: nBridges, maxLength: nBridges }),
    taps: fc.array(
      fc.record({ owner: fc.constantFrom('self' as const, 'none' as const), bridge: bridgeIndex(nBridges) }),
      {
        maxLength: 3,
      },
    ),
    veths: fc.array(fc.record({ elsewhere: fc.boolean(), bridge: bridgeIndex(nBridges), peerUp: fc.boolean() }), {
      maxLength: 2,
    }),
    addresses: fc.array(fc.record({ device: fc.nat(20), cidr: fc.oneof(v4, v6), dad: fc.boolean() }), { maxLength: 5 }),
    states: fc.array(fc.record({ up: fc.boolean(), flap: fc.boolean() }), { maxLength: 8 }),
  }),
);

/** The namespaces a topology was built in: `ns`, and `peer` when a veth end went elsewhere. */
export interface Built extends AsyncDisposable {
  namespaces: Netns[];
}

// Link-local addresses, DAD's random start delay and its one-second probe would keep the state
// moving for seconds after the build; in these namespaces (their own sysctls only) no link-local
// address is generated and DAD ends within ~100 ms, so a topology settles quickly. The probe
// interval is per device (a new namespace has no neigh/default to inherit it from).
// A container's /proc/sys is mounted read-only: there the kernel's defaults stay, and a topology
// only takes longer to settle (the comparison waits for that anyway).
const procSysWritable = procSysReadOnly() === undefined;

async function namespace(label: string): Promise<Netns> {
  const ns = await createNetns({ label });
  if (procSysWritable)
    await ns.exec('sysctl', [
      '-qw',
      'net.ipv6.conf.default.addr_gen_mode=1',
      'net.ipv6.conf.default.router_solicitation_delay=0',
    ]);
  return ns;
}

async function quickDad(devices: Link[]): Promise<void> {
  if (!procSysWritable) return;
  for (const ns of new Set(devices.map((d) => d.ns))) {
    await ns.exec('sysctl', [
      '-qw',
      ...devices.filter((d) => d.ns === ns).map((d) => `net.ipv6.neigh.${d.name}.retrans_time_ms=100`),
    ]);
  }
}

export async function build(t: Topology, label: string): Promise<Built> {
  const namespaces: Netns[] = [];
  const built: Built = {
    namespaces,
    async [Symbol.asyncDispose]() {
      for (const n of namespaces) await n.destroy();
    },
  };
  try {
    const ns = await namespace(label);
    namespaces.push(ns);
    const peerNs = t.veths.some((v) => v.elsewhere) ? await namespace(`${label}-peer`) : undefined;
    if (peerNs) namespaces.push(peerNs);
    const devices: Link[] = [];
    const bridges = [];
    for (const [i, b] of t.bridges.entries()) bridges.push(await ns.addBridge(`br${i}`, b.mac ? { mac: b.mac } : {}));
    devices.push(...bridges);
    for (const [i, tap] of t.taps.entries()) {
      const link = await ns.addTap(`tap${i}`, { owner: tap.owner });
      if (tap.bridge !== undefined) await link.attachTo(bridges[tap.bridge]!);
      devices.push(link);
    }
    for (const [i, v] of t.veths.entries()) {
      const [near, far] = await ns.addVeth(`veth${i}`, {
        peerName: `peer${i}`,
        peerNs: v.elsewhere ? peerNs : undefined,
      });
      if (v.bridge !== undefined) await near!.attachTo(bridges[v.bridge]!);
      if (v.peerUp) await far!.up();
      devices.push(near!, far!);
    }
    if (devices.length) {
      await quickDad(devices);
      const taken = new Set<string>();
      for (const a of t.addresses) {
        const at = a.device % devices.length;
        // The same address twice on one device is EEXIST, which is not what this compares.
        const key = `${at} ${a.cidr.split('/')[0]}`;
        if (taken.has(key)) continue;
        taken.add(key);
        await devices[at]!.addAddress(a.cidr, { dad: a.dad });
      }
      for (const [i, s] of t.states.entries()) {
        const device = devices[i % devices.length]!;
        if (s.flap) {
          await device.up();
          await device.down();
        }
        await (s.up ? device.up() : device.down());
      }
    }
    return built;
  } catch (error) {
    await built[Symbol.asyncDispose]();
    throw error;
  }
}
