// `ip link` over rtnetlink: add, delete, set, get, list. Functions take the socket of the
// namespace they act in, like vishvananda/netlink's handle, and values already parsed at the
// public API (src/values/): a name typed IfName, a MAC as its bytes.
import { constants } from 'node:os';
import * as C from '../sys/constants.ts';
import { MessageWriter } from '../netlink/codec.ts';
import { NetlinkError } from '../netlink/errors.ts';
import type { NetlinkSocket } from '../netlink/socket.ts';
import { decodeLink, encodeIfinfomsg, type LinkMessage } from '../netlink/link.ts';
import { formatMac } from '../values/mac.ts';
import { DeviceNotFoundError, hasErrno, NameTakenError, UnsupportedKindError } from '../errors.ts';
import type { AltName, IfName } from '../values/name.ts';
import { rtnlDump, rtnlRequest } from './request.ts';
import { preloadKindModule } from '../sys/kind-module.ts';
import { lastErrno, sys, SysError } from '../sys/libc.ts';

const { ENODEV } = constants.errno;
// struct ifreq: the name, then a union (here ifr_ifindex).
const IFREQ_LEN = 40;
const IFNAMSIZ_OFFSET = C.IFNAMSIZ;
const ACK = C.NLM_F_REQUEST | C.NLM_F_ACK;

export interface PeerSpec {
  name: IfName;
  mac?: Buffer | undefined;
  /** Descriptor of the namespace the peer goes to (IFLA_NET_NS_FD); the same namespace if absent. */
  nsFd?: number;
}

export interface LinkAddSpec {
  name: IfName;
  kind: string;
  mac?: Buffer | undefined;
  /** For veth: the other end. */
  peer?: PeerSpec;
  /** The kind's own options: what write puts in IFLA_INFO_DATA, and how iproute2 would spell them after the kind. */
  data?: { write: (data: MessageWriter) => void; words: string };
}

function linkHeader(w: MessageWriter, name: IfName, mac: Buffer | undefined): void {
  w.string(C.IFLA_IFNAME, name);
  if (mac) w.bytes(C.IFLA_ADDRESS, mac);
}

const describe = (spec: LinkAddSpec): string =>
  `link add ${spec.name}${spec.mac ? ` address ${formatMac(spec.mac)}` : ''} type ${spec.kind}${spec.peer ? ` peer name ${spec.peer.name}` : ''}${spec.data?.words ? ` ${spec.data.words}` : ''}`;

/** Creates a link; returns it as the kernel describes it afterwards. */
export function linkAdd(sock: NetlinkSocket, spec: LinkAddSpec): LinkMessage {
  // Before the kernel could autoload the kind's module with defaults that create devices.
  preloadKindModule(spec.kind);
  // NLM_F_ECHO: the kernel (6.1 and later) sends the new link back, saving a GET.
  const w = new MessageWriter(C.RTM_NEWLINK, ACK | C.NLM_F_CREATE | C.NLM_F_EXCL | C.NLM_F_ECHO).header(
    encodeIfinfomsg({}),
  );
  linkHeader(w, spec.name, spec.mac);
  w.nest(C.IFLA_LINKINFO, (info) => {
    info.string(C.IFLA_INFO_KIND, spec.kind);
    if (spec.data) info.nest(C.IFLA_INFO_DATA, spec.data.write);
    const peer = spec.peer;
    if (peer) {
      info.nest(C.IFLA_INFO_DATA, (data) =>
        data.nest(C.VETH_INFO_PEER, (p) => {
          p.header(encodeIfinfomsg({}));
          linkHeader(p, peer.name, peer.mac);
          if (peer.nsFd !== undefined) p.u32(C.IFLA_NET_NS_FD, peer.nsFd);
        }),
      );
    }
  });
  const what = describe(spec);
  let echoed: LinkMessage | undefined;
  try {
    for (const m of rtnlRequest(sock, w, { type: 'RTM_NEWLINK', what })) {
      const link = m.type === C.RTM_NEWLINK ? decodeLink(m.payload) : undefined;
      if (link?.family === C.AF_UNSPEC && link.name === spec.name) echoed = link;
    }
  } catch (error) {
    if (hasErrno(error, 'EEXIST')) {
      const taken = [spec.name, spec.peer?.name].map((n) => n && linkFind(sock, n)).find((l) => l);
      if (taken) throw new NameTakenError(taken.name, { index: taken.index, kind: taken.kind }, { cause: error });
    }
    if (
      error instanceof NetlinkError &&
      error.code === 'EOPNOTSUPP' &&
      /unknown device type/i.test(error.extack ?? '')
    ) {
      throw new UnsupportedKindError(spec.kind, error.extack, { cause: error });
    }
    throw error;
  }
  return echoed ?? linkGet(sock, spec.name);
}

export function linkDel(sock: NetlinkSocket, index: number, name = `index ${index}`): void {
  const w = new MessageWriter(C.RTM_DELLINK, ACK).header(encodeIfinfomsg({ index }));
  rtnlRequest(sock, w, { type: 'RTM_DELLINK', what: `link del ${name}` });
}

/** linkDel, for undos: a device already gone (deleted by hand, or with its veth peer) is not an error. */
export function linkDelIfPresent(sock: NetlinkSocket, index: number, name?: string): void {
  try {
    linkDel(sock, index, name);
  } catch (error) {
    if (!hasErrno(error, 'ENODEV')) throw error;
  }
}

export interface LinkChange {
  up?: boolean;
  mac?: Buffer;
  /** Index of the new master; 0 detaches. */
  master?: number;
  /** Move to the namespace held by this descriptor. */
  nsFd?: number;
  /** IFLA_MTU, in bytes. */
  mtu?: number;
  /** IFLA_TXQLEN, in packets. */
  txQueueLen?: number;
  /** IFLA_IFALIAS; empty clears it. */
  alias?: string;
}

/** Changes a link, all in one request: `ip link set`. */
export function linkSet(sock: NetlinkSocket, index: number, change: LinkChange, name = `index ${index}`): void {
  const flags = change.up === undefined ? {} : { flags: change.up ? C.IFF_UP : 0, change: C.IFF_UP };
  const w = new MessageWriter(C.RTM_NEWLINK, ACK).header(encodeIfinfomsg({ index, ...flags }));
  const words: string[] = [];
  if (change.mac) {
    w.bytes(C.IFLA_ADDRESS, change.mac);
    words.push(`address ${formatMac(change.mac)}`);
  }
  if (change.master !== undefined) {
    w.u32(C.IFLA_MASTER, change.master);
    words.push(change.master ? `master index ${change.master}` : 'nomaster');
  }
  if (change.nsFd !== undefined) {
    w.u32(C.IFLA_NET_NS_FD, change.nsFd);
    words.push('netns <fd>');
  }
  if (change.mtu !== undefined) {
    w.u32(C.IFLA_MTU, change.mtu);
    words.push(`mtu ${change.mtu}`);
  }
  if (change.txQueueLen !== undefined) {
    w.u32(C.IFLA_TXQLEN, change.txQueueLen);
    words.push(`txqueuelen ${change.txQueueLen}`);
  }
  if (change.alias !== undefined) {
    // Without a NUL, as iproute2 sends it: a zero-length alias is what clears it.
    w.bytes(C.IFLA_IFALIAS, Buffer.from(change.alias, 'utf8'));
    words.push(`alias ${JSON.stringify(change.alias)}`);
  }
  if (change.up !== undefined) words.push(change.up ? 'up' : 'down');
  rtnlRequest(sock, w, { type: 'RTM_NEWLINK', what: `link set ${name} ${words.join(' ')}` });
}

/** Alternative names (`ip link property add|del dev DEV altname NAME`): RTM_NEWLINKPROP / RTM_DELLINKPROP. */
export function linkProperty(
  sock: NetlinkSocket,
  index: number,
  action: 'add' | 'del',
  altName: AltName,
  name = `index ${index}`,
): void {
  const type = action === 'add' ? C.RTM_NEWLINKPROP : C.RTM_DELLINKPROP;
  const w = new MessageWriter(type, ACK).header(encodeIfinfomsg({ index }));
  w.nest(C.IFLA_PROP_LIST, (list) => list.string(C.IFLA_ALT_IFNAME, altName));
  rtnlRequest(sock, w, {
    type: action === 'add' ? 'RTM_NEWLINKPROP' : 'RTM_DELLINKPROP',
    what: `link property ${action} dev ${name} altname ${altName}`,
  });
}

// Without NLM_F_ACK the reply is one message (see NetlinkSocket.request); without statistics
// the kernel builds a quarter less, so only reads that want them ask for them.
function getRequest(device: IfName | number, stats: boolean): MessageWriter {
  const w = new MessageWriter(C.RTM_GETLINK, C.NLM_F_REQUEST).header(
    encodeIfinfomsg({ index: typeof device === 'number' ? device : 0 }),
  );
  if (typeof device === 'string') w.string(C.IFLA_IFNAME, device);
  return stats ? w : w.u32(C.IFLA_EXT_MASK, C.RTEXT_FILTER_SKIP_STATS);
}

/** The link as the kernel sees it now, or undefined when there is none; with its counters when stats is set. */
export function linkFind(
  sock: NetlinkSocket,
  device: IfName | number,
  options: { stats?: boolean } = {},
): LinkMessage | undefined {
  try {
    const [m] = rtnlRequest(sock, getRequest(device, options.stats === true), {
      type: 'RTM_GETLINK',
      what: `link show ${device}`,
    });
    return m ? decodeLink(m.payload) : undefined;
  } catch (error) {
    if (hasErrno(error, 'ENODEV')) return undefined;
    throw error;
  }
}

/**
 * The index of the device called name, or undefined: SIOCGIFINDEX on the namespace's netlink
 * socket (if_nametoindex), which unlike a GET does not also run the device's pending linkwatch work.
 */
export function linkIndex(sock: NetlinkSocket, name: IfName): number | undefined {
  const ifr = Buffer.alloc(IFREQ_LEN);
  ifr.write(name, 0, 'utf8');
  if (sys.ioctl(sock.fd, C.SIOCGIFINDEX, ifr) < 0) {
    const errno = lastErrno();
    if (errno === ENODEV) return undefined;
    throw new SysError('ioctl', errno, `SIOCGIFINDEX ${name}`);
  }
  return ifr.readInt32LE(IFNAMSIZ_OFFSET);
}

/**
 * One link by name or index. A targeted get also makes recent kernels run the device's pending
 * linkwatch work first, so what it returns is settled state, not state up to a second old.
 */
export function linkGet(sock: NetlinkSocket, device: IfName | number): LinkMessage {
  const link = linkFind(sock, device);
  if (!link) throw new DeviceNotFoundError(device);
  return link;
}

/** All links of the namespace, or only the ports of one master. */
export function linkList(sock: NetlinkSocket, filter: { master?: number } = {}): LinkMessage[] {
  const build = (): MessageWriter => {
    const w = new MessageWriter(C.RTM_GETLINK, C.NLM_F_REQUEST | C.NLM_F_DUMP).header(encodeIfinfomsg({}));
    if (filter.master !== undefined) w.u32(C.IFLA_MASTER, filter.master);
    return w.u32(C.IFLA_EXT_MASK, C.RTEXT_FILTER_SKIP_STATS);
  };
  const what = filter.master === undefined ? 'link show' : `link show master index ${filter.master}`;
  return rtnlDump(sock, build, { type: 'RTM_GETLINK', what }).map((m) => decodeLink(m.payload));
}
