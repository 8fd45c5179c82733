// Two namespaces joined by a veth, and ICMP between them: traffic the tests can count. IPv6 is
// off on the pair, so that no DAD, router solicitation or MLD report moves the counters.
import { expect } from '../../src/vitest.ts';
import type { Link, Netns } from '../../src/index.ts';
import { skipUnlessSysctlsWritable } from './proc.ts';

export interface WiredPair {
  left: Netns;
  right: Netns;
  /** left0, 192.0.2.1/24, in left. */
  l: Link;
  /** right0, 192.0.2.2/24, in right. */
  r: Link;
}

/** What the topologies of the traffic tests need of the test's context: its namespaces, and skipping where sysctls are read-only. */
export interface TrafficContext {
  makeNetns: (o?: { label?: string }) => Promise<Netns>;
  skip: (condition: boolean, note?: string) => void;
}

/**
 * left0 (192.0.2.1/24) in one new namespace, right0 (192.0.2.2/24) in another, both up and
 * running. Turning IPv6 off is a sysctl write: where /proc/sys is read-only the test skips.
 */
export async function wiredPair(ctx: TrafficContext): Promise<WiredPair> {
  skipUnlessSysctlsWritable(ctx);
  const { makeNetns } = ctx;
  const left = await makeNetns({ label: 'left' });
  const right = await makeNetns({ label: 'right' });
  for (const ns of [left, right]) await ns.sysctl.set('net.ipv6.conf.default.disable_ipv6', 1);
  const [l, r] = await left.addVeth('left0', { peerName: 'right0', peerNs: right });
  await l!.addAddress('192.0.2.1/24');
  await r!.addAddress('192.0.2.2/24');
  await l!.up();
  await r!.up();
  await expect(l).toBeRunning();
  await expect(r).toBeRunning();
  return { left, right, l: l!, r: r! };
}

/**
 * busybox ping from ns to dst (from the source address `from`, if given): count echo requests,
 * each sent as soon as the last reply came (else a second later); at most 10 s. Its exit code
 * is 0 when replies came, whatever the outcome (reject: false).
 */
export const ping = (ns: Netns, dst: string, count: number, from?: string) =>
  ns.exec('busybox', ['ping', '-c', String(count), '-A', '-W', '2', '-w', '10', ...(from ? ['-I', from] : []), dst], {
    reject: false,
  });

/** ping from the left namespace to right0. */
export const pingRight = (left: Netns, count: number) => ping(left, '192.0.2.2', count);
