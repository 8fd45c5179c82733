// Two namespaces joined by a veth, and ICMP between them: traffic the tests can count. IPv6 is
// off on the pair, so that no DAD, router solicitation or MLD report moves the counters.
import { expect } from '../../src/vitest.ts';
import type { Link, Netns } from '../../src/index.ts';

export interface WiredPair {
  left: Netns;
  right: Netns;
  /** left0, 192.0.2.1/24, in left. */
  l: Link;
  /** right0, 192.0.2.2/24, in right. */
  r: Link;
}

/** left0 (192.0.2.1/24) in one new namespace, right0 (192.0.2.2/24) in another, both up and running. */
export async function wiredPair(makeNetns: (o?: { label?: string }) => Promise<Netns>): Promise<WiredPair> {
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

/** busybox ping from the left namespace to right0: count echo requests, each sent as soon as the last reply came; at most 10 s. */
export const pingRight = (left: Netns, count: number) =>
  left.exec('busybox', ['ping', '-c', String(count), '-A', '-W', '2', '-w', '10', '192.0.2.2']);
