// ns.listen(): a TCP or UDP server inside a namespace that records what arrives, and can echo
// it, so a test checks the other direction of a path without writing a server. Its socket is
// opened inside the namespace (./socket.ts) and it is on the namespace's cleanup stack, so it
// cannot outlive the namespace, or keep the process alive after destroy().
import net from 'node:net';
import { NslabError, InvalidArgumentError } from '../errors.ts';
import type { NetnsHandle } from '../handle/handle.ts';
import { sockaddr, type Endpoint } from '../handle/sockaddr.ts';
import * as C from '../sys/constants.ts';
import { sys } from '../sys/libc.ts';
import { requireMilliseconds, waitDefaults } from '../sys/poll.ts';
import { requireInteger, shown } from '../values/checks.ts';
import { parseAddress } from '../values/route.ts';
import { DatagramSocket, openBound } from './socket.ts';

/** What ns.listen() opens: one TCP or UDP port, on an address of the namespace or all of them. */
export interface ListenSpec {
  /** A TCP port (0: one the kernel picks; read it from `port`). */
  tcp?: number;
  /** A UDP port (0: one the kernel picks). */
  udp?: number;
  /** The address to bind (default "::": every IPv4 and IPv6 address of the namespace). */
  address?: string;
  /** Send back what arrives: each datagram to its sender, each TCP chunk down its connection. */
  echo?: boolean;
}

/** One thing that arrived: a UDP datagram, or a TCP connection with everything it carried. */
export interface Arrival {
  /** What it came by. */
  transport: 'tcp' | 'udp';
  /** The sender's address and port (an IPv4 sender as plain IPv4). */
  from: Endpoint;
  /** The datagram, or all the connection's bytes. */
  payload: Buffer;
  /** When the datagram arrived, or the connection was accepted. */
  at: Date;
}

const M = 'listen';
const RECORD = Symbol('record');
const KEYS = ['tcp', 'udp', 'address', 'echo'];

function checkSpec(spec: unknown): { transport: 'tcp' | 'udp'; port: number; address: string; echo: boolean } {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
    throw new TypeError(`${M}: pass { tcp: port } or { udp: port } (with address?, echo?), received ${shown(spec)}`);
  const unknown = Object.keys(spec).filter((k) => !KEYS.includes(k));
  if (unknown.length)
    throw new TypeError(`${M}: unknown option ${unknown.join(', ')}; the options are ${KEYS.join(', ')}`);
  const s = spec as ListenSpec;
  if ((s.tcp === undefined) === (s.udp === undefined))
    throw new InvalidArgumentError(`${M}: pass exactly one of tcp and udp, received ${JSON.stringify(spec)}`, spec);
  const transport = s.tcp !== undefined ? 'tcp' : 'udp';
  const port = requireInteger(
    s[transport],
    0,
    65535,
    (v) => `${M}: ${transport} must be a port number from 0 (any) to 65535, received ${v}`,
  );
  if (s.echo !== undefined && typeof s.echo !== 'boolean')
    throw new InvalidArgumentError(`${M}: echo must be true or false, received ${shown(s.echo)}`, s.echo);
  const address = s.address === undefined ? '::' : parseAddress(M, 'address', s.address).address;
  return { transport, port, address, echo: s.echo ?? false };
}

/** A server listening inside a namespace: what arrived so far, the next arrival, and close(). */
export class Listener implements AsyncDisposable {
  /** What it listens on. */
  readonly transport: 'tcp' | 'udp';
  /** The port listened on (the kernel's pick when 0 was asked for). */
  readonly port: number;
  /** The address bound. */
  readonly address: string;
  readonly #received: Arrival[] = [];
  /** How many arrivals next() has handed out. */
  #taken = 0;
  readonly #waiting: Array<{ resolve: (a: Arrival) => void; reject: (e: Error) => void }> = [];
  readonly #close: () => Promise<void>;
  #closing: Promise<void> | undefined;
  readonly #label: string;

  /** Use ns.listen(). */
  constructor(transport: 'tcp' | 'udp', local: Endpoint, label: string, close: () => Promise<void>) {
    this.transport = transport;
    this.port = local.port;
    this.address = local.address;
    this.#label = label;
    this.#close = close;
  }

  /** Everything that arrived, oldest first. */
  get received(): readonly Arrival[] {
    return this.#received;
  }

  /** The servers' side (a symbol, out of users' way): records an arrival and hands it to a waiting next(). */
  [RECORD](arrival: Arrival): void {
    this.#received.push(arrival);
    const waiter = this.#waiting.shift();
    if (waiter) waiter.resolve(this.#received[this.#taken++]!);
  }

  /**
   * The next arrival not yet returned by next(): one already there at once, else the next to
   * come, within timeout ms (default: the wait default). No arrival is missed between calls.
   */
  next(options: { timeout?: number } = {}): Promise<Arrival> {
    const timeout = requireMilliseconds(`${M}: next`, 'timeout', options.timeout ?? waitDefaults.timeout, '>= 0');
    if (this.#taken < this.#received.length) return Promise.resolve(this.#received[this.#taken++]!);
    if (this.#closing) return Promise.reject(this.#closed());
    return new Promise<Arrival>((resolve, reject) => {
      const waiter = {
        resolve: (a: Arrival) => {
          clearTimeout(timer);
          resolve(a);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
        const what = this.transport === 'tcp' ? 'no TCP connection' : 'no UDP datagram';
        reject(
          new NslabError(
            `${what} arrived on ${this.transport} port ${this.port} in ${this.#label} within ${timeout} ms ` +
              `(${this.#received.length} arrived before): is the sender's route or the port right?`,
          ),
        );
      }, timeout);
      this.#waiting.push(waiter);
    });
  }

  #closed(): Error {
    return new NslabError(`the ${this.transport} listener on port ${this.port} in ${this.#label} is closed`);
  }

  /** Stops listening and closes every connection; waiting next() calls are refused. Again is a no-op. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const w of this.#waiting.splice(0)) w.reject(this.#closed());
      await this.#close();
    })();
    return this.#closing;
  }

  /** close(), for `await using srv = await ns.listen(...)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

async function tcpServer(fd: number, echo: boolean, box: { l?: Listener }): Promise<() => Promise<void>> {
  const connections = new Set<net.Socket>();
  const server = net.createServer((c) => {
    connections.add(c);
    const at = new Date();
    // Read now: Node forgets the peer once the connection is closed.
    const from = normalized({ address: c.remoteAddress ?? '', port: c.remotePort ?? 0 });
    const chunks: Buffer[] = [];
    c.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (echo) c.write(chunk);
    });
    c.on('end', () => c.end());
    // A reset connection is an arrival too: it came, and carried what it carried.
    c.on('error', () => undefined);
    c.on('close', () => {
      connections.delete(c);
      box.l?.[RECORD]({ transport: 'tcp', from, payload: Buffer.concat(chunks), at });
    });
  });
  // Node adopts the bound descriptor and calls listen() on it; from here it owns the descriptor.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ fd }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return () =>
    new Promise<void>((resolve) => {
      for (const c of connections) c.destroy();
      server.close(() => resolve());
    });
}

/** Node writes a dual-stack socket's IPv4 peer as ::ffff:a.b.c.d; arrivals show it as the IPv4 address it is. */
function normalized(from: Endpoint): Endpoint {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(from.address);
  return m ? { address: m[1]!, port: from.port } : from;
}

/** A TCP or UDP listener in the namespace, recording what arrives (see Listener). */
export async function listen(ns: NetnsHandle, spec: ListenSpec): Promise<Listener> {
  const { transport, port, address, echo } = checkSpec(spec);
  const family = address.includes(':') ? 6 : 4;
  const place = { nsFd: ns.fd, label: ns.label, where: M, from: address, port };
  const type = transport === 'tcp' ? C.SOCK_STREAM : C.SOCK_DGRAM;
  const { fd, local } = openBound(place, family, type, transport.toUpperCase());
  const box: { l?: Listener } = {};
  let stop: () => Promise<void>;
  if (transport === 'tcp') {
    try {
      stop = await tcpServer(fd, echo, box);
    } catch (error) {
      sys.close(fd);
      throw error;
    }
  } else {
    const socket = new DatagramSocket(fd, (payload, from) => {
      box.l?.[RECORD]({ transport: 'udp', from, payload, at: new Date() });
      if (echo) socket.send(payload, sockaddr(family === 6 ? v6(from.address) : from.address, from.port));
    });
    stop = async () => socket.close();
  }
  const drop = ns.cleanup.defer(`close the ${transport} listener on port ${local.port}`, () => listener.close());
  const listener = new Listener(transport, local, ns.label, async () => {
    drop();
    await stop();
  });
  box.l = listener;
  return listener;
}

/** The address a dual-stack socket sends to for a sender: IPv4 ones as IPv4-mapped IPv6. */
const v6 = (address: string): string => (address.includes(':') ? address : `::ffff:${address}`);
