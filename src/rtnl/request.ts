// One place that turns kernel refusals every rtnetlink operation can meet into typed errors.
import type { NetlinkSocket } from '../netlink/socket.ts';
import type { MessageWriter, NetlinkMessage } from '../netlink/codec.ts';
import type { RequestSummary } from '../netlink/errors.ts';
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
