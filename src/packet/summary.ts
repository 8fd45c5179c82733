// One line per packet, for failure messages: what tcpdump -e would say, shortened.
import type { Layers } from './layers.ts';

function upper(l: Layers): string {
  if (l.dhcp) return `DHCP ${l.dhcp.messageType ?? l.dhcp.op} xid 0x${l.dhcp.xid.toString(16)} chaddr ${l.dhcp.chaddr}`;
  if (l.udp) return `UDP ${l.udp.sport} > ${l.udp.dport} length ${l.udp.length - 8}`;
  if (l.tcp) {
    const t = l.tcp;
    const flags = [t.syn && 'S', t.fin && 'F', t.rst && 'R', t.psh && 'P', t.urg && 'U', t.acked && '.'];
    return `TCP ${t.sport} > ${t.dport} [${flags.filter(Boolean).join('')}] seq ${t.seq}`;
  }
  const icmp = l.icmp ?? l.icmpv6;
  if (icmp) {
    const what = [icmp.name ?? `type ${icmp.type} code ${icmp.code}`];
    if (icmp.id !== undefined) what.push(`id ${icmp.id} seq ${icmp.seq}`);
    if (l.icmpv6?.target) what.push(`target ${l.icmpv6.target}`);
    return `${l.icmp ? 'ICMP' : 'ICMPv6'} ${what.join(' ')}`;
  }
  return '';
}

/** "52:54:00:00:00:01 > ff:ff:ff:ff:ff:ff vlan 10, ARP request who-has 192.0.2.2 tell 192.0.2.1". */
export function summarize(l: Layers): string {
  if (!l.eth) return 'a frame too short for an Ethernet header';
  const head = `${l.eth.src} > ${l.eth.dst}${l.vlan ? ` vlan ${l.vlan.id}` : ''}${l.innerVlan ? ` vlan ${l.innerVlan.id}` : ''}`;
  let body: string;
  if (l.arp)
    body =
      l.arp.op === 'request'
        ? `ARP request who-has ${l.arp.targetIp} tell ${l.arp.senderIp}`
        : `ARP ${l.arp.op} ${l.arp.senderIp} is-at ${l.arp.senderMac}`;
  else if (l.ipv4 || l.ipv6) {
    const ip = (l.ipv4 ?? l.ipv6)!;
    body = `${l.ipv4 ? 'IPv4' : 'IPv6'} ${ip.src} > ${ip.dst} ${upper(l) || `protocol ${l.ipv4?.protocol ?? l.ipv6?.nextHeader}`}`;
  } else body = `ethertype 0x${l.eth.type.toString(16).padStart(4, '0')}`;
  return `${head}, ${body}`;
}
