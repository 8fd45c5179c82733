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

  constructor(errno: number, request: RequestSummary, extack?: string, extackOffset?: number) {
    const code = errnoName(errno);
    super(`${request.what} (${request.type}) failed: ${code}${extack ? `: ${extack}` : ''}`, errno, code);
    this.extack = extack;
    this.extackOffset = extackOffset;
    this.request = request;
  }
}
