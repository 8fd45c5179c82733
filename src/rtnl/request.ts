// One place that turns kernel refusals every rtnetlink operation can meet into typed errors.
import type { NetlinkSocket } from '../netlink/socket.ts';
import type { MessageWriter, NetlinkMessage } from '../netlink/codec.ts';
import type { NetlinkError, RequestSummary } from '../netlink/errors.ts';
import { asPermissionError } from '../errors.ts';

const translate = (error: unknown, request: RequestSummary): unknown =>
  asPermissionError(error, 'CAP_NET_ADMIN', request.what);

export function rtnlRequest(sock: NetlinkSocket, msg: MessageWriter, request: RequestSummary): NetlinkMessage[] {
  try {
    return sock.request(msg, request);
  } catch (error) {
    throw translate(error, request);
  }
}

export function rtnlDump(sock: NetlinkSocket, build: () => MessageWriter, request: RequestSummary): NetlinkMessage[] {
  try {
    return sock.dump(build, request);
  } catch (error) {
    throw translate(error, request);
  }
}

/**
 * NetlinkSocket.requestBatch: the refusals by message index. Lacking CAP_NET_ADMIN is the
 * socket's, so the kernel refuses every message alike: that is thrown, as rtnlRequest would.
 */
export function rtnlBatch(
  sock: NetlinkSocket,
  messages: Iterable<MessageWriter>,
  summaryOf: (index: number) => RequestSummary,
): Map<number, NetlinkError> {
  const refused = sock.requestBatch(messages, summaryOf);
  for (const error of refused.values()) {
    const translated = translate(error, error.request);
    if (translated !== error) throw translated;
  }
  return refused;
}
