// The decoded headers of one frame, layer by layer, as capture patterns name them. Every field
// is read from the bytes as they are; a layer that is cut short (snaplen, a malformed packet)
// is left out, and decoding stops there, so a decoded packet never claims more than it holds.

/** Ethernet II: addresses as lower-case text, type as the EtherType after any VLAN tags. */
export interface EthHeader {
  /** The source MAC address. */
  src: string;
  /** The destination MAC address. */
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

/** ARP for IPv4 over Ethernet. */
export interface ArpHeader {
  /** "request", "reply", or the opcode number for others. */
  op: 'request' | 'reply' | number;
  /** The sender hardware address. */
  senderMac: string;
  /** The sender protocol (IPv4) address. */
  senderIp: string;
  /** The target hardware address (all zeros in a request). */
  targetMac: string;
  /** The target protocol (IPv4) address: who-has. */
  targetIp: string;
}

/** The IPv4 header. */
export interface Ipv4Header {
  /** The source address. */
  src: string;
  /** The destination address. */
  dst: string;
  /** The protocol number: 1 ICMP, 6 TCP, 17 UDP. */
  protocol: number;
  /** The time to live. */
  ttl: number;
  /** The total length field, header included. */
  length: number;
  /** The identification field. */
  id: number;
  /** The DSCP and ECN byte. */
  tos: number;
  /** The fragment offset in bytes; a later fragment carries no transport header to decode. */
  fragmentOffset: number;
  /** The MF flag: more fragments follow. */
  moreFragments: boolean;
}

/** The IPv6 header; the protocol is the one after any extension headers. */
export interface Ipv6Header {
  /** The source address. */
  src: string;
  /** The destination address. */
  dst: string;
  /** The upper-layer protocol after any extension headers: 58 ICMPv6, 6 TCP, 17 UDP. */
  nextHeader: number;
  /** The hop limit. */
  hopLimit: number;
  /** The payload length field. */
  length: number;
  /** The traffic class (DSCP and ECN). */
  trafficClass: number;
  /** The flow label. */
  flowLabel: number;
}

/** ICMP (IPv4): type and code, the name of the common types, and the echo identifier and sequence. */
export interface IcmpHeader {
  /** The ICMP type. */
  type: number;
  /** The ICMP code. */
  code: number;
  /** "echo-request", "echo-reply", "dest-unreachable", "time-exceeded", ... when known. */
  name?: string;
  /** Echo request and reply: the identifier. */
  id?: number;
  /** Echo request and reply: the sequence number. */
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
  /** NA: the S flag, an answer to a solicitation. */
  solicited?: boolean;
  /** NA: the O flag, override a cached link-layer address. */
  override?: boolean;
}

/** The UDP header. */
export interface UdpHeader {
  /** The source port. */
  sport: number;
  /** The destination port. */
  dport: number;
  /** The length field, header included. */
  length: number;
}

/** The TCP header, flags as booleans (`{ tcp: { dport: 53, syn: true } }`). */
export interface TcpHeader {
  /** The source port. */
  sport: number;
  /** The destination port. */
  dport: number;
  /** The sequence number. */
  seq: number;
  /** The acknowledgement number (meaningful when acked is set). */
  ack: number;
  /** The SYN flag. */
  syn: boolean;
  /** The FIN flag. */
  fin: boolean;
  /** The RST flag. */
  rst: boolean;
  /** The PSH flag. */
  psh: boolean;
  /** The URG flag. */
  urg: boolean;
  /** The ACK flag (the acknowledgement number is ack). */
  acked: boolean;
  /** The window field, unscaled. */
  window: number;
}

/** DHCP (BOOTP with the magic cookie), IPv4. */
export interface DhcpHeader {
  /** BOOTREQUEST or BOOTREPLY. */
  op: 'request' | 'reply';
  /** The transaction ID. */
  xid: number;
  /** The client hardware address. */
  chaddr: string;
  /** The client address (set by a client that has one). */
  ciaddr: string;
  /** "Your" address: the one a server offers or acknowledges. */
  yiaddr: string;
  /** The next server address. */
  siaddr: string;
  /** The relay agent address. */
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
  /** The Ethernet header. */
  eth?: EthHeader;
  /** The outermost VLAN tag. */
  vlan?: VlanTag;
  /** A second tag, inside the first (802.1ad QinQ). */
  innerVlan?: VlanTag;
  /** ARP (IPv4 over Ethernet). */
  arp?: ArpHeader;
  /** The IPv4 header. */
  ipv4?: Ipv4Header;
  /** The IPv6 header (extension headers walked, not kept). */
  ipv6?: Ipv6Header;
  /** ICMP, over IPv4. */
  icmp?: IcmpHeader;
  /** ICMPv6, with Neighbour Discovery. */
  icmpv6?: Icmpv6Header;
  /** The UDP header. */
  udp?: UdpHeader;
  /** The TCP header. */
  tcp?: TcpHeader;
  /** DHCP, on UDP ports 67 and 68 with the magic cookie. */
  dhcp?: DhcpHeader;
}

/** The field names of each layer, for checking patterns before a wait starts. */
export const LAYER_FIELDS: { readonly [K in keyof Required<Layers>]: readonly string[] } = {
  /** The Ethernet header. */
  eth: ['src', 'dst', 'type'],
  vlan: ['id', 'pcp', 'dei', 'tpid'],
  innerVlan: ['id', 'pcp', 'dei', 'tpid'],
  /** ARP (IPv4 over Ethernet). */
  arp: ['op', 'senderMac', 'senderIp', 'targetMac', 'targetIp'],
  /** The IPv4 header. */
  ipv4: ['src', 'dst', 'protocol', 'ttl', 'length', 'id', 'tos', 'fragmentOffset', 'moreFragments'],
  /** The IPv6 header (extension headers walked, not kept). */
  ipv6: ['src', 'dst', 'nextHeader', 'hopLimit', 'length', 'trafficClass', 'flowLabel'],
  /** ICMP, over IPv4. */
  icmp: ['type', 'code', 'name', 'id', 'seq'],
  /** ICMPv6, with Neighbour Discovery. */
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
  /** The UDP header. */
  udp: ['sport', 'dport', 'length'],
  /** The TCP header. */
  tcp: ['sport', 'dport', 'seq', 'ack', 'syn', 'fin', 'rst', 'psh', 'urg', 'acked', 'window'],
  /** DHCP, on UDP ports 67 and 68 with the magic cookie. */
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
