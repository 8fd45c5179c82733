// Link, address, route, neighbour and rule notifications of one namespace (RTNLGRP_LINK,
// RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_NEIGH,
// RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE), delivered on the main thread without blocking it, and kept in a short
// history for failure reports. When the kernel drops notifications because the socket's
// buffer overflowed (ENOBUFS), listeners get an "overflow" event and must re-read the state
// they care about: after an overflow no notification can be trusted to have arrived. The same
// event follows any other lost read (a notification too large for the receive buffer, a failed
// recv, a message that does not decode). A listener that throws is reported as a process
// warning and stays subscribed; the other listeners, and other namespaces, are not affected.
import { performance } from 'node:perf_hooks';
import * as C from '../sys/constants.ts';
import { hasErrno } from '../errors.ts';
import { NetlinkSocket } from '../netlink/socket.ts';
import { decodeLink, type LinkMessage } from '../netlink/link.ts';
import { decodeAddr, type AddrMessage } from '../netlink/addr.ts';
import { decodeRoute, type RouteMessage } from '../netlink/route.ts';
import { decodeNeigh, type NeighMessage } from '../netlink/neigh.ts';
import { decodeRule, type RuleMessage } from '../netlink/rule.ts';
import { ipFamilyOf } from '../netlink/codec.ts';
import { unwatch, watch } from '../netlink/reactor.ts';
import { warn } from '../netlink/warning.ts';

/** One notification of a namespace's event stream: a link, address, route, neighbour or rule change, or an overflow. */
export type KernelEvent =
  | {
      /** When it was received, in performance.now() milliseconds. */
      at: number;
      /** A link notification (RTM_NEWLINK, RTM_DELLINK). */
      kind: 'link';
      /** RTM_NEWLINK ('new': created or changed) or RTM_DELLINK ('del'). */
      action: 'new' | 'del';
      /** The link message as decoded, without interpretation. */
      link: LinkMessage;
    }
  | {
      /** When it was received, in performance.now() milliseconds. */
      at: number;
      /** An address notification (RTM_NEWADDR, RTM_DELADDR). */
      kind: 'addr';
      /** RTM_NEWADDR ('new': added or changed) or RTM_DELADDR ('del'). */
      action: 'new' | 'del';
      /** The address message as decoded, without interpretation. */
      addr: AddrMessage;
    }
  | {
      /** When it was received, in performance.now() milliseconds. */
      at: number;
      /** A route notification (RTM_NEWROUTE, RTM_DELROUTE), IPv4 or IPv6. */
      kind: 'route';
      /** RTM_NEWROUTE ('new': added or replaced) or RTM_DELROUTE ('del'). */
      action: 'new' | 'del';
      /** The route message as decoded, without interpretation. */
      route: RouteMessage;
    }
  | {
      /** When it was received, in performance.now() milliseconds. */
      at: number;
      /** A neighbour notification (RTM_NEWNEIGH, RTM_DELNEIGH) of the ARP or NDP table. */
      kind: 'neigh';
      /** RTM_NEWNEIGH ('new': added or its state changed) or RTM_DELNEIGH ('del'). */
      action: 'new' | 'del';
      /** The neighbour message as decoded, without interpretation. */
      neigh: NeighMessage;
    }
  | {
      /** When it was received, in performance.now() milliseconds. */
      at: number;
      /** A policy rule notification (RTM_NEWRULE, RTM_DELRULE), IPv4 or IPv6. */
      kind: 'rule';
      /** RTM_NEWRULE ('new': added) or RTM_DELRULE ('del'). */
      action: 'new' | 'del';
      /** The rule message as decoded, without interpretation. */
      rule: RuleMessage;
    }
  | {
      /** When the loss was noticed, in performance.now() milliseconds. */
      at: number;
      /** Notifications were lost (ENOBUFS, or a failed read): re-read the state you care about. */
      kind: 'overflow';
    };

export type Listener = (event: KernelEvent) => void;

const HISTORY = 256;
export const EVENT_GROUPS = [
  C.RTNLGRP_LINK,
  C.RTNLGRP_IPV4_IFADDR,
  C.RTNLGRP_IPV6_IFADDR,
  C.RTNLGRP_IPV4_ROUTE,
  C.RTNLGRP_IPV6_ROUTE,
  C.RTNLGRP_NEIGH,
  C.RTNLGRP_IPV4_RULE,
  C.RTNLGRP_IPV6_RULE,
];

function toEvent(type: number, payload: Buffer, at: number): KernelEvent | undefined {
  switch (type) {
    case C.RTM_NEWLINK:
    case C.RTM_DELLINK:
      return { at, kind: 'link', action: type === C.RTM_NEWLINK ? 'new' : 'del', link: decodeLink(payload) };
    case C.RTM_NEWADDR:
    case C.RTM_DELADDR:
      return { at, kind: 'addr', action: type === C.RTM_NEWADDR ? 'new' : 'del', addr: decodeAddr(payload) };
    case C.RTM_NEWROUTE:
    case C.RTM_DELROUTE:
      return { at, kind: 'route', action: type === C.RTM_NEWROUTE ? 'new' : 'del', route: decodeRoute(payload) };
    case C.RTM_NEWNEIGH:
    case C.RTM_DELNEIGH:
      // The group also carries bridges' forwarding databases (AF_BRIDGE), which are no neighbours.
      if (!ipFamilyOf(payload)) return undefined;
      return { at, kind: 'neigh', action: type === C.RTM_NEWNEIGH ? 'new' : 'del', neigh: decodeNeigh(payload) };
    case C.RTM_NEWRULE:
    case C.RTM_DELRULE:
      // The IPv4 group also carries the multicast routing rules (RTNL_FAMILY_IPMR), which are no ip rules.
      if (!ipFamilyOf(payload)) return undefined;
      return { at, kind: 'rule', action: type === C.RTM_NEWRULE ? 'new' : 'del', rule: decodeRule(payload) };
    default:
      return undefined;
  }
}

/** A lost read the kernel itself reports: it dropped notifications (ENOBUFS), or one was too large (EMSGSIZE). */
const isKnownLoss = (error: unknown): boolean => hasErrno(error, 'ENOBUFS') || hasErrno(error, 'EMSGSIZE');

export class EventStream {
  /** The most recent events, oldest first; timestamps are performance.now() milliseconds. */
  readonly history: KernelEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly socket: NetlinkSocket;
  /** Whose notifications these are, for warnings. */
  private readonly whose: string;

  /**
   * socket must already be subscribed to the groups, in the namespace to watch; the stream owns
   * it from here, and closes it if it cannot start watching. label names the namespace in warnings.
   */
  constructor(socket: NetlinkSocket, label?: string) {
    this.socket = socket;
    this.whose = label === undefined ? 'notifications' : `the "${label}" namespace's notifications`;
    try {
      watch(socket.fd, () => this.drain());
    } catch (error) {
      socket.close();
      throw error;
    }
  }

  private emit(event: KernelEvent): void {
    this.history.push(event);
    if (this.history.length > HISTORY) this.history.shift();
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        warn(`a listener of ${this.whose} threw`, error, 'it stays subscribed and the other listeners got the event');
      }
    }
  }

  /** The events of the next queued datagram, or null when none is queued. */
  private receive(): KernelEvent[] | null {
    const msgs = this.socket.receiveNow();
    if (!msgs) return null;
    const at = performance.now();
    return msgs.flatMap((m) => toEvent(m.type, m.payload, at) ?? []);
  }

  private drain(): void {
    for (;;) {
      let events;
      try {
        events = this.receive();
      } catch (error) {
        const known = isKnownLoss(error);
        if (!known)
          warn(`reading ${this.whose} failed, so some may be lost; listeners got "overflow" and re-read`, error);
        this.emit({ at: performance.now(), kind: 'overflow' });
        // An unknown failure may repeat: leave the rest to the reactor's next call rather than spin here.
        if (known) continue;
        return;
      }
      if (!events) return;
      for (const event of events) this.emit(event);
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
