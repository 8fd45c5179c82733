import { NetnsHandle } from '../handle/handle.ts';
import { linkAdd, linkFind, linkGet } from '../rtnl/link.ts';
import { vethData } from '../netlink/kinds/veth.ts';
import { parseMacOption } from '../values/mac.ts';
import { parseName } from '../values/name.ts';
import { InvalidArgumentError, NameTakenError } from '../errors.ts';
import { Link, registerCreated } from './link.ts';

/** Options of addVeth(). */
export interface VethOptions {
  /** Name of the other end. */
  peerName: string;
  /** Namespace of the other end; the same namespace when absent. */
  peerNs?: NetnsHandle;
  /** An explicit MAC for this end; the kernel picks a random one when absent. */
  mac?: string;
  /** An explicit MAC for the other end; the kernel picks a random one when absent. */
  peerMac?: string;
}

export interface VethUndo {
  /**
   * Register the peer for deletion when its namespace's handle is destroyed (default true).
   * False for a namespace whose owner ends it, a container's: once it stops, its devices are
   * the kernel's to dismantle (see ContainerNetns.plug).
   */
  deletePeer?: boolean;
}

/**
 * `ip link add NAME type veth peer name PEER netns OTHER`: both ends are created in one
 * request, so a failure leaves neither behind.
 */
export function addVeth(ns: NetnsHandle, name: string, options: VethOptions, undo: VethUndo = {}): [Link, Link] {
  if (options.peerNs !== undefined && !(options.peerNs instanceof NetnsHandle)) {
    throw new InvalidArgumentError(
      `addVeth ${name}: peerNs must be a namespace handle (createNetns(), adoptNetns()), received ${String(options.peerNs)}`,
      options.peerNs,
    );
  }
  const peerNs = options.peerNs ?? ns;
  const peerName = parseName(options.peerName);
  // The kernel reports a taken peer name in another namespace only as EEXIST; name it here.
  const taken = peerNs !== ns ? linkFind(peerNs.rtnl, peerName) : undefined;
  if (taken) throw new NameTakenError(taken.name, { index: taken.index, kind: taken.kind });
  const near = linkAdd(ns.rtnl, {
    name: parseName(name),
    kind: 'veth',
    mac: parseMacOption(options.mac),
    data: vethData({
      name: peerName,
      mac: parseMacOption(options.peerMac),
      nsFd: peerNs !== ns ? peerNs.fd : undefined,
    }),
  });
  const far = new Link(peerNs, linkGet(peerNs.rtnl, peerName));
  return [registerCreated(new Link(ns, near)), undo.deletePeer === false ? far : registerCreated(far)];
}
