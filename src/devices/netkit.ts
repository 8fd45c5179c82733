import { NetnsHandle } from '../handle/handle.ts';
import { linkAdd, linkFind, linkGet } from '../rtnl/link.ts';
import {
  NETKIT_MODES,
  NETKIT_POLICIES,
  netkitData,
  type NetkitMode,
  type NetkitPolicy,
} from '../netlink/kinds/netkit.ts';
import { parseName } from '../values/name.ts';
import { InvalidArgumentError, NameTakenError } from '../errors.ts';
import { Link, registerCreated } from './link.ts';

/** Options of addNetkit(). */
export interface NetkitOptions {
  /** Name of the other end. */
  peerName: string;
  /** Namespace of the other end; the same namespace when absent. */
  peerNs?: NetnsHandle;
  /** l3 (the kernel's default) or l2. */
  mode?: NetkitMode;
  /** This end's default for packets no BPF program decided on: forward (the kernel's default) or blackhole. */
  policy?: NetkitPolicy;
  /** The other end's default. */
  peerPolicy?: NetkitPolicy;
}

/**
 * `ip link add NAME type netkit [mode l2|l3] [forward|blackhole] peer [forward|blackhole] name
 * PEER`: both ends in one request, like a veth pair; the first end is the primary.
 * UnsupportedKindError on kernels without CONFIG_NETKIT (Linux 6.7 and later).
 */
export function addNetkit(ns: NetnsHandle, name: string, options: NetkitOptions): [Link, Link] {
  const where = `addNetkit ${String(name)}`;
  const ifname = parseName(name);
  const o = options ?? ({} as Partial<NetkitOptions>);
  if (o.peerNs !== undefined && !(o.peerNs instanceof NetnsHandle)) {
    throw new InvalidArgumentError(
      `${where}: peerNs must be a namespace handle, received ${String(o.peerNs)}`,
      o.peerNs,
    );
  }
  const peerNs = o.peerNs ?? ns;
  const peerName = parseName(o.peerName);
  const parse = <T>(codes: { parse: (w: string, v: unknown) => number }, v: T | undefined): number | undefined =>
    v === undefined ? undefined : codes.parse(where, v);
  const mode = parse(NETKIT_MODES, o.mode);
  const policy = parse(NETKIT_POLICIES, o.policy);
  const peerPolicy = parse(NETKIT_POLICIES, o.peerPolicy);
  // As for a veth: the kernel reports a taken peer name in another namespace only as EEXIST.
  const taken = peerNs !== ns ? linkFind(peerNs.rtnl, peerName) : undefined;
  if (taken) throw new NameTakenError(taken.name, { index: taken.index, kind: taken.kind });
  const peer = { name: peerName, nsFd: peerNs !== ns ? peerNs.fd : undefined };
  const near = linkAdd(ns.rtnl, { name: ifname, kind: 'netkit', data: netkitData({ peer, mode, policy, peerPolicy }) });
  return [registerCreated(new Link(ns, near)), registerCreated(new Link(peerNs, linkGet(peerNs.rtnl, peerName)))];
}
