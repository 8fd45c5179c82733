import { NetnsHandle } from '../handle/handle.ts';
import { linkAdd, linkFind, linkGet } from '../rtnl/link.ts';
import { validateName } from '../values/name.ts';
import { InvalidArgumentError, NameTakenError } from '../errors.ts';
import { Link, registerCreated } from './link.ts';

export interface VethOptions {
  /** Name of the other end. */
  peerName: string;
  /** Namespace of the other end; the same namespace when absent. */
  peerNs?: NetnsHandle;
  mac?: string;
  peerMac?: string;
}

/**
 * `ip link add NAME type veth peer name PEER netns OTHER`: both ends are created in one
 * request, so a failure leaves neither behind.
 */
export function addVeth(ns: NetnsHandle, name: string, options: VethOptions): [Link, Link] {
  if (options.peerNs !== undefined && !(options.peerNs instanceof NetnsHandle)) {
    throw new InvalidArgumentError(`addVeth ${name}: peerNs must be a namespace handle (createNetns(), adoptNetns()), received ${String(options.peerNs)}`, options.peerNs);
  }
  const peerNs = options.peerNs ?? ns;
  validateName(options.peerName);
  // The kernel reports a taken peer name in another namespace only as EEXIST; name it here.
  const taken = peerNs !== ns ? linkFind(peerNs.rtnl, options.peerName) : undefined;
  if (taken) throw new NameTakenError(taken.name, { index: taken.index, kind: taken.kind });
  const peer = { name: options.peerName, ...(options.peerMac ? { mac: options.peerMac } : {}), ...(peerNs !== ns ? { nsFd: peerNs.fd } : {}) };
  const near = linkAdd(ns.rtnl, { name, kind: 'veth', ...(options.mac ? { mac: options.mac } : {}), peer });
  return [registerCreated(new Link(ns, near)), registerCreated(new Link(peerNs, linkGet(peerNs.rtnl, options.peerName)))];
}
