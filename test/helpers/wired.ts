// The namespace most route tests start from: a veth pair, both ends up, an IPv4 subnet on one.
import type { Link, Netns } from '../../src/index.ts';

/** A veth v0 (up, 192.0.2.1/24) whose peer v1 is up too: routes via 192.0.2.254 are valid. */
export async function wiredV4(ns: Netns): Promise<Link> {
  const [v0, v1] = await ns.addVeth('v0', { peerName: 'v1' });
  await v0!.up();
  await v1!.up();
  await v0!.addAddress('192.0.2.1/24');
  return v0!;
}
