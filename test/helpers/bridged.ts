// Hosts on one bridge: a switch namespace with br0 (up), and a namespace a host, each joined to
// br0 by a veth whose switch end is a port. IPv6 is off in every namespace, so that only the
// traffic a test makes (busybox ping, ./traffic.ts) crosses the bridge and teaches it MACs.
import { expect } from '../../src/vitest.ts';
import type { Bridge, BridgeOptions, Link, Netns } from '../../src/index.ts';
import { release } from 'node:os';
import { ipLinkOf } from './oracle.ts';
import { skipUnlessSysctlsWritable } from './proc.ts';
import type { TrafficContext } from './traffic.ts';

export interface Host {
  ns: Netns;
  /** The host's end, eth0: 192.0.2.(i+1)/24, MAC 52:54:00:00:01:0(i+1). */
  eth: Link;
  /** The switch's end, p(i+1), a port of br0. */
  port: Link;
  address: string;
  mac: string;
}

export interface Bridged {
  sw: Netns;
  br: Bridge;
  hosts: Host[];
}

/** count hosts on br0, all up and running; br0 made with options. Writing sysctls: skips where /proc/sys is read-only. */
export async function bridgedHosts(ctx: TrafficContext, count: number, options: BridgeOptions = {}): Promise<Bridged> {
  skipUnlessSysctlsWritable(ctx);
  const sw = await ctx.makeNetns({ label: 'switch' });
  await sw.sysctl.set('net.ipv6.conf.default.disable_ipv6', 1);
  const br = await sw.addBridge('br0', { mac: '52:54:00:00:00:01', ...options });
  await br.up();
  const hosts: Host[] = [];
  for (let i = 1; i <= count; i++) {
    const ns = await ctx.makeNetns({ label: `host${i}` });
    await ns.sysctl.set('net.ipv6.conf.default.disable_ipv6', 1);
    const mac = `52:54:00:00:01:0${i}`;
    const [eth, port] = await ns.addVeth('eth0', { peerName: `p${i}`, peerNs: sw, mac });
    const address = `192.0.2.${i}`;
    await eth!.addAddress(`${address}/24`);
    await port!.attachTo(br);
    await port!.up();
    await eth!.up();
    hosts.push({ ns, eth: eth!, port: port!, address, mac });
  }
  for (const h of hosts) await expect(h.eth).toBeRunning();
  return { sw, br, hosts };
}

/**
 * Why the bridge VLAN tests cannot run on this kernel, or undefined when they can: iproute2 lists
 * a bridge's vlan_protocol only where the kernel reports IFLA_BR_VLAN_PROTOCOL, which it does
 * when built with CONFIG_BRIDGE_VLAN_FILTERING. Read in ns with a bridge made for the probe.
 */
export async function noBridgeVlans(ns: Netns): Promise<string | undefined> {
  await ns.exec('ip', ['link', 'add', 'vlanprobe0', 'type', 'bridge']);
  try {
    const data = (await ipLinkOf(ns, 'vlanprobe0')).linkinfo?.info_data ?? {};
    return 'vlan_protocol' in data
      ? undefined
      : `this kernel (${release()}) has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING): the kernel runner's Debian kernels have it`;
  } finally {
    await ns.exec('ip', ['link', 'del', 'vlanprobe0']);
  }
}

/** A call that must be refused: the attempt, the error's class, and its words. */
export type Refusal = [
  attempt: () => Promise<unknown>,
  error: abstract new (...args: never[]) => Error,
  message: RegExp,
];

/** Each attempt rejects with its error class and words (the caller then checks nothing changed). */
export async function expectRefusals(refusals: readonly Refusal[]): Promise<void> {
  for (const [attempt, error, message] of refusals) {
    const e = await attempt().then(
      () => new Error(`resolved; expected ${error.name} matching ${message}`),
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(error);
    expect((e as Error).message).toMatch(message);
  }
}
