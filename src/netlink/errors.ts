// What the kernel said when it refused a netlink request.
import { ErrnoError } from '../errors.ts';
import { errnoName } from '../sys/libc.ts';

/** A short description of the request that failed, for messages and for programs. */
export interface RequestSummary {
  /** RTM_NEWLINK, RTM_GETADDR, ... */
  type: string;
  /** What the request was about, in iproute2 terms: "link add br0 type bridge". */
  what: string;
}

export class NetlinkError extends ErrnoError {
  /** The kernel's own explanation (extended ack), when it gave one. */
  readonly extack: string | undefined;
  /** Offset of the offending attribute in the request, when the kernel pointed at one. */
  readonly extackOffset: number | undefined;
  /** The request the kernel refused: its message type and what it was about. */
  readonly request: RequestSummary;

  /** note: what the message adds after the kernel's words (BatchRefusalError's count). */
  constructor(errno: number, request: RequestSummary, extack?: string, extackOffset?: number, note?: string) {
    const code = errnoName(errno);
    super(
      `${request.what} (${request.type}) failed: ${code}${extack ? `: ${extack}` : ''}${note ? `; ${note}` : ''}`,
      errno,
      code,
    );
    this.extack = extack;
    this.extackOffset = extackOffset;
    this.request = request;
  }
}

/**
 * The kernel refused messages of a batch (NetlinkSocket.requestBatch): the NetlinkError of the
 * first it refused (its errno, extack and request), which says how many it refused of how many.
 */
export class BatchRefusalError extends NetlinkError {
  /** The index in the batch of the message this error is about: the first refused. */
  readonly index: number;
  /** How many messages of the batch the kernel refused. */
  readonly refused: number;
  /** How many messages the batch had. */
  readonly total: number;

  /** first: the refusal of message index; outcome: what became of the rest, for the message. */
  constructor(first: NetlinkError, index: number, refused: number, total: number, outcome: string) {
    super(
      first.errno,
      first.request,
      first.extack,
      first.extackOffset,
      `item ${index} of a batch of ${total}, ${refused} refused; ${outcome}`,
    );
    this.index = index;
    this.refused = refused;
    this.total = total;
  }
}
