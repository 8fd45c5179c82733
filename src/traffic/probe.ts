// Reachability probes from inside a namespace: ICMP echo, a TCP connect, a UDP request. Each
// kind sends a probe now and then and reports what comes back; the driver decides when the
// question is answered, against one deadline computed up front. ICMP goes through a raw socket
// (SOCK_RAW, IPPROTO_ICMP/ICMPV6), not an ICMP datagram socket: that one needs
// net.ipv4.ping_group_range written in the namespace, a change to the state under test, and
// reports ICMP errors only through the error queue; a raw socket needs CAP_NET_RAW, which a
// process that creates namespaces has, and sees the errors as they arrive, with the packet
// they quote. TCP and UDP probes keep such a raw socket open beside them, so a host
// unreachable (which a UDP socket does not report) shows too.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { sockaddr } from '../handle/sockaddr.ts';
import * as C from '../sys/constants.ts';
import { DatagramSocket, openBound, openSocket, type SocketPlace } from './socket.ts';
import { echoRequest, parseIcmp, type Quoted } from './icmp.ts';

/** What to probe: the target, how, and from where. */
export interface ProbeTarget extends Omit<SocketPlace, 'port'> {
  /** The target address, canonical. */
  to: string;
  family: 4 | 6;
  /** The interface index for a link-local target (the dev asked for), else 0. */
  scopeId: number;
  transport: { icmp: true } | { tcp: number } | { udp: number; payload: Buffer };
}

/** One line of a probe's story: what was sent, or what came back, and when. */
export interface ProbeEvent {
  /** Milliseconds since the probing began. */
  at: number;
  dir: 'sent' | 'got';
  text: string;
  /** A got event that answers the question (an echo reply, a connect, a UDP answer). */
  answer?: boolean;
}

/** When the probing ends: at the first answer, or once no answer came for a whole window. */
export type ProbeGoal =
  | { want: 'answer'; timeout: number }
  | {
      want: 'silence';
      /** How long to wait for the window to begin. */
      timeout: number;
      /** How long the target must stay silent. */
      quietMs: number;
    };

/** How the probing ended. */
export interface ProbeVerdict {
  /** The target answered: within the deadline (answer), or during every window begun before it (silence). */
  reached: boolean;
  events: ProbeEvent[];
  /** Milliseconds from the first probe to the verdict. */
  elapsedMs: number;
  /** How many probes were sent. */
  sent: number;
}

type Report = (text: string, answer: boolean) => void;
type Log = (text: string) => void;

interface Prober {
  send(): void;
  close(): void;
}

/** The pauses between probes: quick at first (a neighbour being resolved answers the first ones late), then steady. */
const INTERVALS_MS = [20, 50, 100, 200];
/** The shortest pause between probes, whatever the window: a bound on the probes a short window sends. */
const MIN_PAUSE_MS = 5;

let echoIds = process.pid & 0xffff;

const endpoint = (address: string, port: number): string =>
  address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;

/** A raw ICMP socket in the namespace passing on the errors that quote a packet mine() claims. */
function icmpSocket(t: ProbeTarget, bound: boolean, onPacket: (packet: Buffer, from: string) => void): DatagramSocket {
  const protocol = t.family === 4 ? C.IPPROTO_ICMP : C.IPPROTO_ICMPV6;
  const place = bound ? t : { ...t, from: undefined, dev: undefined };
  const fd = openSocket(place, t.family, C.SOCK_RAW, protocol, `raw ICMP${t.family === 6 ? 'v6' : ''}`);
  return new DatagramSocket(fd, (packet, from) => onPacket(packet, from.address));
}

function errorWatcher(t: ProbeTarget, mine: (q: Quoted) => boolean, report: Report): DatagramSocket {
  return icmpSocket(t, false, (packet, from) => {
    const m = parseIcmp(t.family, packet);
    if (m?.kind === 'error' && m.quoted.dst === t.to && mine(m.quoted))
      report(`ICMP ${m.name} (type ${m.type} code ${m.code}) from ${from}`, false);
  });
}

function icmpProber(t: ProbeTarget, report: Report, log: Log): Prober {
  const id = (echoIds = (echoIds + 1) & 0xffff);
  const sentAt = new Map<number, number>();
  const socket = icmpSocket(t, true, (packet, from) => {
    const m = parseIcmp(t.family, packet);
    if (m?.kind === 'reply' && m.id === id && from === t.to && sentAt.has(m.seq)) {
      report(`echo reply seq ${m.seq} from ${from} in ${(performance.now() - sentAt.get(m.seq)!).toFixed(2)} ms`, true);
    } else if (m?.kind === 'error' && m.quoted.echoId === id && m.quoted.dst === t.to) {
      report(`ICMP ${m.name} (type ${m.type} code ${m.code}) from ${from}`, false);
    }
  });
  const to = sockaddr(t.to, 0, t.scopeId);
  const payload = Buffer.from('nslab toReach');
  let seq = 0;
  return {
    send() {
      seq = (seq + 1) & 0xffff;
      sentAt.set(seq, performance.now());
      log(
        `echo request id ${id} seq ${seq} to ${t.to}${t.from ? ` from ${t.from}` : ''}${t.dev ? ` dev ${t.dev}` : ''}`,
      );
      const refused = socket.send(echoRequest(t.family, id, seq, payload), to);
      if (refused) report(`sendto refused: ${refused}`, false);
    },
    close: () => socket.close(),
  };
}

function tcpProber(t: ProbeTarget, port: number, report: Report, log: Log): Prober {
  const ports = new Set<number>();
  const sockets = new Set<net.Socket>();
  const watcher = errorWatcher(
    t,
    (q) => q.protocol === C.IPPROTO_TCP && q.dport === port && ports.has(q.sport!),
    report,
  );
  return {
    send() {
      const { fd, local } = openBound(t, t.family, C.SOCK_STREAM, 'TCP');
      ports.add(local.port);
      log(`TCP connect (SYN) from ${endpoint(local.address, local.port)} to ${endpoint(t.to, port)}`);
      const started = performance.now();
      // Node adopts the descriptor (its namespace is already fixed) and owns it from here.
      const socket = new net.Socket({ fd });
      sockets.add(socket);
      socket.once('connect', () => {
        report(
          `TCP connected (SYN-ACK) from ${endpoint(t.to, port)} in ${(performance.now() - started).toFixed(2)} ms`,
          true,
        );
        socket.destroy();
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        report(
          error.code === 'ECONNREFUSED'
            ? `TCP RST from ${endpoint(t.to, port)}: connection refused (no listener)`
            : `TCP connect failed: ${error.code ?? error.message}`,
          false,
        );
      });
      socket.once('close', () => sockets.delete(socket));
      socket.connect({ port, host: t.to });
    },
    close() {
      for (const s of sockets) s.destroy();
      watcher.close();
    },
  };
}

function udpProber(t: ProbeTarget, port: number, payload: Buffer, report: Report, log: Log): Prober {
  const { fd, local } = openBound(t, t.family, C.SOCK_DGRAM, 'UDP');
  const target = sockaddr(t.to, port, t.scopeId);
  const socket = new DatagramSocket(fd, (data, from) => {
    const answer = `UDP answer of ${data.length} bytes from ${endpoint(from.address, from.port)}`;
    // Only the target's own answer counts. The kernel picks the source of each datagram anew,
    // and may pick one the target answers from another address of its own: a link-local target
    // probed while this side's link-local address is still tentative gets 2001:db8::1 as the
    // source, and its answer comes from its global address.
    if (from.address === t.to && from.port === port) return report(answer, true);
    report(`${answer}, not the target: the kernel chose a source the target answers from another address`, false);
  });
  let watcher: DatagramSocket;
  try {
    watcher = errorWatcher(
      t,
      (q) => q.protocol === C.IPPROTO_UDP && q.dport === port && q.sport === local.port,
      report,
    );
  } catch (error) {
    socket.close();
    throw error;
  }
  return {
    send() {
      log(
        `UDP datagram of ${payload.length} bytes from ${endpoint(local.address, local.port)} to ${endpoint(t.to, port)}`,
      );
      // Unconnected, so route and source are chosen for each datagram as the namespace is now
      // (a connect fixes the source for the socket's life). ICMP errors, port unreachable
      // included, reach the raw watcher beside it.
      const error = socket.send(payload, target);
      if (error) report(`send refused: ${error}`, false);
    },
    close() {
      socket.close();
      watcher.close();
    },
  };
}

function prober(t: ProbeTarget, report: Report, log: Log): Prober {
  const how = t.transport;
  if ('tcp' in how) return tcpProber(t, how.tcp, report, log);
  if ('udp' in how) return udpProber(t, how.udp, how.payload, report, log);
  return icmpProber(t, report, log);
}

/**
 * Probes until the goal is decided. answer: ends at the first answer (reached) or at the
 * deadline. silence: ends once a whole window of quietMs passed without an answer (not
 * reached), each answer starting the window again, or at an answer after the deadline
 * (reached: no window begun in time stayed quiet). Probes go out all along, so an answer can
 * come at any time.
 */
export function probe(t: ProbeTarget, goal: ProbeGoal): Promise<ProbeVerdict> {
  const start = performance.now();
  const deadline = start + goal.timeout;
  const events: ProbeEvent[] = [];
  let sent = 0;
  // A window of silence must hold several probes, or the pause before the next probe would pass for one.
  const maxPause = goal.want === 'silence' ? Math.max(MIN_PAUSE_MS, goal.quietMs / 4) : Infinity;
  return new Promise<ProbeVerdict>((resolve, reject) => {
    let sendTimer: NodeJS.Timeout | undefined;
    let endTimer: NodeJS.Timeout | undefined;
    let done = false;
    let p: Prober | undefined;
    const end = (settle: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(sendTimer);
      clearTimeout(endTimer);
      p?.close();
      settle();
    };
    const finish = (reached: boolean): void =>
      end(() => resolve({ reached, events, elapsedMs: performance.now() - start, sent }));
    const fail = (error: unknown): void => end(() => reject(error));
    // A silence goal's window: from the start, or from the last answer.
    const quietFrom = (from: number): void => {
      if (goal.want !== 'silence') return;
      clearTimeout(endTimer);
      // Node's timers run on a millisecond clock and can fire a fraction early: the window is checked, not assumed.
      const left = from + goal.quietMs - performance.now();
      if (left <= 0) finish(false);
      else endTimer = setTimeout(() => quietFrom(from), Math.ceil(left));
    };
    const report: Report = (text, answer) => {
      if (done) return;
      const now = performance.now();
      events.push({ at: now - start, dir: 'got', text, answer });
      if (!answer) return;
      if (goal.want === 'answer' || now > deadline) finish(true);
      else quietFrom(now);
    };
    const log: Log = (text) => {
      sent++;
      events.push({ at: performance.now() - start, dir: 'sent', text });
    };
    const tick = (): void => {
      try {
        p!.send();
      } catch (error) {
        return fail(error);
      }
      if (done) return;
      sendTimer = setTimeout(tick, Math.min(INTERVALS_MS[Math.min(sent - 1, INTERVALS_MS.length - 1)]!, maxPause));
    };
    try {
      p = prober(t, report, log);
    } catch (error) {
      return fail(error);
    }
    if (goal.want === 'answer') endTimer = setTimeout(() => finish(false), goal.timeout);
    else quietFrom(start);
    tick();
  });
}
