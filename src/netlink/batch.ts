// How a batch of netlink messages is cut into send()s (NetlinkSocket.requestBatch).
// rtnetlink handles every message of a datagram in order, inside the one sendmsg(), and queues
// each reply on the sender's socket; so a send is bounded twice: by its bytes (netlink_sendmsg
// refuses a datagram longer than the send buffer less 32 bytes with EMSGSIZE) and by the replies
// the receive buffer can hold until they are read (the kernel drops a reply that does not fit,
// and with it the only word on that message's outcome).

/** What one send() may carry. */
export interface SendLimits {
  /** The datagram's bytes at most; a single message longer than that still goes, alone. */
  bytes: number;
  /** The messages at most: each may cost a reply in the receive buffer. */
  messages: number;
}

/**
 * Whether a run of count messages and bytes bytes must go out before a message of size bytes
 * joins it: the run is full. An empty run takes any message, even one longer than a send (the
 * kernel judges it).
 */
export function runIsFull(count: number, bytes: number, size: number, limits: SendLimits): boolean {
  return count > 0 && (bytes + size > limits.bytes || count >= limits.messages);
}

/**
 * The receive-buffer space one reply takes: an ack or a refusal with its extack text is about
 * 100 bytes, but the kernel charges the socket its skb's true size, about 1 KiB (a small-head
 * skb and its struct sk_buff); twice that leaves room for long extack texts.
 */
export const REPLY_CHARGE = 2048;

/**
 * The limits of a socket with these buffer sizes (as SO_SNDBUF and SO_RCVBUF report them). Only
 * half the receive buffer is counted on: a notification or a late reply may hold part of it.
 */
export function sendLimits(sendBuffer: number, receiveBuffer: number): SendLimits {
  return {
    bytes: Math.max(sendBuffer - 32, 0),
    messages: Math.max(1, Math.floor(receiveBuffer / 2 / REPLY_CHARGE)),
  };
}
