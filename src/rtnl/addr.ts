// `ip addr` over rtnetlink: add, delete, list.
import * as C from '../sys/constants.ts';
import { MessageWriter } from '../netlink/codec.ts';
import type { NetlinkSocket } from '../netlink/socket.ts';
import { decodeAddr, encodeIfaddrmsg, type AddrMessage } from '../netlink/addr.ts';
import type { Cidr } from '../values/ip.ts';
import { rtnlDump, rtnlRequest } from './request.ts';

const ACK = C.NLM_F_REQUEST | C.NLM_F_ACK;

function addrMessage(type: number, flags: number, index: number, cidr: Cidr, ifaFlags: number): MessageWriter {
  const family = cidr.family === 4 ? C.AF_INET : C.AF_INET6;
  return new MessageWriter(type, flags)
    .header(encodeIfaddrmsg({ family, prefixLength: cidr.prefixLength, flags: ifaFlags, index }))
    .bytes(C.IFA_LOCAL, cidr.bytes)
    .bytes(C.IFA_ADDRESS, cidr.bytes)
    .u32(C.IFA_FLAGS, ifaFlags);
}

export interface AddrAddOptions {
  /** Skip duplicate address detection: the address is usable at once (IFA_F_NODAD). */
  nodad?: boolean;
}

export function addrAdd(
  sock: NetlinkSocket,
  index: number,
  cidr: Cidr,
  options: AddrAddOptions = {},
  name = `index ${index}`,
): void {
  const flags = options.nodad ? C.IFA_F_NODAD : 0;
  const w = addrMessage(C.RTM_NEWADDR, ACK | C.NLM_F_CREATE | C.NLM_F_EXCL, index, cidr, flags);
  const what = `addr add ${cidr.address}/${cidr.prefixLength} dev ${name}${options.nodad ? ' nodad' : ''}`;
  rtnlRequest(sock, w, { type: 'RTM_NEWADDR', what });
}

export function addrDel(sock: NetlinkSocket, index: number, cidr: Cidr, name = `index ${index}`): void {
  const w = addrMessage(C.RTM_DELADDR, ACK, index, cidr, 0);
  rtnlRequest(sock, w, { type: 'RTM_DELADDR', what: `addr del ${cidr.address}/${cidr.prefixLength} dev ${name}` });
}

/** Addresses of the namespace, or of one device (the kernel filters: strict checking is on). */
export function addrList(sock: NetlinkSocket, index = 0): AddrMessage[] {
  const build = (): MessageWriter =>
    new MessageWriter(C.RTM_GETADDR, C.NLM_F_REQUEST | C.NLM_F_DUMP).header(
      encodeIfaddrmsg({ family: C.AF_UNSPEC, prefixLength: 0, index }),
    );
  return rtnlDump(sock, build, { type: 'RTM_GETADDR', what: index ? `addr show dev index ${index}` : 'addr show' }).map(
    (m) => decodeAddr(m.payload),
  );
}
