// The kernel's answer at the end of a request or a dump: NLMSG_ERROR (errno 0 is the
// acknowledgement) and NLMSG_DONE, each with the errno and, when the socket asked for extended
// acks, the kernel's explanation and the offset of the attribute it refused.
import * as C from '../sys/constants.ts';
import { MalformedMessageError } from '../errors.ts';
import { align4, attrString, attrU32, NLMSG_HDRLEN, parseAttrs, type NetlinkMessage } from './codec.ts';

export interface Ack {
  /** 0: success; otherwise the positive errno. */
  errno: number;
  extack: string | undefined;
  extackOffset: number | undefined;
}

export function decodeAck(m: NetlinkMessage): Ack {
  const { payload } = m;
  // An error message always carries its errno; read as 0, a cut one would pass for success. (A
  // dump's NLMSG_DONE may come bare from other netlink families' implementations: that is success.)
  if (m.type === C.NLMSG_ERROR && payload.length < 4) {
    throw new MalformedMessageError(
      `an NLMSG_ERROR payload of ${payload.length} bytes, without its errno,`,
      0,
      payload.length,
    );
  }
  // `|| 0`: negating the success value 0 would give -0.
  const errno = payload.length >= 4 ? -payload.readInt32LE(0) || 0 : 0;
  if (errno === 0 || !(m.flags & C.NLM_F_ACK_TLVS)) return { errno, extack: undefined, extackOffset: undefined };
  // NLMSG_DONE echoes nothing; with NETLINK_CAP_ACK an error echoes only the request's header,
  // else the whole request, whose own length the echoed header gives. The kernel pads the echo
  // to 4 bytes before the TLVs (nlmsg_put aligns the payload).
  const capped = (m.flags & C.NLM_F_CAPPED) !== 0;
  if (m.type !== C.NLMSG_DONE && !capped && payload.length < 8) {
    throw new MalformedMessageError('an echoed request without its length', 4, payload.length);
  }
  const echoed = m.type === C.NLMSG_DONE ? 0 : capped ? NLMSG_HDRLEN : payload.readUInt32LE(4);
  if (4 + echoed > payload.length)
    throw new MalformedMessageError(`an echoed request of ${echoed} bytes`, 4, payload.length);
  const tlvs = parseAttrs(payload, align4(4 + echoed));
  return { errno, extack: attrString(tlvs, C.NLMSGERR_ATTR_MSG), extackOffset: attrU32(tlvs, C.NLMSGERR_ATTR_OFFS) };
}
