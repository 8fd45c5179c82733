// Link and address notifications of one namespace (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
// RTNLGRP_IPV6_IFADDR), delivered on the main thread without blocking it, and kept in a short
// history for failure reports. When the kernel drops notifications because the socket's
// buffer overflowed (ENOBUFS), listeners get an "overflow" event and must re-read the state
// they care about: after an overflow no notification can be trusted to have arrived.
import { performance } from 'node:perf_hooks';
import * as C from '../sys/constants.ts';
import { SysError } from '../sys/libc.ts';
import { NetlinkSocket } from '../netlink/socket.ts';
import { decodeLink, type LinkMessage } from '../netlink/link.ts';
import { decodeAddr, type AddrMessage } from '../netlink/addr.ts';
import { unwatch, watch } from '../netlink/reactor.ts';

export type KernelEvent =
  | { at: number; kind: 'link'; action: 'new' | 'del'; link: LinkMessage }
  | { at: number; kind: 'addr'; action: 'new' | 'del'; addr: AddrMessage }
  | { at: number; kind: 'overflow' };

export type Listener = (event: KernelEvent) => void;

const HISTORY = 256;
export const EVENT_GROUPS = [C.RTNLGRP_LINK, C.RTNLGRP_IPV4_IFADDR, C.RTNLGRP_IPV6_IFADDR];

function toEvent(type: number, payload: Buffer, at: number): KernelEvent | undefined {
  switch (type) {
    case C.RTM_NEWLINK:
    case C.RTM_DELLINK:
      return { at, kind: 'link', action: type === C.RTM_NEWLINK ? 'new' : 'del', link: decodeLink(payload) };
    case C.RTM_NEWADDR:
    case C.RTM_DELADDR:
      return { at, kind: 'addr', action: type === C.RTM_NEWADDR ? 'new' : 'del', addr: decodeAddr(payload) };
    default:
      return undefined;
  }
}

export class EventStream {
  /** The most recent events, oldest first; timestamps are performance.now() milliseconds. */
  readonly history: KernelEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly socket: NetlinkSocket;

  /** socket must already be subscribed to the groups, in the namespace to watch. */
  constructor(socket: NetlinkSocket) {
    this.socket = socket;
    watch(socket.fd, () => this.drain());
  }

  private emit(event: KernelEvent): void {
    this.history.push(event);
    if (this.history.length > HISTORY) this.history.shift();
    for (const listener of this.listeners) listener(event);
  }

  private drain(): void {
    for (;;) {
      let msgs;
      try {
        msgs = this.socket.receiveNow();
      } catch (error) {
        if (error instanceof SysError && error.code === 'ENOBUFS') {
          this.emit({ at: performance.now(), kind: 'overflow' });
          continue;
        }
        throw error;
      }
      if (!msgs) return;
      const at = performance.now();
      for (const m of msgs) {
        const event = toEvent(m.type, m.payload, at);
        if (event) this.emit(event);
      }
    }
  }

  /**
   * Delivers, synchronously, every notification the kernel has already queued. Reading is
   * otherwise asynchronous, so subscribe right after flush() to see only what follows.
   */
  flush(): void {
    this.drain();
  }

  /** Calls fn for every event from now on; returns the unsubscribe function. */
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    unwatch(this.socket.fd);
    this.listeners.clear();
    this.socket.close();
  }
}
