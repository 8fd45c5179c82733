// An AF_PACKET socket bound to one device: opened inside the device's namespace (a packet
// socket's namespace is fixed when it is created, and its bind() looks the index up there),
// non-blocking, with the kernel's timestamp (SO_TIMESTAMPNS) and packet metadata (PACKET_AUXDATA)
// on every packet. It is created with protocol 0, which receives nothing, and only the bind
// turns on ETH_P_ALL: created with ETH_P_ALL it would queue every device's packets until then.
import * as C from '../sys/constants.ts';
import { constants } from 'node:os';
import { check, lastErrno, sys, SysError } from '../sys/libc.ts';
import { hasErrno } from '../errors.ts';
import { ReceiveArea } from '../sys/recvmsg.ts';
import { insertTag } from '../packet/ethernet.ts';
import { attachBpf, type BpfInstruction } from './bpf.ts';
import type { Direction } from '../packet/pattern.ts';

/** The largest snaplen, tcpdump's default: more than any frame a device here sends, GSO included. */
export const MAX_SNAPLEN = 262_144;
const { EAGAIN, EINTR } = constants.errno;

/** How the kernel classed a packet (sockaddr_ll.sll_pkttype). */
export type PacketType = 'host' | 'broadcast' | 'multicast' | 'otherhost' | 'outgoing';
const PACKET_TYPES: Record<number, PacketType> = {
  [C.PACKET_HOST]: 'host',
  [C.PACKET_BROADCAST]: 'broadcast',
  [C.PACKET_MULTICAST]: 'multicast',
  [C.PACKET_OTHERHOST]: 'otherhost',
  [C.PACKET_OUTGOING]: 'outgoing',
};

/** One packet as read: when, which way, how long it was, and the bytes kept. */
export interface RawPacket {
  /** The kernel's receive time (CLOCK_REALTIME), nanoseconds since the epoch. */
  timestampNs: bigint;
  /** 'out' when the device sent it (PACKET_OUTGOING), else 'in'. */
  direction: Direction;
  /** The kernel's class of the packet (sll_pkttype). */
  packetType: PacketType;
  /** The frame's length on the wire, a VLAN tag the kernel took off included. */
  length: number;
  /** The frame as it was on the wire, VLAN tag back in place, cut to the snaplen. */
  data: Buffer;
}

/** Packets one read takes: each koffi call costs microseconds, so reading them 16 at a time saves most of it. */
const SLOTS = 16;
// One area for every capture (4 MiB, the snaplen's maximum per slot): reads are synchronous on
// the main thread and copy out.
let area: ReceiveArea | undefined;

function setInt(fd: number, level: number, name: number, value: number, what: string): void {
  const v = Buffer.alloc(4);
  v.writeInt32LE(value);
  check(sys.setsockopt(fd, level, name, v, 4), 'setsockopt', what);
}

/** Opens and binds the socket, with the BPF program if any; call it inside a switch into the device's namespace. */
export function openPacketSocket(ifindex: number, receiveBuffer: number, bpf?: readonly BpfInstruction[]): number {
  const fd = check(sys.socket(C.AF_PACKET, C.SOCK_RAW | C.SOCK_CLOEXEC | C.SOCK_NONBLOCK, 0), 'socket', 'AF_PACKET');
  try {
    setInt(fd, C.SOL_PACKET, C.PACKET_AUXDATA, 1, 'PACKET_AUXDATA');
    setInt(fd, C.SOL_SOCKET, C.SO_TIMESTAMPNS, 1, 'SO_TIMESTAMPNS');
    // A larger queue absorbs bursts while the main thread is busy: forced past rmem_max with
    // CAP_NET_ADMIN, else as much as rmem_max allows.
    try {
      setInt(fd, C.SOL_SOCKET, C.SO_RCVBUFFORCE, receiveBuffer, 'SO_RCVBUFFORCE');
    } catch (error) {
      if (!hasErrno(error, 'EPERM')) throw error;
      setInt(fd, C.SOL_SOCKET, C.SO_RCVBUF, receiveBuffer, 'SO_RCVBUF');
    }
    // Before the bind: from the bind on, packets are queued, and the program must see them all.
    if (bpf) attachBpf(fd, bpf);
    const sll = Buffer.alloc(20);
    sll.writeUInt16LE(C.AF_PACKET, 0);
    sll.writeUInt16BE(C.ETH_P_ALL, 2);
    sll.writeInt32LE(ifindex, 4);
    check(sys.bind(fd, sll, sll.length), 'bind', `AF_PACKET to ifindex ${ifindex}`);
    return fd;
  } catch (error) {
    sys.close(fd);
    throw error;
  }
}

/** The packet in slot i of the last receive, copied out of the area. */
function packetAt(area: ReceiveArea, i: number, snaplen: number): RawPacket {
  const n = area.length(i);
  let length = n;
  let timestampNs = 0n;
  let tag: { tci: number; tpid: number } | undefined;
  for (const m of area.controlMessages(i)) {
    if (m.level === C.SOL_SOCKET && m.type === C.SCM_TIMESTAMPNS && m.data.length >= 16)
      timestampNs = m.data.readBigInt64LE(0) * 1_000_000_000n + m.data.readBigInt64LE(8);
    else if (m.level === C.SOL_PACKET && m.type === C.PACKET_AUXDATA && m.data.length >= 20) {
      // struct tpacket_auxdata: status, len, snaplen, mac, net, vlan_tci, vlan_tpid.
      const status = m.data.readUInt32LE(0);
      length = m.data.readUInt32LE(4);
      if (status & C.TP_STATUS_VLAN_VALID) {
        const tpid = status & C.TP_STATUS_VLAN_TPID_VALID ? m.data.readUInt16LE(18) : C.ETH_P_8021Q;
        tag = { tci: m.data.readUInt16LE(16), tpid };
      }
    }
  }
  const slot = area.slots[i]!;
  const kept = Buffer.from(slot.data.subarray(0, Math.min(n, snaplen)));
  // The kernel moves a VLAN tag into metadata before packet sockets see the frame; put it back
  // (as libpcap does), so the bytes, the decode and the pcap file show the frame as sent.
  const data = tag && kept.length >= 12 ? insertTag(kept, tag.tci, tag.tpid).subarray(0, snaplen) : kept;
  const packetType = PACKET_TYPES[slot.name[10]!] ?? 'otherhost';
  return {
    timestampNs,
    direction: packetType === 'outgoing' ? 'out' : 'in',
    packetType,
    length: tag ? length + 4 : length,
    data,
  };
}

/** The packets queued now, up to SLOTS of them, or null when none is; throws SysError on a failed read. */
export function receivePackets(fd: number, snaplen: number): RawPacket[] | null {
  area ??= new ReceiveArea(MAX_SNAPLEN, SLOTS);
  for (;;) {
    // MSG_TRUNC: each message's length is the packet's, not what was copied.
    const n = area.receive(fd, snaplen, C.MSG_DONTWAIT | C.MSG_TRUNC);
    if (n >= 0) return Array.from({ length: n }, (_, i) => packetAt(area!, i, snaplen));
    const errno = lastErrno();
    if (errno === EAGAIN) return null;
    if (errno !== EINTR) throw new SysError('recvmmsg', errno, 'AF_PACKET');
  }
}

/** PACKET_STATISTICS since the last call (the kernel resets them on each read). */
export function readStatistics(fd: number): { packets: number; drops: number } {
  const v = Buffer.alloc(8);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(8);
  check(sys.getsockopt(fd, C.SOL_PACKET, C.PACKET_STATISTICS, v, len), 'getsockopt', 'PACKET_STATISTICS');
  return { packets: v.readUInt32LE(0), drops: v.readUInt32LE(4) };
}
