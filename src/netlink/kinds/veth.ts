// IFLA_INFO_DATA of a veth pair: VETH_INFO_PEER, an ifinfomsg and the peer's own attributes
// (netkit's IFLA_NETKIT_PEER_INFO is written the same way).
import * as C from '../../sys/constants.ts';
import type { IfName } from '../../values/name.ts';
import { encodeIfinfomsg } from '../ifinfomsg.ts';
import type { KindData } from './kind-data.ts';
import type { MessageWriter } from '../codec.ts';

export interface PeerSpec {
  name: IfName;
  mac?: Buffer | undefined;
  /** Descriptor of the namespace the peer goes to (IFLA_NET_NS_FD); the same namespace if absent. */
  nsFd?: number | undefined;
}

/** The peer as a nested attribute of this type: an ifinfomsg, then its name, MAC and namespace. */
export function writePeer(w: MessageWriter, type: number, peer: PeerSpec): void {
  w.nest(type, (p) => {
    p.header(encodeIfinfomsg({}));
    p.string(C.IFLA_IFNAME, peer.name);
    if (peer.mac) p.bytes(C.IFLA_ADDRESS, peer.mac);
    if (peer.nsFd !== undefined) p.u32(C.IFLA_NET_NS_FD, peer.nsFd);
  });
}

export function vethData(peer: PeerSpec): KindData {
  return {
    write: (data) => writePeer(data, C.VETH_INFO_PEER, peer),
    words: `peer name ${peer.name}`,
    peerName: peer.nsFd === undefined ? peer.name : undefined,
  };
}
