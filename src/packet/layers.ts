// The decoded headers of one frame, layer by layer, as capture patterns name them. Every field
// is read from the bytes as they are; a layer that is cut short (snaplen, a malformed packet)
// is left out, and decoding stops there, so a decoded packet never claims more than it holds.

/** Ethernet II: addresses as lower-case text, type as the EtherType after any VLAN tags. */
export interface EthHeader {
  src: string;
  dst: string;
  /** The EtherType of the payload (0x0800 IPv4, 0x86dd IPv6, 0x0806 ARP), after any VLAN tags. */
  type: number;
}

/** An 802.1Q (or 802.1ad) tag. */
export interface VlanTag {
  /** The VLAN ID, 0 to 4095. */
  id: number;
  /** The priority code point, 0 to 7. */
  pcp: number;
  /** The drop eligible indicator, 0 or 1. */
  dei: number;
  /** The tag's TPID: 0x8100 (802.1Q) or 0x88a8 (802.1ad). */
  tpid: number;
}

export interface ArpHeader {
  /** "request", "reply", or the opcode number for others. */
  op: 'request' | 'reply' | number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

export interface Ipv4Header {
  src: string;
  dst: string;
  /** The protocol number: 1 ICMP, 6 TCP, 17 UDP. */
  protocol: number;
  ttl: number;
  /** The total length field, header included. */
  length: number;
  id: number;
  /** The DSCP and ECN byte. */
  tos: number;
  /** The fragment offset in bytes; a later fragment carries no transport header to decode. */
  fragmentOffset: number;
  moreFragments: boolean;
}

export interface Ipv6Header {
  src: string;
  dst: string;
  /** The upper-layer protocol after any extension headers: 58 ICMPv6, 6 TCP, 17 UDP. */
  nextHeader: number;
  hopLimit: number;
  /** The payload length field. */
  length: number;
  trafficClass: number;
  flowLabel: number;
}

/** ICMP (IPv4): type and code, the name of the common types, and the echo identifier and sequence. */
export interface IcmpHeader {
  type: number;
  code: number;
  /** "echo-request", "echo-reply", "dest-unreachable", "time-exceeded", ... when known. */
  name?: string;
  id?: number;
  seq?: number;
}

/** ICMPv6, with the Neighbour Discovery fields of NS, NA, RS, RA and redirects. */
export interface Icmpv6Header extends IcmpHeader {
  /** NS, NA and redirect: the target address. */
  target?: string;
  /** The source link-layer address option (NS, RS, RA). */
  sourceLladdr?: string;
  /** The target link-layer address option (NA, redirect). */
  targetLladdr?: string;
  /** NA flags. */
  router?: boolean;
  solicited?: boolean;
  override?: boolean;
}

export interface UdpHeader {
  sport: number;
  dport: number;
  /** The length field, header included. */
  length: number;
}

export interface TcpHeader {
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  syn: boolean;
  fin: boolean;
  rst: boolean;
  psh: boolean;
  urg: boolean;
  /** The ACK flag (the acknowledgement number is ack). */
  acked: boolean;
  window: number;
}

/** DHCP (BOOTP with the magic cookie), IPv4. */
export interface DhcpHeader {
  /** BOOTREQUEST or BOOTREPLY. */
  op: 'request' | 'reply';
  xid: number;
  /** The client hardware address. */
  chaddr: string;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** Option 53: "discover", "offer", "request", "decline", "ack", "nak", "release", "inform", or its number. */
  messageType?: string | number;
  /** Option 50. */
  requestedIp?: string;
  /** Option 54. */
  serverId?: string;
  /** Option 12. */
  hostname?: string;
}

/** Every layer the decoder knows, each present when the frame holds it whole. */
export interface Layers {
  eth?: EthHeader;
  /** The outermost VLAN tag. */
  vlan?: VlanTag;
  /** A second tag, inside the first (802.1ad QinQ). */
  innerVlan?: VlanTag;
  arp?: ArpHeader;
  ipv4?: Ipv4Header;
  ipv6?: Ipv6Header;
  icmp?: IcmpHeader;
  icmpv6?: Icmpv6Header;
  udp?: UdpHeader;
  tcp?: TcpHeader;
  dhcp?: DhcpHeader;
}

/** The field names of each layer, for checking patterns before a wait starts. */
export const LAYER_FIELDS: { readonly [K in keyof Required<Layers>]: readonly string[] } = {
  eth: ['src', 'dst', 'type'],
  vlan: ['id', 'pcp', 'dei', 'tpid'],
  innerVlan: ['id', 'pcp', 'dei', 'tpid'],
  arp: ['op', 'senderMac', 'senderIp', 'targetMac', 'targetIp'],
  ipv4: ['src', 'dst', 'protocol', 'ttl', 'length', 'id', 'tos', 'fragmentOffset', 'moreFragments'],
  ipv6: ['src', 'dst', 'nextHeader', 'hopLimit', 'length', 'trafficClass', 'flowLabel'],
  icmp: ['type', 'code', 'name', 'id', 'seq'],
  icmpv6: [
    'type',
    'code',
    'name',
    'id',
    'seq',
    'target',
    'sourceLladdr',
    'targetLladdr',
    'router',
    'solicited',
    'override',
  ],
  udp: ['sport', 'dport', 'length'],
  tcp: ['sport', 'dport', 'seq', 'ack', 'syn', 'fin', 'rst', 'psh', 'urg', 'acked', 'window'],
  dhcp: [
    'op',
    'xid',
    'chaddr',
    'ciaddr',
    'yiaddr',
    'siaddr',
    'giaddr',
    'messageType',
    'requestedIp',
    'serverId',
    'hostname',
  ],
};
