// `ip neigh` over rtnetlink: add, replace, delete, list, get, on one namespace's socket.
import * as C from '../sys/constants.ts';
import { hasErrno } from '../errors.ts';
import { MessageWriter } from '../netlink/codec.ts';
import type { NetlinkSocket } from '../netlink/socket.ts';
import { decodeNeigh, encodeNdmsg, type NeighMessage } from '../netlink/neigh.ts';
import { formatIp } from '../values/ip.ts';
import { formatMac } from '../values/mac.ts';
import { neighStateName } from '../values/neigh.ts';
import { rtnlDump, rtnlRequest } from './request.ts';

const ACK = C.NLM_F_REQUEST | C.NLM_F_ACK;

/** Which entry a request is about: the device, the neighbour's address, and whether it is a proxy entry. */
export interface NeighKey {
  index: number;
  /** The device's name, for the request's description. */
  dev: string;
  /** NDA_DST: 4 bytes for ARP, 16 for NDP. */
  address: Buffer;
  /** NTF_PROXY: a proxy (pneigh) entry instead of a neighbour. */
  proxy: boolean;
}

/** An entry to write, its values already parsed (src/values/). */
export interface NeighEntry extends NeighKey {
  lladdr: Buffer | undefined;
  /** A NUD_* value. */
  state: number;
  /** NTF_ROUTER: the neighbour is an IPv6 router. */
  router: boolean;
}

const familyOf = (address: Buffer): number => (address.length === 4 ? C.AF_INET : C.AF_INET6);

function keyMessage(type: number, flags: number, key: NeighKey, state = 0, ntf = 0): MessageWriter {
  return new MessageWriter(type, flags)
    .header(
      encodeNdmsg({
        family: familyOf(key.address),
        index: key.index,
        state,
        flags: ntf | (key.proxy ? C.NTF_PROXY : 0),
      }),
    )
    .bytes(C.NDA_DST, key.address);
}

/** The words after `ip neigh add` that iproute2 would take for the entry. */
function describeEntry(e: NeighEntry): string {
  if (e.proxy) return `proxy ${formatIp(e.address)} dev ${e.dev}`;
  const lladdr = e.lladdr ? ` lladdr ${formatMac(e.lladdr)}` : '';
  return `${formatIp(e.address)}${lladdr} nud ${neighStateName(e.state)}${e.router ? ' router' : ''} dev ${e.dev}`;
}

function writeEntry(sock: NetlinkSocket, verb: 'add' | 'replace', flags: number, e: NeighEntry): void {
  const w = keyMessage(C.RTM_NEWNEIGH, ACK | C.NLM_F_CREATE | flags, e, e.state, e.router ? C.NTF_ROUTER : 0);
  if (e.lladdr) w.bytes(C.NDA_LLADDR, e.lladdr);
  rtnlRequest(sock, w, { type: 'RTM_NEWNEIGH', what: `neigh ${verb} ${describeEntry(e)}` });
}

/** `ip neigh add`: refused (EEXIST) when the entry exists. */
export function neighAdd(sock: NetlinkSocket, entry: NeighEntry): void {
  writeEntry(sock, 'add', C.NLM_F_EXCL, entry);
}

/** `ip neigh replace`: creates the entry or overwrites it. */
export function neighReplace(sock: NetlinkSocket, entry: NeighEntry): void {
  writeEntry(sock, 'replace', C.NLM_F_REPLACE, entry);
}

const describeKey = (key: NeighKey): string => `${key.proxy ? 'proxy ' : ''}${formatIp(key.address)} dev ${key.dev}`;

/** `ip neigh del`: refused (ENOENT) when there is no such entry. */
export function neighDel(sock: NetlinkSocket, key: NeighKey): void {
  rtnlRequest(sock, keyMessage(C.RTM_DELNEIGH, ACK, key), {
    type: 'RTM_DELNEIGH',
    what: `neigh del ${describeKey(key)}`,
  });
}

/** `ip neigh get`: the one entry, or undefined when there is none (ENOENT). */
export function neighGet(sock: NetlinkSocket, key: NeighKey): NeighMessage | undefined {
  try {
    const [m] = rtnlRequest(sock, keyMessage(C.RTM_GETNEIGH, C.NLM_F_REQUEST, key), {
      type: 'RTM_GETNEIGH',
      what: `neigh get ${describeKey(key)}`,
    });
    return m ? decodeNeigh(m.payload) : undefined;
  } catch (error) {
    if (hasErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/** Which entries neighList dumps: the neighbours (or proxy entries) of one device, or of all (index 0). */
export interface NeighFilter {
  index?: number;
  proxy?: boolean;
}

/**
 * `ip neigh show [proxy] [dev DEV] nud all`, both families. The kernel filters by device (strict
 * checking is on, so it takes NDA_IFINDEX and refuses a header field it would ignore).
 */
export function neighList(sock: NetlinkSocket, { index = 0, proxy = false }: NeighFilter = {}): NeighMessage[] {
  const build = (): MessageWriter => {
    const w = new MessageWriter(C.RTM_GETNEIGH, C.NLM_F_REQUEST | C.NLM_F_DUMP).header(
      encodeNdmsg({ family: C.AF_UNSPEC, index: 0, flags: proxy ? C.NTF_PROXY : 0 }),
    );
    return index ? w.u32(C.NDA_IFINDEX, index) : w;
  };
  const what = `neigh show${proxy ? ' proxy' : ''}${index ? ` dev index ${index}` : ''} nud all`;
  return rtnlDump(sock, build, { type: 'RTM_GETNEIGH', what }).map((m) => decodeNeigh(m.payload));
}
