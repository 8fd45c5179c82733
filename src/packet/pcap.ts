// The classic pcap file format (not pcapng), as tcpdump -r and Wireshark read it: nanosecond
// timestamps (magic 0xa1b23c4d), since the kernel stamps packets in nanoseconds and a test may
// care about the order of two packets in the same microsecond; LINKTYPE_ETHERNET.

const MAGIC_NANOSECONDS = 0xa1b23c4d;
const LINKTYPE_ETHERNET = 1;
const FILE_HEADER = 24;
const RECORD_HEADER = 16;

/** What a pcap record holds: when, the bytes kept, and the length the packet had. */
export interface PcapRecord {
  /** Wall-clock time, nanoseconds since the epoch. */
  timestampNs: bigint;
  /** The captured bytes (at most the snaplen). */
  data: Buffer;
  /** The packet's length on the wire. */
  length: number;
}

/** A whole pcap file: the header, then one record per packet, in order. */
export function pcapFile(records: readonly PcapRecord[], snaplen: number): Buffer {
  const size = records.reduce((n, r) => n + RECORD_HEADER + r.data.length, FILE_HEADER);
  const out = Buffer.alloc(size);
  out.writeUInt32LE(MAGIC_NANOSECONDS, 0);
  out.writeUInt16LE(2, 4);
  out.writeUInt16LE(4, 6);
  // thiszone and sigfigs stay 0, as every writer leaves them.
  out.writeUInt32LE(snaplen, 16);
  out.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  let at = FILE_HEADER;
  for (const r of records) {
    out.writeUInt32LE(Number(r.timestampNs / 1_000_000_000n), at);
    out.writeUInt32LE(Number(r.timestampNs % 1_000_000_000n), at + 4);
    out.writeUInt32LE(r.data.length, at + 8);
    out.writeUInt32LE(r.length, at + 12);
    r.data.copy(out, at + RECORD_HEADER);
    at += RECORD_HEADER + r.data.length;
  }
  return out;
}
