// One place that turns kernel refusals every rtnetlink operation can meet into typed errors.
import { constants } from 'node:os';
import type { NetlinkSocket } from '../netlink/socket.ts';
import type { MessageWriter, NetlinkMessage } from '../netlink/codec.ts';
import { NetlinkError, type RequestSummary } from '../netlink/errors.ts';
import { PermissionError } from '../errors.ts';

const { EPERM } = constants.errno;

function translate(error: unknown, request: RequestSummary): unknown {
  if (error instanceof NetlinkError && error.errno === EPERM) {
    return new PermissionError('CAP_NET_ADMIN', request.what, { cause: error });
  }
  return error;
}

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
