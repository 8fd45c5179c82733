// Section 6: the capture rate before drops. Two namespaces joined by a veth; a sender in one
// (a Python loop, paced to an offered rate, in its own process so it does not share nslab's
// thread) sends small UDP datagrams to the other, and ns.capture() on the sending end counts
// them as they leave (PACKET_OUTGOING). Each step offers a higher rate for a fixed time; the
// kernel's tp_drops (PACKET_STATISTICS) says when the capture no longer kept up. The figure is
// the highest rate offered with no drop, with the socket's 8 MiB receive queue as the buffer.
import { createNetns, type Netns } from '../src/index.ts';
import { fmt } from './lib/stats.ts';

export interface CaptureStep {
  /** The rate the sender aimed at (packets/s); 0 for as fast as it can. */
  offered: number;
  /** Datagrams the sender sent, and in how long (s). */
  sent: number;
  sendS: number;
  /** Datagrams the capture read, and those the kernel dropped from its queue. */
  captured: number;
  drops: number;
}

export interface CaptureResult {
  stepS: number;
  steps: CaptureStep[];
  /** The highest achieved rate (sent / sendS) of a step without drops, packets/s. */
  beforeDrops: number | undefined;
}

// Paced by the clock: at each turn it sends what is due by now (offered 0: 256 at a time, unpaced).
const SENDER = `
import socket, sys, time
rate, duration = int(sys.argv[1]), float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
payload, n, t0 = b'x' * 18, 0, time.perf_counter()
while True:
    now = time.perf_counter() - t0
    if now >= duration: break
    due = n + 256 if rate == 0 else int(now * rate) + 1
    while n < due:
        s.sendto(payload, ('192.0.2.2', 9))
        n += 1
print(n, time.perf_counter() - t0)
`;

async function pair(): Promise<{ left: Netns; right: Netns }> {
  const left = await createNetns({ label: 'bench-cap-l' });
  const right = await createNetns({ label: 'bench-cap-r' });
  for (const ns of [left, right]) await ns.sysctl.set('net.ipv6.conf.default.disable_ipv6', 1);
  const [l, r] = await left.addVeth('left0', { peerName: 'right0', peerNs: right });
  await l!.addAddress('192.0.2.1/24');
  await r!.addAddress('192.0.2.2/24');
  await l!.up();
  await r!.up();
  // Resolved once, so the steps carry no ARP.
  await left.neigh.add({ dev: l!, to: '192.0.2.2', lladdr: (await r!.state()).mac!, state: 'permanent' });
  return { left, right };
}

export async function captureSection(
  options: { rates: number[]; stepS: number },
  log: (line: string) => void,
): Promise<CaptureResult> {
  const { left, right } = await pair();
  const steps: CaptureStep[] = [];
  try {
    for (const offered of options.rates) {
      const capture = await left.capture('left0', { snaplen: 64, filter: { udp: { dport: 9 } } });
      const out = await left.exec('/usr/bin/python3', ['-c', SENDER, String(offered), String(options.stepS)]);
      capture.stop();
      const [sent, sendS] = String(out.stdout).trim().split(' ').map(Number);
      const s = capture.stats();
      const step = { offered, sent: sent!, sendS: sendS!, captured: s.received - s.filtered, drops: s.drops };
      steps.push(step);
      log(
        `  offered ${offered || 'max'} pps: sent ${step.sent} in ${fmt(step.sendS, 2)} s, captured ${step.captured}, dropped ${step.drops}`,
      );
    }
  } finally {
    await left.destroy();
    await right.destroy();
  }
  const clean = steps.filter((s) => s.drops === 0 && s.captured >= s.sent);
  const beforeDrops = clean.length ? Math.max(...clean.map((s) => s.sent / s.sendS)) : undefined;
  return { stepS: options.stepS, steps, beforeDrops };
}

export function captureTable(c: CaptureResult): string {
  const rows = c.steps.map(
    (s) =>
      `| ${s.offered ? s.offered.toLocaleString('en') : 'as fast as it can'} | ${Math.round(s.sent / s.sendS).toLocaleString('en')} | ${s.sent.toLocaleString('en')} | ${s.captured.toLocaleString('en')} | ${s.drops.toLocaleString('en')} |`,
  );
  return [
    '| offered (pps) | achieved (pps) | sent | captured | dropped (tp_drops) |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export function captureMarkdown(c: CaptureResult): string[] {
  return [
    '## 6. Capture rate before drops',
    '',
    'A veth between two namespaces; a Python sender (its own process) sends 18-byte UDP datagrams from',
    `one end at an offered rate for ${c.stepS} s a step, and \`ns.capture()\` on that end (snaplen 64, a filter`,
    "keeping the UDP) reads them as they leave, through the reactor. Drops are the kernel's tp_drops",
    "(PACKET_STATISTICS): packets it could not queue because the socket's 8 MiB receive queue was full.",
    '',
    captureTable(c),
    '',
    `Highest rate with no drop: **${c.beforeDrops === undefined ? 'none' : `${Math.round(c.beforeDrops).toLocaleString('en')} packets/s`}**`,
    '(reads are recvmmsg() calls through koffi, 16 packets each, then a copy of the kept bytes and a filter',
    'check per packet on the main thread; a burst above that rate is absorbed by the queue until it fills).',
    '',
  ];
}
