// What a device kind adds to RTM_NEWLINK: the attributes inside IFLA_INFO_DATA, written by the
// kind's encoder in this folder, and the same options in iproute2's words for messages.
import type { MessageWriter } from '../codec.ts';
import type { IfName } from '../../values/name.ts';

export interface KindData {
  /** Writes the kind's attributes inside IFLA_INFO_DATA. */
  write(w: MessageWriter): void;
  /** The options as `ip link add ... type KIND` would take them: "id 10 protocol 802.1ad". */
  words: string;
  /** A second device the request creates (veth's peer) in the same namespace, whose name may be the one taken. */
  peerName?: IfName | undefined;
}
