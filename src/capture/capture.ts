// ns.capture(device): what an AF_PACKET socket bound to one device saw, read through the
// readiness reactor as it arrives (never blocking the main thread), kept with its timestamp and
// direction, decoded on demand, and written out as pcap. Memory is bounded: the newest
// MAX_PACKETS packets and MAX_BYTES of their bytes are kept, older ones are let go (evicted
// counts them), so a long capture's pcap is its tail. The socket is on the namespace's cleanup
// stack, so destroy() closes it; a SIGKILL closes it with the process, as every descriptor.
import { writeFileSync } from 'node:fs';
import type { Link } from '../devices/link.ts';
import type { NetnsHandle } from '../handle/handle.ts';
import { withNetns } from '../handle/switch.ts';
import { sys } from '../sys/libc.ts';
import { unwatch, watch } from '../netlink/reactor.ts';
import { warn } from '../netlink/warning.ts';
import { decodeFrame } from '../packet/decode.ts';
import type { Layers } from '../packet/layers.ts';
import { checkPattern, matchesPattern, type Direction, type Matchable, type PacketPattern } from '../packet/pattern.ts';
import { pcapFile } from '../packet/pcap.ts';
import { summarize } from '../packet/summary.ts';
import { DeviceNotFoundError, hasErrno, InvalidArgumentError } from '../errors.ts';
import { shown } from '../values/checks.ts';
import { checkBpf, type BpfInstruction } from './bpf.ts';
import {
  MAX_SNAPLEN,
  openPacketSocket,
  readStatistics,
  receivePackets,
  type PacketType,
  type RawPacket,
} from './packet-socket.ts';

/** How many packets a capture keeps unless told otherwise. */
export const MAX_PACKETS = 10_000;
/** The most bytes of packet data a capture keeps, whatever maxPackets says. */
export const MAX_BYTES = 64 << 20;
/** How many packets one reactor callback reads before yielding; the rest come on the next call. */
const BATCH = 1024;
/** How many batches one flush() reads at most: more than a full 8 MiB queue of small packets. */
const FLUSH_BATCHES = 64;
/** The socket's receive queue: bursts wait here while the main thread is busy elsewhere. */
const RECEIVE_BUFFER = 8 << 20;

/** Options of ns.capture(). */
export interface CaptureOptions {
  /**
   * Which packets to keep: a pattern (as toHaveSeen takes) or a predicate over the decoded
   * packet, applied in this process as each packet arrives. The others are counted (filtered)
   * and let go: they are in neither packets nor the pcap file. Default: every packet.
   */
  filter?: PacketPattern | ((packet: CapturedPacket) => boolean);
  /**
   * A classic BPF program (`tcpdump -dd EXPR` prints one) the kernel runs on each packet before
   * queueing it: what it refuses is never queued, read or counted, so on a busy device it keeps
   * the queue for the packets that matter. It sees the frame without a VLAN tag the kernel took
   * off (as tcpdump's compiled filters expect). Both it and filter may be given; filter runs after.
   */
  bpf?: BpfInstruction[];
  /** Bytes kept of each packet, 1 to 262144 (default 262144, tcpdump's); the length on the wire is kept too. */
  snaplen?: number;
  /** How many packets to keep, newest last (default 10,000); older ones are let go. */
  maxPackets?: number;
}

/** One captured packet: when, which way, its bytes, and its decoded layers (decoded on first use). */
export class CapturedPacket implements Matchable {
  /** Its number in the capture, from 1, counting every packet the capture kept (evicted ones too). */
  readonly seq: number;
  /** The kernel's timestamp, nanoseconds since the epoch. */
  readonly timestampNs: bigint;
  /** 'in': the device received it; 'out': the device sent it (PACKET_OUTGOING). */
  readonly direction: Direction;
  /** The kernel's class of the packet (sll_pkttype): host, broadcast, multicast, otherhost, outgoing. */
  readonly packetType: PacketType;
  /** Its length on the wire. */
  readonly length: number;
  /** The bytes kept (at most the snaplen), VLAN tag in place. */
  readonly data: Buffer;
  private decoded: Layers | undefined;

  constructor(seq: number, raw: RawPacket) {
    this.seq = seq;
    this.timestampNs = raw.timestampNs;
    this.direction = raw.direction;
    this.packetType = raw.packetType;
    this.length = raw.length;
    this.data = raw.data;
  }

  /** The decoded headers: eth, vlan, arp, ipv4/ipv6, icmp/icmpv6, udp, tcp, dhcp, as far as the kept bytes go. */
  get layers(): Layers {
    this.decoded ??= decodeFrame(this.data);
    return this.decoded;
  }

  /** Whether the snaplen cut it. */
  get truncated(): boolean {
    return this.data.length < this.length;
  }

  /** One line: direction, then what tcpdump -e would say, shortened. */
  summary(): string {
    return `${this.direction.padEnd(3)} ${summarize(this.layers)}${this.truncated ? ` [cut to ${this.data.length} of ${this.length} bytes]` : ''}`;
  }
}

/** What a capture counted: packets kept, let go, filtered out, and dropped by the kernel. */
export interface CaptureStats {
  /** Packets read from the socket. */
  received: number;
  /** Packets kept now (capture.packets). */
  kept: number;
  /** Packets kept and later let go, to stay within maxPackets and MAX_BYTES. */
  evicted: number;
  /** Packets the filter refused. */
  filtered: number;
  /** Packets the kernel dropped because the socket's queue was full (PACKET_STATISTICS tp_drops). */
  drops: number;
}

const byNamespace = new WeakMap<NetnsHandle, Capture[]>();

/** Every capture started in ns, stopped ones too: what a failure report attaches. */
export function capturesOf(ns: NetnsHandle): readonly Capture[] {
  return byNamespace.get(ns) ?? [];
}

function requireCount(where: string, name: string, value: unknown, max: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > max)
    throw new InvalidArgumentError(
      `${where}: ${name} must be a whole number from 1 to ${max}, received ${shown(value)}`,
      value,
    );
  return value as number;
}

function compileFilter(filter: CaptureOptions['filter']): (p: CapturedPacket) => boolean {
  if (filter === undefined) return () => true;
  if (typeof filter === 'function') return filter;
  const pattern = checkPattern('capture: filter', filter);
  return (p) => matchesPattern(p, pattern);
}

/** A running (or stopped) capture on one device; ns.capture() starts it. */
export class Capture {
  /** The device captured on. */
  readonly device: Link;
  /** Bytes kept of each packet. */
  readonly snaplen: number;
  /** Why capturing ended on its own (a read failed), if it did. */
  ended: string | undefined;
  private readonly maxPackets: number;
  private readonly filter: (p: CapturedPacket) => boolean;
  private fd: number | undefined;
  private kept: CapturedPacket[] = [];
  /** Index of the oldest packet still kept: eviction moves it on, compaction resets it. */
  private head = 0;
  private bytes = 0;
  private counts = { received: 0, evicted: 0, filtered: 0, drops: 0 };
  private seq = 0;
  private readonly listeners = new Set<() => void>();
  private readonly dropCleanup: () => void;

  /** Use ns.capture(). */
  constructor(device: Link, options: CaptureOptions = {}) {
    const where = `capture on ${device}`;
    if (typeof options !== 'object' || options === null)
      throw new InvalidArgumentError(`${where}: options must be an object, received ${shown(options)}`, options);
    this.device = device;
    this.snaplen = requireCount(where, 'snaplen', options.snaplen ?? MAX_SNAPLEN, MAX_SNAPLEN);
    this.maxPackets = requireCount(where, 'maxPackets', options.maxPackets ?? MAX_PACKETS, 10_000_000);
    this.filter = compileFilter(options.filter);
    const bpf = options.bpf === undefined ? undefined : checkBpf(where, options.bpf);
    const ns = device.ns as NetnsHandle;
    try {
      this.fd = withNetns(ns.fd, () => openPacketSocket(device.index, RECEIVE_BUFFER, bpf));
    } catch (error) {
      if (hasErrno(error, 'ENODEV')) throw new DeviceNotFoundError(device.index, { cause: error });
      throw error;
    }
    try {
      watch(this.fd, () => this.drain());
    } catch (error) {
      this.close();
      throw error;
    }
    this.dropCleanup = ns.cleanup.defer(`stop the ${where}`, () => this.stop());
    byNamespace.set(ns, [...capturesOf(ns), this]);
  }

  /** True until stop() or destroy() (or a failed read) ended it. */
  get running(): boolean {
    return this.fd !== undefined;
  }

  /** The packets kept, oldest first; what the kernel has queued is read first. */
  get packets(): readonly CapturedPacket[] {
    this.flush();
    return this.kept.slice(this.head);
  }

  /** The counters; the kernel's drop count is read first. */
  stats(): CaptureStats {
    this.flush();
    if (this.fd !== undefined) this.counts.drops += readStatistics(this.fd).drops;
    return { ...this.counts, kept: this.kept.length - this.head };
  }

  /**
   * Reads what the kernel has queued now, synchronously: at most FLUSH_BATCHES batches, so a
   * sender faster than the reads cannot keep the caller here; the rest comes through the reactor.
   */
  flush(): void {
    for (let i = 0; i < FLUSH_BATCHES && this.fd !== undefined && this.drain() >= BATCH; i++);
  }

  /** Calls fn after each batch of arrivals; returns the unsubscribe function. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Reads what is queued and closes the socket; nothing is captured after it. Idempotent; the packets stay. */
  stop(): void {
    if (this.fd === undefined) return;
    this.flush();
    this.counts.drops += readStatistics(this.fd).drops;
    this.close();
    this.dropCleanup();
  }

  /** The packets kept, as a classic pcap file (LINKTYPE_ETHERNET, nanosecond timestamps). */
  pcap(): Buffer {
    return pcapFile(this.packets, this.snaplen);
  }

  /** Writes pcap() to path (for tcpdump -r or Wireshark) and returns the path. */
  writePcap(path: string): string {
    writeFileSync(path, this.pcap());
    return path;
  }

  /** The last n packets, one line each, timed from the first one kept. */
  excerpt(n = 10): string {
    const all = this.packets;
    const start = all[0]?.timestampNs ?? 0n;
    return all
      .slice(-n)
      .map((p) => `#${p.seq} +${(Number(p.timestampNs - start) / 1e6).toFixed(3)} ms ${p.summary()}`)
      .join('\n');
  }

  /** "capture on veth left0 (index 2) in left", as messages name it. */
  toString(): string {
    return `capture on ${this.device}`;
  }

  private close(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    unwatch(fd);
    sys.close(fd);
  }

  /** Counts a packet read, and keeps it if the filter does. */
  private take(raw: RawPacket): void {
    this.counts.received++;
    const packet = new CapturedPacket(this.seq + 1, raw);
    if (!this.filter(packet)) {
      this.counts.filtered++;
      return;
    }
    this.seq++;
    this.keep(packet);
  }

  private keep(packet: CapturedPacket): void {
    this.kept.push(packet);
    this.bytes += packet.data.length;
    while (this.kept.length - this.head > this.maxPackets || this.bytes > MAX_BYTES) {
      this.bytes -= this.kept[this.head]!.data.length;
      this.head++;
      this.counts.evicted++;
    }
    if (this.head > 4096 && this.head * 2 > this.kept.length) {
      this.kept = this.kept.slice(this.head);
      this.head = 0;
    }
  }

  /** Reads up to about BATCH packets; returns how many it read. */
  private drain(): number {
    let n = 0;
    try {
      while (n < BATCH && this.fd !== undefined) {
        const batch = receivePackets(this.fd, this.snaplen);
        if (!batch?.length) break;
        for (const raw of batch) this.take(raw);
        n += batch.length;
      }
    } catch (error) {
      // ENETDOWN: the device is down (or was deleted). The kernel reports it once and goes on
      // capturing when the device comes up again, so it ends nothing; the next read goes on.
      if (hasErrno(error, 'ENETDOWN')) return n + this.drain();
      // Anything else may repeat on every read: end the capture, keep what it has, say why.
      this.ended = `reading failed: ${String(error)}`;
      warn(`the ${this} stopped: a read failed`, error);
      this.close();
    }
    if (n) {
      for (const fn of this.listeners) {
        try {
          fn();
        } catch (error) {
          warn(`a listener of the ${this} threw`, error, 'it stays subscribed');
        }
      }
    }
    return n;
  }
}
