// One frame, decoded layer by layer as far as its bytes go: Ethernet and VLAN tags, then ARP or
// IP, then ICMP, UDP or TCP, then DHCP on the BOOTP ports. Each layer's decoder is its own module.
import { decodeArp } from './arp.ts';
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, decodeDhcp } from './dhcp.ts';
import { decodeEthernet } from './ethernet.ts';
import { decodeIcmp, decodeIcmpv6 } from './icmp.ts';
import { decodeIpv4, decodeIpv6 } from './ip.ts';
import type { Layers } from './layers.ts';
import { decodeTcp, decodeUdp } from './transport.ts';

const ETH_P_IP = 0x0800;
const ETH_P_ARP = 0x0806;
const ETH_P_IPV6 = 0x86dd;
const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_ICMPV6 = 58;

function transport(layers: Layers, protocol: number, payload: Buffer | undefined): void {
  if (!payload) return;
  if (protocol === IPPROTO_ICMP && layers.ipv4) layers.icmp = decodeIcmp(payload);
  else if (protocol === IPPROTO_ICMPV6 && layers.ipv6) layers.icmpv6 = decodeIcmpv6(payload);
  else if (protocol === IPPROTO_TCP) layers.tcp = decodeTcp(payload);
  else if (protocol === IPPROTO_UDP) {
    const udp = decodeUdp(payload);
    if (!udp) return;
    layers.udp = udp.header;
    const bootp = [DHCP_SERVER_PORT, DHCP_CLIENT_PORT];
    if (layers.ipv4 && bootp.includes(udp.header.sport) && bootp.includes(udp.header.dport))
      layers.dhcp = decodeDhcp(udp.payload);
  }
}

/** The layers of an Ethernet frame; those it does not hold whole are absent. */
export function decodeFrame(frame: Buffer): Layers {
  const ether = decodeEthernet(frame);
  if (!ether) return {};
  const layers: Layers = { eth: ether.eth };
  if (ether.tags[0]) layers.vlan = ether.tags[0];
  if (ether.tags[1]) layers.innerVlan = ether.tags[1];
  if (ether.eth.type === ETH_P_ARP) layers.arp = decodeArp(ether.payload);
  else if (ether.eth.type === ETH_P_IP) {
    const ip = decodeIpv4(ether.payload);
    layers.ipv4 = ip?.header;
    if (ip) transport(layers, ip.protocol, ip.payload);
  } else if (ether.eth.type === ETH_P_IPV6) {
    const ip = decodeIpv6(ether.payload);
    layers.ipv6 = ip?.header;
    if (ip) transport(layers, ip.protocol, ip.payload);
  }
  // A decoder that found its layer cut short left it undefined: drop the key, as patterns test presence.
  for (const key of Object.keys(layers) as Array<keyof Layers>) if (layers[key] === undefined) delete layers[key];
  return layers;
}
