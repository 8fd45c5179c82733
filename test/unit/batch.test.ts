// Batches of netlink requests (NetlinkSocket.requestBatch), without a kernel: how messages are
// cut into send()s, and, against a stand-in for the kernel's side of the socket (libc's socket
// calls replaced), the bytes each send() carries and how the replies come back as refusals. The
// stand-in answers as net/netlink/af_netlink.c's netlink_rcv_skb() and netlink_ack() do: every
// message of a datagram in order, a reply only to a refused message or one with NLM_F_ACK,
// struct nlmsgerr with the request's header echoed (NETLINK_CAP_ACK) and the extack text as
// NLMSGERR_ATTR_MSG, laid out by hand here, never by nslab's decoder.
import koffi from 'koffi';
import { constants } from 'node:os';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { REPLY_CHARGE, runIsFull, sendLimits } from '../../src/netlink/batch.ts';
import { NetlinkSocket } from '../../src/netlink/socket.ts';
import { NetlinkError } from '../../src/netlink/errors.ts';
import { routeAddBatch, type RouteRequest } from '../../src/rtnl/route.ts';
import { parseAddress } from '../../src/values/route.ts';
import { sys } from '../../src/sys/libc.ts';
import * as C from '../../src/sys/constants.ts';

/** Hex with spaces and comments stripped: "10 00 # len" -> bytes. */
const hex = (text: string): Buffer => Buffer.from(text.replace(/#[^\n]*/g, '').replace(/\s+/g, ''), 'hex');
const ip4 = (a: string): Buffer => parseAddress('test', 'address', a).bytes;

describe('runIsFull: when a run of messages must go out before the next joins it', () => {
  const limits = { bytes: 120, messages: 3 };

  test('bounded by bytes: the message that would not fit starts the next run', () => {
    expect(runIsFull(1, 60, 60, limits)).toBe(false);
    expect(runIsFull(2, 120, 60, limits)).toBe(true);
  });

  test('bounded by the replies the receive buffer holds', () => {
    expect(runIsFull(2, 40, 20, limits)).toBe(false);
    expect(runIsFull(3, 60, 20, limits)).toBe(true);
  });

  test('an empty run takes any message, even one longer than a send (the kernel judges it)', () => {
    expect(runIsFull(0, 0, 500, limits)).toBe(false);
  });

  test("limits from the socket's buffers: the send buffer less netlink's 32 bytes, half the receive buffer in replies", () => {
    expect(sendLimits(212992, 212992)).toEqual({ bytes: 212960, messages: Math.floor(212992 / 2 / REPLY_CHARGE) });
    expect(sendLimits(0, 0)).toEqual({ bytes: 0, messages: 1 });
  });
});

/** The kernel's side of one netlink socket: what was sent, and the replies queued for recv(). */
interface FakeKernel {
  sent: Buffer[];
  /** errno and extack for the request with this sequence number; the others succeed. */
  refuse: Map<number, { errno: number; extack: string }>;
}

/** struct nlmsgerr for request (its 16-byte header echoed), with the extack text when refused. */
function ackFor(request: Buffer, errno: number, extack: string | undefined): Buffer {
  const text = extack === undefined ? Buffer.alloc(0) : Buffer.from(`${extack}\0`);
  const tlv = text.length ? Buffer.alloc(4 + ((text.length + 3) & ~3)) : Buffer.alloc(0);
  if (text.length) {
    tlv.writeUInt16LE(4 + text.length, 0);
    tlv.writeUInt16LE(C.NLMSGERR_ATTR_MSG, 2);
    text.copy(tlv, 4);
  }
  const header = Buffer.alloc(16);
  const len = 16 + 4 + 16 + tlv.length;
  header.writeUInt32LE(len, 0);
  header.writeUInt16LE(C.NLMSG_ERROR, 4);
  header.writeUInt16LE(C.NLM_F_CAPPED | (tlv.length ? C.NLM_F_ACK_TLVS : 0), 6);
  header.writeUInt32LE(request.readUInt32LE(8), 8);
  const code = Buffer.alloc(4);
  code.writeInt32LE(-errno);
  return Buffer.concat([header, code, request.subarray(0, 16), tlv]);
}

function fakeKernel(buffers: { send: number; receive: number }): FakeKernel {
  const kernel: FakeKernel = { sent: [], refuse: new Map() };
  const queue: Buffer[] = [];
  vi.spyOn(sys, 'socket').mockReturnValue(1000);
  vi.spyOn(sys, 'bind').mockReturnValue(0);
  vi.spyOn(sys, 'setsockopt').mockReturnValue(0);
  vi.spyOn(sys, 'close').mockReturnValue(0);
  vi.spyOn(sys, 'poll').mockReturnValue(0);
  vi.spyOn(sys, 'getsockopt').mockImplementation((_fd: number, _level: number, name: number, value: Buffer) => {
    value.writeInt32LE(name === C.SO_SNDBUF ? buffers.send : buffers.receive);
    return 0;
  });
  vi.spyOn(sys, 'send').mockImplementation((_fd: number, data: Buffer, len: number) => {
    const datagram = Buffer.from(data.subarray(0, len));
    kernel.sent.push(datagram);
    // A reply of someone else's request first (another sequence number): to be skipped.
    queue.push(ackFor(hex('10000000 1800 0500 ffffffff 00000000'), 0, undefined));
    for (let at = 0; at < datagram.length; at += (datagram.readUInt32LE(at) + 3) & ~3) {
      const request = datagram.subarray(at, at + datagram.readUInt32LE(at));
      const refusal = kernel.refuse.get(request.readUInt32LE(8));
      if (refusal) queue.push(ackFor(request, refusal.errno, refusal.extack));
      else if (request.readUInt16LE(6) & C.NLM_F_ACK) queue.push(ackFor(request, 0, undefined));
    }
    return len;
  });
  vi.spyOn(sys, 'recv').mockImplementation((_fd: number, into: Buffer) => {
    const next = queue.shift();
    if (!next) {
      koffi.errno(constants.errno.EAGAIN);
      return -1;
    }
    next.copy(into);
    return next.length;
  });
  return kernel;
}

/** A socket whose first sequence number is 1, so that the bytes are fixed. */
function openSocket(): NetlinkSocket {
  vi.spyOn(Math, 'random').mockReturnValueOnce(0);
  return new NetlinkSocket();
}

const route = (host: string): RouteRequest => ({
  family: 4,
  dst: ip4(host),
  dstLength: 32,
  table: 1000,
  protocol: C.RTPROT_BOOT,
  scope: C.RT_SCOPE_UNIVERSE,
  type: C.RTN_UNICAST,
  gateway: ip4('192.0.2.254'),
  dev: { index: 2, name: 'v0' },
});

/** RTM_NEWROUTE 198.51.100.HOST/32 via 192.0.2.254 dev index 2 table 1000, as iproute2 lays it out. */
const newRoute = (seq: number, host: number, ack: boolean): string => `
  3c000000 1800 ${ack ? '0506' : '0106'} ${seq.toString(16).padStart(2, '0')}000000 00000000  # len 60, RTM_NEWROUTE, REQUEST|CREATE|EXCL (|ACK), seq
  02 20 00 00  fc 03 00 01  00000000                 # rtmsg: AF_INET, /32, table COMPAT, boot, universe, unicast
  0800 0f00 e8030000                                 # RTA_TABLE 1000
  0800 0100 c63364${host.toString(16).padStart(2, '0')}  # RTA_DST 198.51.100.HOST
  0800 0500 c00002fe                                 # RTA_GATEWAY 192.0.2.254
  0800 0400 02000000                                 # RTA_OIF 2
`;

describe('requestBatch against a stand-in kernel', () => {
  beforeEach(() => vi.restoreAllMocks());
  afterEach(() => vi.restoreAllMocks());

  test('one send() carries every message, consecutive sequence numbers, NLM_F_ACK on the last only', () => {
    const kernel = fakeKernel({ send: 212992, receive: 212992 });
    const sock = openSocket();
    const refused = routeAddBatch(sock, [route('198.51.100.1'), route('198.51.100.2'), route('198.51.100.3')]);
    expect(refused.size).toBe(0);
    expect(kernel.sent).toEqual([hex(newRoute(1, 1, false) + newRoute(2, 2, false) + newRoute(3, 3, true))]);
    sock.close();
  });

  test('cut where the receive buffer could not hold a reply to each; refusals by index, with their own request and extack', () => {
    // 4 * REPLY_CHARGE bytes of receive buffer: half of it, 2 replies, per send.
    const kernel = fakeKernel({ send: 212992, receive: 4 * REPLY_CHARGE });
    kernel.refuse.set(2, { errno: constants.errno.EEXIST, extack: 'Route exists' });
    kernel.refuse.set(5, { errno: constants.errno.EINVAL, extack: 'Nexthop has invalid gateway' });
    const sock = openSocket();
    const hosts = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5'];
    const refused = routeAddBatch(sock, hosts.map(route));
    expect(kernel.sent).toEqual([
      hex(newRoute(1, 1, false) + newRoute(2, 2, true)),
      hex(newRoute(3, 3, false) + newRoute(4, 4, true)),
      hex(newRoute(5, 5, true)),
    ]);
    expect([...refused.keys()]).toEqual([1, 4]);
    const [second, fifth] = [refused.get(1)!, refused.get(4)!];
    expect(second).toBeInstanceOf(NetlinkError);
    expect(second).toMatchObject({
      code: 'EEXIST',
      extack: 'Route exists',
      request: { type: 'RTM_NEWROUTE', what: 'route add 198.51.100.2/32 via 192.0.2.254 dev v0 table 1000' },
    });
    expect(fifth.message).toBe(
      'route add 198.51.100.5/32 via 192.0.2.254 dev v0 table 1000 (RTM_NEWROUTE) failed: EINVAL: Nexthop has invalid gateway',
    );
    sock.close();
  });

  test('cut where the send buffer ends: at most its size less 32 bytes per send()', () => {
    const kernel = fakeKernel({ send: 32 + 2 * 60, receive: 212992 });
    const sock = openSocket();
    routeAddBatch(sock, ['198.51.100.1', '198.51.100.2', '198.51.100.3'].map(route));
    expect(kernel.sent.map((d) => d.length)).toEqual([120, 60]);
    sock.close();
  });

  test('no messages, no send()', () => {
    const kernel = fakeKernel({ send: 212992, receive: 212992 });
    const sock = openSocket();
    expect(routeAddBatch(sock, []).size).toBe(0);
    expect(kernel.sent).toEqual([]);
    sock.close();
  });
});
