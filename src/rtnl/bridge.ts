// `bridge vlan`, `bridge link set` and `ip link set DEV type bridge ...` over rtnetlink, with
// values already parsed (src/values/bridge.ts). VLANs and port options go through the bridge's
// own RTM_SETLINK/RTM_DELLINK of family AF_BRIDGE, as iproute2's `bridge` sends them; they are
// read back from the AF_BRIDGE link dump, which carries both (IFLA_AF_SPEC, IFLA_PROTINFO).
import * as C from '../sys/constants.ts';
import { MessageWriter } from '../netlink/codec.ts';
import type { NetlinkSocket } from '../netlink/socket.ts';
import {
  writeBridgePort,
  writeBridgeSettings,
  writeVlanSpec,
  type BridgePortInfo,
  type BridgeSettings,
  type VlanInfo,
} from '../netlink/bridge.ts';
import { decodeLink, encodeIfinfomsg, type LinkMessage } from '../netlink/link.ts';
import { rtnlDump, rtnlRequest } from './request.ts';

const ACK = C.NLM_F_REQUEST | C.NLM_F_ACK;

/** `ip link set DEV type bridge ...`: the options in IFLA_INFO_DATA of an RTM_NEWLINK. */
export function bridgeSet(sock: NetlinkSocket, index: number, settings: BridgeSettings, what: string): void {
  const w = new MessageWriter(C.RTM_NEWLINK, ACK).header(encodeIfinfomsg({ index }));
  w.nest(C.IFLA_LINKINFO, (info) => {
    info.string(C.IFLA_INFO_KIND, 'bridge');
    info.nest(C.IFLA_INFO_DATA, (data) => writeBridgeSettings(data, settings));
  });
  rtnlRequest(sock, w, { type: 'RTM_NEWLINK', what });
}

/** `bridge link set dev PORT ...`: IFLA_PROTINFO (nested) of an AF_BRIDGE RTM_SETLINK. */
export function bridgePortSet(sock: NetlinkSocket, index: number, port: BridgePortInfo, what: string): void {
  const w = new MessageWriter(C.RTM_SETLINK, ACK).header(encodeIfinfomsg({ family: C.AF_BRIDGE, index }));
  w.nest(C.IFLA_PROTINFO, (p) => writeBridgePort(p, port));
  rtnlRequest(sock, w, { type: 'RTM_SETLINK', what });
}

/** One VLAN of a port, or of the bridge itself (self), to add or delete. */
export interface VlanRequest extends VlanInfo {
  index: number;
  self: boolean;
}

/** `bridge vlan add|del dev DEV vid VID [pvid] [untagged] [self]`. */
export function bridgeVlan(sock: NetlinkSocket, action: 'add' | 'del', vlan: VlanRequest, what: string): void {
  const type = action === 'add' ? C.RTM_SETLINK : C.RTM_DELLINK;
  const w = new MessageWriter(type, ACK).header(encodeIfinfomsg({ family: C.AF_BRIDGE, index: vlan.index }));
  writeVlanSpec(w, vlan);
  rtnlRequest(sock, w, { type: action === 'add' ? 'RTM_SETLINK' : 'RTM_DELLINK', what });
}

/**
 * The AF_BRIDGE link dump with the VLANs (`bridge vlan show`): one message for each bridge port
 * and each bridge of the namespace. Compressed, so a run of VLANs costs two attributes, not one
 * a VLAN; RTM_GETVLAN would also do on 6.1 and later, but this dump reads the same on every
 * kernel since 3.x and brings each port's options along. Strict checking takes no device filter
 * here (the header must be zero), so the caller picks its device from the whole dump.
 */
export function bridgeLinkList(sock: NetlinkSocket): LinkMessage[] {
  const build = (): MessageWriter =>
    new MessageWriter(C.RTM_GETLINK, C.NLM_F_REQUEST | C.NLM_F_DUMP)
      .header(encodeIfinfomsg({ family: C.AF_BRIDGE }))
      .u32(C.IFLA_EXT_MASK, C.RTEXT_FILTER_BRVLAN_COMPRESSED);
  return rtnlDump(sock, build, { type: 'RTM_GETLINK', what: 'bridge vlan show' })
    .filter((m) => m.type === C.RTM_NEWLINK)
    .map((m) => decodeLink(m.payload));
}
