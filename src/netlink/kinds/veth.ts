// IFLA_INFO_DATA of a veth pair: VETH_INFO_PEER, an ifinfomsg and the peer's own attributes.
import * as C from '../../sys/constants.ts';
import type { IfName } from '../../values/name.ts';
import { encodeIfinfomsg } from '../link.ts';
import type { KindData } from './kind-data.ts';

export interface PeerSpec {
  name: IfName;
  mac?: Buffer | undefined;
  /** Descriptor of the namespace the peer goes to (IFLA_NET_NS_FD); the same namespace if absent. */
  nsFd?: number | undefined;
}

export function vethData(peer: PeerSpec): KindData {
  return {
    write: (data) =>
      data.nest(C.VETH_INFO_PEER, (p) => {
        p.header(encodeIfinfomsg({}));
        p.string(C.IFLA_IFNAME, peer.name);
        if (peer.mac) p.bytes(C.IFLA_ADDRESS, peer.mac);
        if (peer.nsFd !== undefined) p.u32(C.IFLA_NET_NS_FD, peer.nsFd);
      }),
    words: `peer name ${peer.name}`,
    peerName: peer.nsFd === undefined ? peer.name : undefined,
  };
}
