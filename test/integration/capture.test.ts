// ns.capture() against real traffic between namespaces, with tcpdump as the oracle: tcpdump -r
// reads the pcap file nslab wrote (each record's time to the nanosecond, addresses, headers),
// and tcpdump run inside the namespace captures the same traffic by itself (the direction).
// The socket itself is checked in the namespace's /proc/net/packet, as the kernel lists it.
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { test, expect } from '../../src/vitest.ts';
import type { Capture, CapturedPacket, Netns } from '../../src/index.ts';
import { ping, pingRight, wiredPair } from '../helpers/traffic.ts';
import { tcpdumpBpf, tcpdumpIn, tcpdumpRead, tcpdumpTime, untilPrinted } from '../helpers/tcpdump.ts';
import { pcapFile } from '../../src/packet/pcap.ts';
import { pollUntil } from '../helpers/poll.ts';

const dir = mkdtempSync(join(tmpdir(), 'nslab-capture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const pcapOf = (capture: Capture): string => capture.writePcap(join(dir, `${++files}.pcap`));

/** The inodes of the sockets this process holds open. */
function socketInodes(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
      return inode ? [inode] : [];
    } catch {
      return []; // closed meanwhile (the directory's own descriptor)
    }
  });
}

/** The packet sockets of ns as the kernel lists them (/proc/net/packet, read inside it): inode and interface index. */
async function kernelPacketSockets(ns: Netns): Promise<Array<{ inode: string; ifindex: number }>> {
  const { stdout } = await ns.exec('cat', ['/proc/net/packet']);
  return String(stdout)
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((row) => row.trim().split(/\s+/))
    .map((f) => ({ ifindex: Number(f[4]), inode: f[8]! }));
}

const icmpOf = (p: CapturedPacket) => p.layers.icmp;

describe('IPv4 over a veth between two namespaces', () => {
  test('ARP and ICMP are decoded, with direction, and the pcap reads in tcpdump with the same times and headers', async ({
    makeNetns,
    skip,
  }) => {
    const { left, l } = await wiredPair({ makeNetns, skip });
    const lmac = (await l.state()).mac;
    const capture = await left.capture(l);
    expect((await pingRight(left, 3)).exitCode).toBe(0);
    await expect(capture).toHaveSeen({ icmp: { name: 'echo-reply', seq: 2 }, direction: 'in' });
    await expect(capture).toHaveSeen({ arp: { op: 'request', targetIp: '192.0.2.2' }, direction: 'out' });
    await expect(capture).toHaveSeen({ arp: { op: 'reply', senderIp: '192.0.2.2' }, direction: 'in' });
    capture.stop();
    const packets = capture.packets;
    const requests = packets.filter((p) => icmpOf(p)?.name === 'echo-request');
    expect(requests.map((p) => p.direction)).toEqual(['out', 'out', 'out']);
    expect(requests.every((p) => p.layers.ipv4?.src === '192.0.2.1' && p.layers.eth?.src === lmac)).toBe(true);

    const lines = tcpdumpRead(pcapOf(capture));
    expect(lines).toHaveLength(packets.length);
    packets.forEach((p, i) => {
      const line = lines[i]!;
      expect(tcpdumpTime(line), line).toBe(p.timestampNs);
      // tcpdump -e: "SRC > DST, ethertype ..., length N:" and then the packet's own words.
      expect(line).toContain(`${p.layers.eth!.src} > ${p.layers.eth!.dst}`);
      expect(line).toContain(`length ${p.length}`);
      const icmp = icmpOf(p);
      if (icmp?.name === 'echo-request') expect(line).toContain(`ICMP echo request, id ${icmp.id}, seq ${icmp.seq}`);
      if (icmp?.name === 'echo-reply') expect(line).toContain(`ICMP echo reply, id ${icmp.id}, seq ${icmp.seq}`);
      const arp = p.layers.arp;
      if (arp?.op === 'request') expect(line).toContain(`Request who-has ${arp.targetIp} tell ${arp.senderIp}`);
      if (arp?.op === 'reply') expect(line).toContain(`Reply ${arp.senderIp} is-at ${arp.senderMac}`);
    });
    // The kernel's timestamps, in the order the packets arrived.
    const times = packets.map((p) => p.timestampNs);
    expect(times).toEqual([...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  test('direction: what nslab calls out is what tcpdump -Q out captures on the same device', async ({
    makeNetns,
    skip,
  }) => {
    const { left, l } = await wiredPair({ makeNetns, skip });
    const capture = await left.capture(l);
    const { child: outgoing } = await tcpdumpIn(left, ['-i', 'left0', '-Q', 'out', '-c', '3', 'icmp']);
    const { child: incoming } = await tcpdumpIn(left, ['-i', 'left0', '-Q', 'in', '-c', '3', 'icmp']);
    expect((await pingRight(left, 3)).exitCode).toBe(0);
    const said = async (child: typeof outgoing) =>
      String((await child).stdout)
        .split('\n')
        .filter(Boolean)
        .map((line) => /ICMP (echo \w+), id (\d+), seq (\d+)/.exec(line)!.slice(1).join(' '));
    const ours = (direction: string) =>
      capture.packets
        .filter((p) => icmpOf(p) && p.direction === direction)
        .map((p) => `echo ${icmpOf(p)!.name!.split('-')[1]} ${icmpOf(p)!.id} ${icmpOf(p)!.seq}`);
    expect(ours('out')).toEqual(await said(outgoing));
    expect(ours('in')).toEqual(await said(incoming));
  });

  test('TCP: a SYN to a closed port and its RST, with flags, ports and numbers as tcpdump reads them', async ({
    makeNetns,
    skip,
  }) => {
    const { left, l } = await wiredPair({ makeNetns, skip });
    const capture = await left.capture(l);
    const nc = await left.exec('busybox', ['nc', '-w', '2', '192.0.2.2', '53'], { reject: false });
    expect(nc.exitCode).not.toBe(0); // refused
    await expect(capture).toHaveSeen({ tcp: { dport: 53, syn: true, acked: false }, direction: 'out' });
    await expect(capture).toHaveSeen({ tcp: { sport: 53, rst: true, acked: true }, direction: 'in' });
    capture.stop();
    const syn = capture.packets.find((p) => p.layers.tcp?.syn)!.layers.tcp!;
    const rst = capture.packets.find((p) => p.layers.tcp?.rst)!.layers.tcp!;
    expect(rst.dport).toBe(syn.sport);
    expect(rst.ack).toBe((syn.seq + 1) >>> 0);
    const lines = tcpdumpRead(pcapOf(capture), ['-S']).join('\n');
    expect(lines).toContain(`192.0.2.1.${syn.sport} > 192.0.2.2.53: Flags [S], seq ${syn.seq}, win ${syn.window}`);
    expect(lines).toContain(`192.0.2.2.53 > 192.0.2.1.${syn.sport}: Flags [R.], seq 0, ack ${rst.ack}, win 0`);
  });

  test('snaplen cuts each packet and keeps its length; tcpdump reads the cut records', async ({ makeNetns, skip }) => {
    const { left, l } = await wiredPair({ makeNetns, skip });
    const capture = await left.capture(l, { snaplen: 60 });
    expect((await left.exec('busybox', ['ping', '-c', '1', '-s', '400', '-W', '2', '192.0.2.2'])).exitCode).toBe(0);
    await expect(capture).toHaveSeen({ icmp: { name: 'echo-reply' } });
    const big = capture.packets.filter((p) => p.layers.icmp);
    expect(big.length).toBeGreaterThanOrEqual(2);
    for (const p of big) {
      expect(p.data.length).toBe(60);
      expect(p.length).toBe(14 + 20 + 8 + 400);
      expect(p.truncated).toBe(true);
    }
    const lines = tcpdumpRead(pcapOf(capture)).filter((line) => line.includes('ICMP'));
    expect(lines).toHaveLength(big.length);
    for (const line of lines) expect(line).toContain(`length ${14 + 20 + 8 + 400}`);
  });

  test('a capture keeps the newest maxPackets and counts the ones it let go; the pcap is that tail', async ({
    makeNetns,
    skip,
  }) => {
    const { left, l } = await wiredPair({ makeNetns, skip });
    const capture = await left.capture(l, { maxPackets: 3 });
    expect((await pingRight(left, 3)).exitCode).toBe(0);
    await expect(capture).toHaveSeen({ icmp: { name: 'echo-reply', seq: 2 } });
    capture.stop();
    const { received, kept, evicted } = capture.stats();
    expect(kept).toBe(3);
    expect(evicted).toBe(received - 3);
    expect(capture.packets.map((p) => p.seq)).toEqual([received - 2, received - 1, received]);
    expect(tcpdumpRead(pcapOf(capture))).toHaveLength(3);
  });

  test('a filter keeps only the packets it matches, and counts the others', async ({ makeNetns, skip }) => {
    const { left, l } = await wiredPair({ makeNetns, skip });
    const capture = await left.capture(l, { filter: { icmp: { name: 'echo-request' } } });
    const all = await left.capture(l);
    expect((await pingRight(left, 2)).exitCode).toBe(0);
    await expect(all).toHaveSeen({ icmp: { name: 'echo-reply', seq: 1 } });
    await expect(capture).toHaveSeen({ icmp: { seq: 1 } });
    expect(capture.packets.map((p) => `${p.direction} ${icmpOf(p)?.name} ${icmpOf(p)?.seq}`)).toEqual([
      'out echo-request 0',
      'out echo-request 1',
    ]);
    const stats = capture.stats();
    expect(stats.received).toBe(all.packets.length);
    expect(stats.filtered).toBe(all.packets.length - 2);
    // A predicate works the same way.
    const replies = await left.capture(l, { filter: (p) => p.direction === 'in' && p.layers.icmp !== undefined });
    expect((await pingRight(left, 1)).exitCode).toBe(0);
    await expect(replies).toHaveSeen({ icmp: { name: 'echo-reply' } });
    expect(replies.packets.every((p) => p.direction === 'in' && p.layers.icmp)).toBe(true);
  });

  test('a BPF program from tcpdump -dd runs in the kernel: what it refuses is never read', async ({
    makeNetns,
    skip,
  }) => {
    const { left, l } = await wiredPair({ makeNetns, skip });
    const empty = join(dir, 'empty.pcap');
    writeFileSync(empty, pcapFile([], 262_144));
    const bpf = tcpdumpBpf(empty, 'icmp[icmptype] == icmp-echo');
    expect(bpf.length).toBeGreaterThan(3);
    const capture = await left.capture(l, { bpf });
    const all = await left.capture(l);
    expect((await pingRight(left, 2)).exitCode).toBe(0);
    await expect(all).toHaveSeen({ icmp: { name: 'echo-reply', seq: 1 } });
    await expect(capture).toHaveSeen({ icmp: { seq: 1 } });
    await expect(all).toHaveSeen({ arp: {} });
    expect(capture.packets.map((p) => `${p.direction} ${icmpOf(p)?.name} ${icmpOf(p)?.seq}`)).toEqual([
      'out echo-request 0',
      'out echo-request 1',
    ]);
    // Refused in the kernel: neither read nor counted as filtered.
    expect(capture.stats()).toMatchObject({ received: 2, filtered: 0 });
  });

  test('stop() closes the socket (gone from the kernel list and from /proc/self/fd) and nothing more is captured', async ({
    makeNetns,
    skip,
  }) => {
    const { left, l } = await wiredPair({ makeNetns, skip });
    const before = socketInodes();
    const capture = await left.capture(l);
    const mine = socketInodes().filter((i) => !before.includes(i));
    expect(mine).toHaveLength(1);
    expect(await kernelPacketSockets(left)).toContainEqual({ inode: mine[0], ifindex: l.index });
    expect((await pingRight(left, 1)).exitCode).toBe(0);
    await expect(capture).toHaveSeen({ icmp: { name: 'echo-reply' } });
    capture.stop();
    capture.stop();
    const count = capture.packets.length;
    expect(capture.running).toBe(false);
    expect(socketInodes()).not.toContain(mine[0]);
    // The kernel frees the socket when the reactor's poll(), which holds a reference to every file
    // it waits on, returns: stop() interrupts it, and a loaded machine runs that thread a little
    // later. So the kernel's list is waited on, with a deadline.
    const freed = await pollUntil(
      async () => (await kernelPacketSockets(left)).map((s) => s.inode),
      (inodes) => !inodes.includes(mine[0]!),
      5_000,
    );
    expect(freed.value).not.toContain(mine[0]);
    expect((await pingRight(left, 1)).exitCode).toBe(0);
    expect(capture.packets).toHaveLength(count);
  });

  test('a device that goes down and up again is still captured (the kernel reports ENETDOWN once, and goes on)', async ({
    makeNetns,
    skip,
  }) => {
    const { left, l, r } = await wiredPair({ makeNetns, skip });
    const capture = await left.capture(l);
    await l.down();
    await l.up();
    await expect(l).toBeRunning();
    await expect(r).toBeRunning();
    expect((await pingRight(left, 1)).exitCode).toBe(0);
    await expect(capture).toHaveSeen({ icmp: { name: 'echo-reply' }, direction: 'in' });
    expect(capture.running).toBe(true);
    expect(capture.ended).toBeUndefined();
  });

  test('destroy() closes the capture socket of its namespace', async ({ makeNetns }) => {
    const ns = await makeNetns();
    const lo = await ns.loopback();
    await lo.up();
    const before = socketInodes();
    const capture = await ns.capture(lo);
    const mine = socketInodes().filter((i) => !before.includes(i));
    expect(mine).toHaveLength(1);
    await ns.destroy();
    expect(capture.running).toBe(false);
    expect(socketInodes()).not.toContain(mine[0]);
  });
});

describe('a bridge with a tap held by a holder process', () => {
  test('a broadcast flooded through the bridge leaves by the tap; unicast to the bridge does not', async ({
    makeNetns,
  }) => {
    const left = await makeNetns({ label: 'br-left' });
    const right = await makeNetns({ label: 'br-right' });
    const br = await left.addBridge('br0');
    const tap = await left.addTap('tap0', { owner: 'holder' });
    const [l, r] = await left.addVeth('port0', { peerName: 'right0', peerNs: right });
    for (const port of [tap, l!]) {
      await port.attachTo(br);
      await port.up();
    }
    await br.addAddress('192.0.2.1/24');
    await r!.addAddress('192.0.2.2/24');
    await br.up();
    await r!.up();
    await expect(br).toHaveOperstate('up');
    await expect(r).toBeRunning();
    const rmac = (await r!.state()).mac!;
    const capture = await left.capture(tap);
    expect((await ping(right, '192.0.2.1', 2)).exitCode).toBe(0);
    await expect(capture).toHaveSeen({
      arp: { op: 'request', senderMac: rmac, targetIp: '192.0.2.1' },
      direction: 'out',
    });
    // The echo requests are for the bridge itself: the bridge does not flood them to its ports.
    await expect(capture).not.toHaveSeen({ icmp: {} });
    capture.stop();
    const lines = tcpdumpRead(pcapOf(capture));
    expect(lines).toHaveLength(capture.packets.length);
    expect(lines.join('\n')).toContain(
      `${rmac} > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 192.0.2.1 tell 192.0.2.2`,
    );
  });
});

describe('IPv6: neighbour discovery', () => {
  test('NS and NA are decoded with their target and link-layer options, as tcpdump -v reads them', async ({
    makeNetns,
  }) => {
    const left = await makeNetns({ label: 'v6-left' });
    const right = await makeNetns({ label: 'v6-right' });
    const [l, r] = await left.addVeth('left0', { peerName: 'right0', peerNs: right });
    await l!.addAddress('2001:db8::1/64', { dad: false });
    await r!.addAddress('2001:db8::2/64', { dad: false });
    const lmac = (await l!.state()).mac!;
    const rmac = (await r!.state()).mac!;
    const capture = await left.capture(l!);
    await l!.up();
    await r!.up();
    await expect(l).toBeRunning();
    await expect(r).toBeRunning();
    expect((await ping(left, '2001:db8::2', 1)).exitCode).toBe(0);
    await expect(capture).toHaveSeen({
      icmpv6: { name: 'neighbor-solicitation', target: '2001:DB8::2', sourceLladdr: lmac.toUpperCase() },
      direction: 'out',
    });
    await expect(capture).toHaveSeen({
      icmpv6: { name: 'neighbor-advertisement', target: '2001:db8::2', solicited: true, targetLladdr: rmac },
      direction: 'in',
    });
    await expect(capture).toHaveSeen({ icmpv6: { name: 'echo-reply' }, ipv6: { src: '2001:db8::2' } });
    capture.stop();
    const lines = tcpdumpRead(pcapOf(capture), ['-v']).join('\n');
    for (const p of capture.packets) {
      const nd = p.layers.icmpv6;
      if (nd?.name === 'neighbor-solicitation' && nd.sourceLladdr)
        expect(lines).toMatch(
          new RegExp(
            `neighbor solicitation, length \\d+, who has ${nd.target}[^]*?source link-address option \\(1\\), length 8 \\(1\\): ${nd.sourceLladdr}`,
          ),
        );
      if (nd?.name === 'neighbor-advertisement')
        expect(lines).toMatch(
          new RegExp(
            `neighbor advertisement, length \\d+, tgt is ${nd.target}, Flags \\[${nd.router ? 'router, ' : ''}solicited${nd.override ? ', override' : ''}\\]`,
          ),
        );
    }
  });
});

describe('VLAN tags, on a tap', () => {
  test('a tagged frame written to the tap is seen with its tag back in place (the kernel strips it into metadata), as tcpdump reads it', async ({
    netns,
  }) => {
    const tap = await netns.addTap('vtap0');
    await tap.up();
    const capture = await netns.capture(tap);
    // 802.1Q, VLAN 10, priority 3, carrying an IPv4/UDP datagram 192.0.2.2:5000 > 192.0.2.1:5001.
    const frame = Buffer.from(
      'ffffffffffff' +
        '525400000002' +
        '8100' +
        '600a' +
        '0800' +
        '4500001c0001000040110000c0000202c0000201' +
        '138813890008' +
        '0000',
      'hex',
    );
    writeSync(tap.file!.fd, frame);
    await expect(capture).toHaveSeen({
      vlan: { id: 10, pcp: 3, dei: 0, tpid: 0x8100 },
      eth: { src: '52:54:00:00:00:02', type: 0x0800 },
      udp: { sport: 5000, dport: 5001 },
      direction: 'in',
    });
    const [seen] = capture.packets.filter((p) => p.layers.vlan);
    expect(seen!.data.equals(frame)).toBe(true);
    expect(seen!.length).toBe(frame.length);
    const [line] = tcpdumpRead(pcapOf(capture)).filter((l) => l.includes('vlan'));
    expect(line).toContain(
      '52:54:00:00:00:02 > ff:ff:ff:ff:ff:ff, ethertype 802.1Q (0x8100), length 46: vlan 10, p 3, ethertype IPv4 (0x0800), 192.0.2.2.5000 > 192.0.2.1.5001: UDP, length 0',
    );
  });
});

describe('VLAN tags a bridge adds on egress', () => {
  test('a frame the bridge tags as it leaves a port is seen with its tag in place (the tag rides in skb metadata on transmit), as tcpdump -Q out sees it', async ({
    netns,
    skip,
  }) => {
    const br = await netns.addBridge('vbr0');
    const tap = await netns.addTap('vtap1');
    const [port] = await netns.addVeth('vport0', { peerName: 'vpeer0' });
    for (const p of [tap, port!]) await p.attachTo(br);
    // iproute2 for the bridge's VLAN filtering (test set-up only): the tap's untagged frames
    // belong to VLAN 10 (pvid), which leaves the veth port tagged.
    const filtering = await netns.exec('ip', ['link', 'set', 'vbr0', 'type', 'bridge', 'vlan_filtering', '1'], {
      reject: false,
    });
    skip(
      /Operation not supported/.test(String(filtering.stderr)),
      'this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)',
    );
    expect(filtering.exitCode, String(filtering.stderr)).toBe(0);
    await netns.exec('bridge', ['vlan', 'add', 'dev', 'vtap1', 'vid', '10', 'pvid', 'untagged']);
    await netns.exec('bridge', ['vlan', 'add', 'dev', 'vport0', 'vid', '10']);
    for (const dev of [tap, port!, br]) await dev.up();
    await (await netns.link('vpeer0')).up();
    await expect(port).toBeRunning();
    const capture = await netns.capture(port!);
    const { child: tcpdump } = await tcpdumpIn(netns, ['-i', 'vport0', '-Q', 'out', '-c', '1', 'vlan']);
    const frame = Buffer.from(
      'ffffffffffff' + '525400000002' + '0800' + '4500001c0001000040110000c0000202c0000201' + '138813890008' + '0000',
      'hex',
    );
    writeSync(tap.file!.fd, frame);
    await expect(capture).toHaveSeen({ vlan: { id: 10 }, udp: { dport: 5001 }, direction: 'out' });
    const [seen] = capture.packets.filter((p) => p.layers.vlan);
    expect(seen!.length).toBe(frame.length + 4);
    expect(String((await tcpdump).stdout)).toContain(
      '52:54:00:00:00:02 > ff:ff:ff:ff:ff:ff, ethertype 802.1Q (0x8100), length 46: vlan 10, p 0, ethertype IPv4',
    );
    const [line] = tcpdumpRead(pcapOf(capture)).filter((l) => l.includes('vlan 10'));
    expect(line).toContain(
      '52:54:00:00:00:02 > ff:ff:ff:ff:ff:ff, ethertype 802.1Q (0x8100), length 46: vlan 10, p 0, ethertype IPv4 (0x0800), 192.0.2.2.5000 > 192.0.2.1.5001: UDP, length 0',
    );
  });
});

describe('DHCP, between dnsmasq and busybox udhcpc', () => {
  test('the DISCOVER and the OFFER are decoded as tcpdump -v reads them', async ({ makeNetns, skip }) => {
    const { left, right, l, r } = await wiredPair({ makeNetns, skip });
    const rmac = (await r.state()).mac!;
    const capture = await left.capture(l, { filter: { dhcp: {} } });
    const dnsmasq = left.exec(
      'dnsmasq',
      [
        '--log-facility=-',
        '--keep-in-foreground',
        '--conf-file=/dev/null',
        '--port=0',
        '--no-resolv',
        '--no-hosts',
        '--leasefile-ro',
        '--no-ping',
        `--pid-file=${join(dir, 'dnsmasq.pid')}`,
        '--interface=left0',
        '--bind-interfaces',
        '--dhcp-range=192.0.2.100,192.0.2.150,1h',
      ],
      { reject: false },
    );
    // It logs its range once it has bound the DHCP socket.
    await untilPrinted(dnsmasq, 'DHCP, IP range', 'dnsmasq');
    const client = await right.exec(
      'busybox',
      ['udhcpc', '-i', 'right0', '-n', '-q', '-t', '5', '-T', '1', '-s', '/bin/true'],
      {
        reject: false,
      },
    );
    expect(client.exitCode, String(client.stderr)).toBe(0);
    await expect(capture).toHaveSeen({
      dhcp: { messageType: 'discover', op: 'request', chaddr: rmac },
      udp: { sport: 68, dport: 67 },
      direction: 'in',
    });
    await expect(capture).toHaveSeen({
      dhcp: { messageType: 'offer', op: 'reply', serverId: '192.0.2.1' },
      direction: 'out',
    });
    capture.stop();
    const lines = tcpdumpRead(pcapOf(capture), ['-v']).join('\n');
    const offer = capture.packets.find((p) => p.layers.dhcp?.messageType === 'offer')!.layers.dhcp!;
    expect(offer.yiaddr).toMatch(/^192\.0\.2\.1([0-4]\d|50)$/);
    expect(lines).toContain(`Your-IP ${offer.yiaddr}`);
    expect(lines).toContain(`Client-Ethernet-Address ${rmac}`);
    expect(lines).toMatch(/DHCP-Message \(53\), length 1: Discover/);
    expect(lines).toMatch(/DHCP-Message \(53\), length 1: Offer/);
    expect(lines).toContain(`Server-ID (54), length 4: ${offer.serverId}`);
    expect(capture.packets.every((p) => p.layers.dhcp?.xid === offer.xid)).toBe(true);
  });
});
