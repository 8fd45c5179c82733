// `bridge fdb` over rtnetlink: the neighbour messages (struct ndmsg, src/netlink/neigh.ts) of
// family AF_BRIDGE, which address a bridge's forwarding database instead of ARP or NDP.
import * as C from '../sys/constants.ts';
import { MessageWriter } from '../netlink/codec.ts';
import type { NetlinkSocket } from '../netlink/socket.ts';
import { decodeFdb, encodeNdmsg, type FdbMessage } from '../netlink/neigh.ts';
import { fdbStateName } from '../values/bridge.ts';
import { formatMac } from '../values/mac.ts';
import { rtnlDump, rtnlRequest } from './request.ts';

const ACK = C.NLM_F_REQUEST | C.NLM_F_ACK;

/** Which entry: the device it is on, its MAC and VLAN. */
export interface FdbKey {
  /** The port; or the bridge itself (self), for an address of the bridge's own. */
  index: number;
  /** The device's name, for the request's description. */
  dev: string;
  self: boolean;
  lladdr: Buffer;
  /** NDA_VLAN; undefined for the entry of no VLAN. */
  vlan: number | undefined;
}

/** What iproute2 would take after `bridge fdb add|del`. */
const describe = (key: FdbKey, state = ''): string =>
  `${formatMac(key.lladdr)} dev ${key.dev} ${key.self ? 'self' : 'master'}${state}${key.vlan ? ` vlan ${key.vlan}` : ''}`;

function fdbMessage(type: number, flags: number, key: FdbKey, state: number): MessageWriter {
  // NTF_MASTER addresses the database of the port's bridge; NTF_SELF the device's own, which for
  // a bridge device is that same database (br_fdb_add with no port).
  const w = new MessageWriter(type, flags)
    .header(encodeNdmsg({ family: C.AF_BRIDGE, index: key.index, state, flags: key.self ? C.NTF_SELF : C.NTF_MASTER }))
    .bytes(C.NDA_LLADDR, key.lladdr);
  if (key.vlan === undefined) return w;
  const vid = Buffer.alloc(2);
  vid.writeUInt16LE(key.vlan);
  return w.bytes(C.NDA_VLAN, vid);
}

/** `bridge fdb add MAC dev DEV master|self STATE [vlan VID]`: refused (EEXIST) when the entry exists. */
export function fdbAdd(sock: NetlinkSocket, key: FdbKey, state: number): void {
  rtnlRequest(sock, fdbMessage(C.RTM_NEWNEIGH, ACK | C.NLM_F_CREATE | C.NLM_F_EXCL, key, state), {
    type: 'RTM_NEWNEIGH',
    what: `fdb add ${describe(key, ` ${fdbStateName(state)}`)}`,
  });
}

/** `bridge fdb del MAC dev DEV master|self [vlan VID]`: refused (ENOENT) when there is no such entry. */
export function fdbDel(sock: NetlinkSocket, key: FdbKey): void {
  rtnlRequest(sock, fdbMessage(C.RTM_DELNEIGH, ACK, key, 0), {
    type: 'RTM_DELNEIGH',
    what: `fdb del ${describe(key)}`,
  });
}

/**
 * `bridge fdb show br BRIDGE`: the entries of the bridge's database (NDA_MASTER), learned or
 * added. The kernel's answer also holds the address lists of the bridge and its ports (NTF_SELF
 * entries without NDA_MASTER: the multicast groups each device joined), which are not the
 * bridge's and are left out.
 */
export function fdbList(sock: NetlinkSocket, bridge: number): FdbMessage[] {
  const build = (): MessageWriter =>
    new MessageWriter(C.RTM_GETNEIGH, C.NLM_F_REQUEST | C.NLM_F_DUMP)
      .header(encodeNdmsg({ family: C.AF_BRIDGE, index: 0 }))
      .u32(C.NDA_MASTER, bridge);
  return rtnlDump(sock, build, { type: 'RTM_GETNEIGH', what: `fdb show br index ${bridge}` })
    .map((m) => decodeFdb(m.payload))
    .filter((e) => e.master === bridge);
}
