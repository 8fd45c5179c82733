// The kernel's answer at the end of a request or a dump: NLMSG_ERROR (errno 0 is the
// acknowledgement) and NLMSG_DONE, each with the errno and, when the socket asked for extended
// acks, the kernel's explanation and the offset of the attribute it refused.
import * as C from '../sys/constants.ts';
import { attrString, attrU32, NLMSG_HDRLEN, parseAttrs, type NetlinkMessage } from './codec.ts';

export interface Ack {
  /** 0: success; otherwise the positive errno. */
  errno: number;
  extack: string | undefined;
  extackOffset: number | undefined;
}

export function decodeAck(m: NetlinkMessage): Ack {
  const errno = m.payload.length >= 4 ? -m.payload.readInt32LE(0) : 0;
  if (errno === 0) return { errno, extack: undefined, extackOffset: undefined };
  // NLMSG_DONE echoes nothing; with NETLINK_CAP_ACK an error echoes only the request's header.
  const echoed = m.type === C.NLMSG_DONE ? 0 : m.flags & C.NLM_F_CAPPED ? NLMSG_HDRLEN : m.payload.readUInt32LE(4);
  const tlvs = m.flags & C.NLM_F_ACK_TLVS ? parseAttrs(m.payload, 4 + echoed) : new Map();
  return { errno, extack: attrString(tlvs, C.NLMSGERR_ATTR_MSG), extackOffset: attrU32(tlvs, C.NLMSGERR_ATTR_OFFS) };
}
