// The bytes of the one request an rtnl function sends, without a kernel: a stand-in socket
// captures the message (with sequence number 1) and then refuses, so the real request
// builders can be checked without root.
import { expect } from 'vitest';
import type { MessageWriter } from '../../src/netlink/codec.ts';
import type { NetlinkSocket } from '../../src/netlink/socket.ts';

export function capture(run: (sock: NetlinkSocket) => void): Buffer {
  let sent: Buffer | undefined;
  const sock = {
    request(w: MessageWriter): never {
      sent = Buffer.from(w.finish(1));
      throw new Error('captured');
    },
  } as unknown as NetlinkSocket;
  expect(() => run(sock)).toThrow('captured');
  return sent!;
}

/** The bytes of the dump request an rtnl function sends, the same way. */
export function captureDump(run: (sock: NetlinkSocket) => void): Buffer {
  let sent: Buffer | undefined;
  const sock = {
    dump(build: () => MessageWriter): never {
      sent = Buffer.from(build().finish(1));
      throw new Error('captured');
    },
  } as unknown as NetlinkSocket;
  expect(() => run(sock)).toThrow('captured');
  return sent!;
}
