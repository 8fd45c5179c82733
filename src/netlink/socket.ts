// A NETLINK_ROUTE socket. Requests are synchronous: rtnetlink handles a request inside the
// sender's sendmsg() and queues the reply before it returns, and a dump produces its next
// batch inside recvmsg(). So send-then-recv needs no event-loop round trip, which is what
// lets a fixture cycle run at the speed of the raw syscalls. The socket is non-blocking; a
// reply that is somehow not there yet is waited for with poll() and a bounded timeout.
// A dump runs in the kernel until its NLMSG_DONE is read, and until then the kernel refuses
// another dump on the socket (EBUSY); so a dump given up midway is read to its end before the
// socket's next request. A reply too large for the receive buffer is lost, but the buffer grows,
// and GETs and dumps (never changes) are asked for again.
import * as C from '../sys/constants.ts';
import { check, lastErrno, sys, SysError } from '../sys/libc.ts';
import { decodeAck } from './ack.ts';
import { runIsFull, sendLimits, type SendLimits } from './batch.ts';
import { MessageWriter, parseMessages, type NetlinkMessage } from './codec.ts';
import { NetlinkError, type RequestSummary } from './errors.ts';
import { hasErrno, NslabError } from '../errors.ts';
import { constants } from 'node:os';

const RECV_BUFFER = 64 * 1024;
const REPLY_TIMEOUT_MS = 10_000;
const DUMP_ATTEMPTS = 5;
const { EAGAIN, EINTR, EMSGSIZE, ENOBUFS } = constants.errno;

/** A datagram too large for the receive buffer was lost (see receiveNow); the grown buffer fits it next time. */
const isLostToSize = (error: unknown): boolean => hasErrno(error, 'EMSGSIZE');

function setIntOption(fd: number, level: number, name: number, value: number): void {
  const v = Buffer.alloc(4);
  v.writeInt32LE(value);
  check(sys.setsockopt(fd, level, name, v, 4), 'setsockopt', `option ${name}`);
}

function getIntOption(fd: number, level: number, name: number): number {
  const v = Buffer.alloc(4);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(4);
  check(sys.getsockopt(fd, level, name, v, len), 'getsockopt', `option ${name}`);
  return v.readInt32LE(0);
}

// One receive buffer for every socket: receives are synchronous on the main thread and copy
// the datagram out, and a fresh 64 KiB per socket cost ~20 us of zero-filling per namespace.
// It grows when a datagram did not fit (a link with hundreds of alternative names is over 64 KiB).
let rbuf = Buffer.alloc(RECV_BUFFER);

export interface SocketOptions {
  /** RTNLGRP_* multicast groups to join (for notification sockets). */
  groups?: number[];
  /** Receive buffer size in bytes (SO_RCVBUFFORCE, so it may exceed rmem_max as root). */
  receiveBuffer?: number;
}

/** A NETLINK_ROUTE socket bound in the namespace it was opened in; requests on it are synchronous. */
export class NetlinkSocket {
  /** The socket's file descriptor. */
  readonly fd: number;
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private closed = false;
  /** The sequence number of a dump whose end has not been read yet. */
  private openDump: number | undefined;
  /** What one send() of a batch may carry, read from the socket's buffer sizes on the first batch. */
  private batchLimits: SendLimits | undefined;

  /** Opens a socket in the calling thread's current namespace; call it inside a namespace switch. */
  constructor(options: SocketOptions = {}) {
    this.fd = check(
      sys.socket(C.AF_NETLINK, C.SOCK_RAW | C.SOCK_CLOEXEC | C.SOCK_NONBLOCK, C.NETLINK_ROUTE),
      'socket',
      'AF_NETLINK',
    );
    try {
      const addr = Buffer.alloc(12);
      addr.writeUInt16LE(C.AF_NETLINK, 0);
      check(sys.bind(this.fd, addr, addr.length), 'bind', 'netlink');
      setIntOption(this.fd, C.SOL_NETLINK, C.NETLINK_EXT_ACK, 1);
      setIntOption(this.fd, C.SOL_NETLINK, C.NETLINK_CAP_ACK, 1);
      setIntOption(this.fd, C.SOL_NETLINK, C.NETLINK_GET_STRICT_CHK, 1);
      if (options.receiveBuffer) {
        try {
          setIntOption(this.fd, C.SOL_SOCKET, C.SO_RCVBUFFORCE, options.receiveBuffer);
        } catch (error) {
          // SO_RCVBUFFORCE needs CAP_NET_ADMIN; without it take what rmem_max allows.
          if (!hasErrno(error, 'EPERM')) throw error;
          setIntOption(this.fd, C.SOL_SOCKET, C.SO_RCVBUF, options.receiveBuffer);
        }
      }
      for (const group of options.groups ?? []) setIntOption(this.fd, C.SOL_NETLINK, C.NETLINK_ADD_MEMBERSHIP, group);
    } catch (error) {
      sys.close(this.fd);
      throw error;
    }
  }

  /** Closes the socket; a second call does nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    sys.close(this.fd);
  }

  private send(msg: Buffer): void {
    if (this.closed) throw new NslabError('netlink socket is closed (its namespace was destroyed?)');
    for (;;) {
      if (sys.send(this.fd, msg, msg.length, 0) >= 0) return;
      if (lastErrno() !== EINTR) throw new SysError('send', lastErrno(), 'netlink');
    }
  }

  /**
   * Reads whatever is queued, without blocking: null when nothing is. ENOBUFS (the kernel
   * dropped notifications because the receive buffer overflowed) surfaces as a SysError for
   * the caller to resynchronise, and so does EMSGSIZE: a datagram larger than the buffer, which
   * is lost, though the buffer grows so that the next one that size fits.
   */
  receiveNow(): NetlinkMessage[] | null {
    for (;;) {
      // MSG_TRUNC: netlink then returns the datagram's whole length, so a cut one is seen, not parsed.
      const n = Number(sys.recv(this.fd, rbuf, rbuf.length, C.MSG_DONTWAIT | C.MSG_TRUNC));
      if (n > rbuf.length) {
        const size = rbuf.length;
        rbuf = Buffer.alloc(Math.ceil(n / RECV_BUFFER) * RECV_BUFFER);
        throw new SysError(
          'recv',
          EMSGSIZE,
          `a ${n}-byte netlink message did not fit the ${size}-byte buffer and was lost; the buffer has grown, so a retry reads it`,
        );
      }
      // Copied: the receive buffer is reused by the next recv, and messages outlive it.
      if (n >= 0) return parseMessages(Buffer.from(rbuf.subarray(0, n)));
      const errno = lastErrno();
      if (errno === EAGAIN) return null;
      if (errno !== EINTR) throw new SysError('recv', errno, errno === ENOBUFS ? 'netlink overflow' : 'netlink');
    }
  }

  /** The next datagram's messages, waiting until deadline; summary names the request in the time-out's message. */
  private receive(deadline: number, summary: () => RequestSummary): NetlinkMessage[] {
    for (;;) {
      const msgs = this.receiveNow();
      if (msgs) return msgs;
      const left = deadline - Date.now();
      if (left <= 0) {
        const request = summary();
        throw new NslabError(
          `${request.what} (${request.type}): no reply from the kernel within ${REPLY_TIMEOUT_MS} ms`,
        );
      }
      const pfd = Buffer.alloc(8);
      pfd.writeInt32LE(this.fd, 0);
      pfd.writeInt16LE(C.POLLIN, 4);
      sys.poll(pfd, 1, Math.min(left, 1000));
    }
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0 || 1;
    return this.seq;
  }

  /** The refusal an ack reports, or null for success; summary is asked for only on a refusal. */
  private errorOf(m: NetlinkMessage, summary: () => RequestSummary): NetlinkError | null {
    const { errno, extack, extackOffset } = decodeAck(m);
    return errno === 0 ? null : new NetlinkError(errno, summary(), extack, extackOffset);
  }

  /**
   * Sends one request and returns the messages the kernel sent back before its
   * acknowledgement (empty for plain changes; the object for a GET by name or index).
   * A request built without NLM_F_ACK is a GET answered by exactly one message (or an error),
   * so it ends at that message: the kernel acknowledges only on request or error, and the
   * separate acknowledgement would cost a second receive.
   */
  request(build: MessageWriter, request: RequestSummary): NetlinkMessage[] {
    this.settleDump();
    // NLM_F_DUMP is the dump's own end marker (NLMSG_DONE); the rest without NLM_F_ACK get one reply.
    const single = (build.flags & (C.NLM_F_ACK | C.NLM_F_DUMP)) === 0;
    for (let attempt = 1; ; attempt++) {
      const seq = this.nextSeq();
      this.send(build.finish(seq));
      try {
        return this.replies(seq, single, request);
      } catch (error) {
        // A GET's reply lost to its size is asked for again, once, into the grown buffer; a change is never repeated.
        if (!(single && attempt === 1 && isLostToSize(error))) throw error;
      }
    }
  }

  private replies(seq: number, single: boolean, request: RequestSummary): NetlinkMessage[] {
    const deadline = Date.now() + REPLY_TIMEOUT_MS;
    const out: NetlinkMessage[] = [];
    for (;;) {
      for (const m of this.receive(deadline, () => request)) {
        if (m.seq !== seq) continue;
        if (m.type === C.NLMSG_ERROR) {
          const error = this.errorOf(m, () => request);
          if (error) throw error;
          return out;
        }
        if (m.type === C.NLMSG_DONE) return out;
        out.push(m);
        if (single) return out;
      }
    }
  }

  /**
   * Sends many change requests (RTM_NEWROUTE, ...) in as few send()s as the socket's buffers
   * allow, with consecutive sequence numbers, and returns the kernel's refusals by the index of
   * the message refused, each a NetlinkError with that message's summary (summaryOf is asked only
   * for those) and extack; an empty map: every message was done. The kernel handles every message
   * of a datagram in order, inside the send(), and goes on after a refusal. It replies to a
   * message without NLM_F_ACK only if it refuses it, so messages built without the flag cost no
   * reply when they succeed; the last of each send() gets the flag, and its ack, queued after the
   * replies to all the others, ends the send. Replies other than acks (to a GET in the batch) are
   * not returned: a batch is for changes. A failure of the socket itself (send, receive, no reply
   * in time) is thrown as for request(), and then the outcome of the send() it hit is unknown.
   */
  requestBatch(
    messages: Iterable<MessageWriter>,
    summaryOf: (index: number) => RequestSummary,
  ): Map<number, NetlinkError> {
    this.settleDump();
    const limits = (this.batchLimits ??= sendLimits(
      getIntOption(this.fd, C.SOL_SOCKET, C.SO_SNDBUF),
      getIntOption(this.fd, C.SOL_SOCKET, C.SO_RCVBUF),
    ));
    const refused = new Map<number, NetlinkError>();
    // Built as they are sent, a run at a time: 10,000 messages alive at once cost more in the
    // garbage collector than building them.
    let run: Buffer[] = [];
    let bytes = 0;
    let index = 0;
    for (const w of messages) {
      const m = w.finish(this.nextSeq());
      if (runIsFull(run.length, bytes, m.length, limits)) {
        this.sendRun(run, index - run.length, summaryOf, refused);
        run = [];
        bytes = 0;
      }
      run.push(m);
      bytes += m.length;
      index++;
    }
    if (run.length) this.sendRun(run, index - run.length, summaryOf, refused);
    return refused;
  }

  /** Sends run (messages start.. of the batch) in one datagram, the last asking for the ack, and collects its replies. */
  private sendRun(
    run: Buffer[],
    start: number,
    summaryOf: (index: number) => RequestSummary,
    refused: Map<number, NetlinkError>,
  ): void {
    const last = run[run.length - 1]!;
    last.writeUInt16LE(last.readUInt16LE(6) | C.NLM_F_ACK, 6);
    this.send(run.length === 1 ? last : Buffer.concat(run));
    this.collectAcks(run, start, summaryOf, refused);
  }

  /** Reads the replies to run (messages start.. of the batch) until the ack of its last, noting each refusal in refused. */
  private collectAcks(
    run: readonly Buffer[],
    start: number,
    summaryOf: (index: number) => RequestSummary,
    refused: Map<number, NetlinkError>,
  ): void {
    const indexOf = new Map<number, number>();
    for (let i = 0; i < run.length; i++) indexOf.set(run[i]!.readUInt32LE(8), start + i);
    const lastSeq = run[run.length - 1]!.readUInt32LE(8);
    const deadline = Date.now() + REPLY_TIMEOUT_MS;
    for (;;) {
      for (const m of this.receive(deadline, () => summaryOf(start + run.length - 1))) {
        const i = indexOf.get(m.seq);
        if (i === undefined || m.type !== C.NLMSG_ERROR) continue;
        const error = this.errorOf(m, () => summaryOf(i));
        if (error) refused.set(i, error);
        if (m.seq === lastSeq) return;
      }
    }
  }

  /**
   * Reads the rest of a dump given up midway (its caller got an error), up to its end. A running
   * dump has its next batch queued by the kernel inside each recv, so an empty queue means it has
   * ended: its NLMSG_DONE may have been in a datagram lost to its size.
   */
  private settleDump(): void {
    const seq = this.openDump;
    if (seq === undefined) return;
    this.openDump = undefined;
    const deadline = Date.now() + REPLY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      let msgs: NetlinkMessage[] | null;
      try {
        msgs = this.receiveNow();
      } catch (error) {
        if (isLostToSize(error)) continue;
        throw error;
      }
      if (!msgs || msgs.some((m) => m.seq === seq && (m.type === C.NLMSG_DONE || m.type === C.NLMSG_ERROR))) return;
    }
  }

  /**
   * A dump (NLM_F_DUMP). When the kernel flags it as interrupted (NLM_F_DUMP_INTR: the table
   * changed mid-dump) it is repeated, a bounded number of times, so callers get a consistent view.
   */
  dump(build: () => MessageWriter, request: RequestSummary): NetlinkMessage[] {
    this.settleDump();
    for (let attempt = 1; ; attempt++) {
      const seq = this.nextSeq();
      this.send(build().finish(seq));
      this.openDump = seq;
      const deadline = Date.now() + REPLY_TIMEOUT_MS;
      const out: NetlinkMessage[] = [];
      let interrupted = false;
      let lost = false;
      let done = false;
      while (!done && !lost) {
        let msgs: NetlinkMessage[];
        try {
          msgs = this.receive(deadline, () => request);
        } catch (error) {
          // A message lost to its size: read the dump to its end, then repeat it into the grown buffer.
          if (!isLostToSize(error) || attempt === DUMP_ATTEMPTS) throw error;
          lost = true;
          continue;
        }
        for (const m of msgs) {
          if (m.seq !== seq) continue;
          if (m.flags & C.NLM_F_DUMP_INTR) interrupted = true;
          if (m.type === C.NLMSG_DONE || m.type === C.NLMSG_ERROR) {
            this.openDump = undefined;
            const error = this.errorOf(m, () => request);
            if (error) throw error;
            done = true;
          } else out.push(m);
        }
      }
      if (lost) {
        this.settleDump();
        continue;
      }
      if (!interrupted) return out;
      if (attempt === DUMP_ATTEMPTS) {
        throw new NslabError(
          `${request.what} (${request.type}): the dump was interrupted ${DUMP_ATTEMPTS} times in a row by concurrent changes`,
        );
      }
    }
  }
}
