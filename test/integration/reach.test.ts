// toReach and ns.listen against real traffic between namespaces: a veth pair (IPv4, IPv6), a
// bridge in a third namespace with a tap held by a holder beside the veth ports, and a routed
// path through a forwarding namespace. The oracles: busybox ping, run in the namespace through
// a process, agrees with the verdict; a listener on the far side sees the request, from the
// source asked for; and the failure messages show what the kernel said (ENETUNREACH, an ICMP
// error from the router, a RST) in the words tested below.
import { describe } from 'vitest';
import { readdirSync, readlinkSync } from 'node:fs';
import { test, expect, pollUntil } from '../../src/vitest.ts';
import { DeviceNotFoundError, InvalidAddressError, type Link, type Netns } from '../../src/index.ts';
import { ping, wiredPair, type TrafficContext } from '../helpers/traffic.ts';
import { skipUnlessSysctlsWritable } from '../helpers/proc.ts';
import { failure } from '../assert/helpers.ts';
import { ipNeighs } from '../helpers/oracle.ts';

const QUICK_FAIL = { timeout: 400 };

/**
 * The failure of a probe whose answer is an error the kernel sends back (an ICMP error, a RST):
 * first with a short deadline, then with longer ones while the message does not show `expected`
 * yet. On a loaded machine the neighbour resolution and the answer can take longer than the short
 * deadline (the message then says "nothing came back"), and a failing toReach always waits out its
 * deadline, so one long deadline for all would make every such test slow. Bounded: 0.4 + 1.6 + 6.4 s.
 */
async function failureShowing(
  probe: (deadline: { timeout: number }) => Promise<unknown>,
  expected: string | RegExp,
): Promise<Error> {
  let error: Error | undefined;
  for (const timeout of [400, 1600, 6400]) {
    error = await failure(() => probe({ timeout }));
    if (typeof expected === 'string' ? error.message.includes(expected) : expected.test(error.message)) break;
  }
  return error!;
}

/** A veth pair with IPv6 addresses (no DAD, so they are usable at once) and IPv6 on: left 2001:db8::1, right 2001:db8::2. */
async function wiredPair6({ makeNetns }: TrafficContext): Promise<{ left: Netns; right: Netns; l: Link; r: Link }> {
  const left = await makeNetns({ label: 'left6' });
  const right = await makeNetns({ label: 'right6' });
  const [l, r] = await left.addVeth('left0', { peerName: 'right0', peerNs: right });
  await l!.addAddress('2001:db8::1/64', { dad: false });
  await r!.addAddress('2001:db8::2/64', { dad: false });
  await l!.up();
  await r!.up();
  await expect(l!).toBeRunning();
  await expect(r!).toBeRunning();
  return { left, right, l: l!, r: r! };
}

describe('ICMP echo', () => {
  test('reaches the peer over a veth, as busybox ping does', async ({ makeNetns, skip }) => {
    const { left, right } = await wiredPair({ makeNetns, skip });
    await expect(left).toReach('192.0.2.2');
    await expect(right).toReach('192.0.2.1');
    expect((await ping(left, '192.0.2.2', 1)).exitCode).toBe(0);
  });

  test('reaches the peer over IPv6, as busybox ping does', async ({ makeNetns, skip }) => {
    const { left, right } = await wiredPair6({ makeNetns, skip });
    await expect(left).toReach('2001:db8::2');
    await expect(right).toReach('2001:db8::1');
    expect((await ping(left, '2001:db8::2', 1)).exitCode).toBe(0);
  });

  test('IPv6 link-local: reached through the device given, whose index is the scope', async ({ makeNetns, skip }) => {
    const { left, right, l, r } = await wiredPair6({ makeNetns, skip });
    const linkLocal = (await r.state()).addresses.find((a) => a.family === 6 && a.scope === 253)!;
    await expect(r).toHaveAddress(linkLocal.cidr, { tentative: false });
    await expect(left).toReach(linkLocal.address, { dev: l });
    const srv = await right.listen({ udp: 5353, echo: true });
    await expect(left).toReach(linkLocal.address, { dev: l, udp: 5353 });
    // The answered probe came from this side's link-local address (earlier ones may have gone out
    // from 2001:db8::1, while that address was still tentative, and were answered from 2001:db8::2).
    expect(srv.received.map((a) => a.from.address)).toContainEqual(expect.stringMatching(/^fe80:/));
    await expect(expect(left).toReach(linkLocal.address, { dev: l, tcp: 8080 })).rejects.toThrow(
      /a TCP probe of a link-local target .* is not supported/,
    );
    expect((await ping(left, `${linkLocal.address}%left0`, 1)).exitCode).toBe(0);
  });

  test('an IPv6 router with an unreachable route answers with ICMPv6 no route', async ({ makeNetns, skip }) => {
    skipUnlessSysctlsWritable({ skip });
    const { left, right } = await wiredPair6({ makeNetns, skip });
    await right.sysctl.set('net.ipv6.conf.all.forwarding', 1);
    await right.route.add({ dst: '2001:db8:f::/48', type: 'unreachable' });
    await left.route.add({ dst: '2001:db8:f::/48', via: '2001:db8::2' });
    const shown = 'got ICMP no route to destination (type 1 code 0) from 2001:db8::2';
    const error = await failureShowing((d) => expect(left).toReach('2001:db8:f::1', d), shown);
    expect(error.message).toContain(shown);
    expect(error.message).toContain('"via": "2001:db8::2"');
  });

  test('no route: the send is refused and the message shows the lookup refused; ping fails too', async ({
    makeNetns,
    skip,
  }) => {
    const { left } = await wiredPair({ makeNetns, skip });
    const error = await failure(() => expect(left).toReach('198.51.100.9', QUICK_FAIL));
    expect(error.message).toContain('got sendto refused: ENETUNREACH');
    expect(error.message).toContain("The kernel's answer to route get 198.51.100.9 in left:\nrefused (ENETUNREACH");
    expect((await ping(left, '198.51.100.9', 1)).exitCode).not.toBe(0);
  });

  test('the far end down: nothing comes back; the message shows the route and the neighbour entry', async ({
    makeNetns,
    skip,
  }) => {
    const { left, r } = await wiredPair({ makeNetns, skip });
    await expect(left).toReach('192.0.2.2');
    await r.down();
    const error = await failure(() => expect(left).toReach('192.0.2.2', QUICK_FAIL));
    expect(error.message).toContain('nothing came back (timeout)');
    expect(error.message).toContain('"dev": "left0"');
    // Losing carrier flushed the entry learnt while the peer answered; the probes since may have
    // made a new one, still resolving. Either way no link-layer address is known, in the message
    // as in what `ip neigh` lists.
    const shown = /The neighbour entry of the next hop 192\.0\.2\.2 on left0:\n(\(none\)|\{[^}]*\})/.exec(
      error.message,
    )!;
    expect(shown).not.toBeNull();
    expect(shown[1]).not.toContain('lladdr');
    const entries = (await ipNeighs(left, ['dev', 'left0'])).filter((n) => n.dst === '192.0.2.2');
    expect(entries.filter((n) => n.lladdr !== undefined)).toEqual([]);
    expect((await ping(left, '192.0.2.2', 1)).exitCode).not.toBe(0);
  });

  test('a router that drops the packet (it does not forward): timeout', async ({ makeNetns, skip }) => {
    const { left, right } = await wiredPair({ makeNetns, skip });
    await right.sysctl.set('net.ipv4.ip_forward', 0);
    await left.route.add({ dst: '203.0.113.0/24', via: '192.0.2.2' });
    const error = await failure(() => expect(left).toReach('203.0.113.5', QUICK_FAIL));
    expect(error.message).toContain('nothing came back (timeout)');
    expect(error.message).toContain('"via": "192.0.2.2"');
    expect(error.message).toContain('The neighbour entry of the next hop 192.0.2.2 on left0:');
  });

  test('a router with an unreachable route answers with ICMP host unreachable, shown with its type and code', async ({
    makeNetns,
    skip,
  }) => {
    const { left, right } = await wiredPair({ makeNetns, skip });
    await right.sysctl.set('net.ipv4.ip_forward', 1);
    await right.route.add({ dst: '203.0.113.0/24', type: 'unreachable' });
    await left.route.add({ dst: '203.0.113.0/24', via: '192.0.2.2' });
    const shown = 'got ICMP host unreachable (type 3 code 1) from 192.0.2.2';
    const error = await failureShowing((d) => expect(left).toReach('203.0.113.5', d), shown);
    expect(error.message).toContain(shown);
  });
});

describe('TCP and UDP', () => {
  test('TCP: a listener answers, and sees the connect from the source address', async ({ makeNetns, skip }) => {
    const { left, right } = await wiredPair({ makeNetns, skip });
    const srv = await right.listen({ tcp: 8080 });
    await expect(left).toReach('192.0.2.2', { tcp: 8080 });
    const arrival = await srv.next();
    expect(arrival).toMatchObject({ transport: 'tcp', from: { address: '192.0.2.1' } });
  });

  test('TCP: no listener is a RST, refused, not reached', async ({ makeNetns, skip }) => {
    const { left } = await wiredPair({ makeNetns, skip });
    const shown = 'got TCP RST from 192.0.2.2:8081: connection refused (no listener)';
    const error = await failureShowing((d) => expect(left).toReach('192.0.2.2', { tcp: 8081, ...d }), shown);
    expect(error.message).toContain(shown);
  });

  test('UDP: an echoing listener answers; it saw the payload', async ({ makeNetns, skip }) => {
    const { left, right } = await wiredPair({ makeNetns, skip });
    const srv = await right.listen({ udp: 5353, echo: true });
    await expect(left).toReach('192.0.2.2', { udp: 5353, payload: 'hello' });
    const arrival = await srv.next();
    expect(arrival).toMatchObject({ transport: 'udp', from: { address: '192.0.2.1' } });
    expect(arrival.payload.toString()).toBe('hello');
  });

  test('UDP: a listener that does not answer is a timeout, though it saw the datagrams', async ({
    makeNetns,
    skip,
  }) => {
    const { left, right } = await wiredPair({ makeNetns, skip });
    const srv = await right.listen({ udp: 5353 });
    const error = await failure(() => expect(left).toReach('192.0.2.2', { udp: 5353, ...QUICK_FAIL }));
    expect(error.message).toContain('nothing came back (timeout)');
    const sent = Number(/(\d+) sent\):/.exec(error.message)![1]);
    expect(srv.received.length).toBeGreaterThan(0);
    expect(srv.received.length).toBeLessThanOrEqual(sent);
  });

  test('UDP: no listener is an ICMP port unreachable', async ({ makeNetns, skip }) => {
    const { left } = await wiredPair({ makeNetns, skip });
    const shown = 'got ICMP port unreachable (type 3 code 3) from 192.0.2.2';
    const error = await failureShowing((d) => expect(left).toReach('192.0.2.2', { udp: 5354, ...d }), shown);
    expect(error.message).toContain(shown);
  });

  test('TCP and UDP over IPv6', async ({ makeNetns, skip }) => {
    const { left, right } = await wiredPair6({ makeNetns, skip });
    const tcp = await right.listen({ tcp: 8080 });
    const udp = await right.listen({ udp: 5353, echo: true });
    await expect(left).toReach('2001:db8::2', { tcp: 8080 });
    await expect(left).toReach('2001:db8::2', { udp: 5353 });
    expect((await tcp.next()).from.address).toBe('2001:db8::1');
    expect((await udp.next()).from.address).toBe('2001:db8::1');
    const shown = 'got ICMP port unreachable (type 1 code 4) from 2001:db8::2';
    const error = await failureShowing((d) => expect(left).toReach('2001:db8::2', { udp: 5354, ...d }), shown);
    expect(error.message).toContain(shown);
  });
});

describe('.not.toReach', () => {
  test('passes once the target stays silent for the window; fails while it answers', async ({ makeNetns, skip }) => {
    const { left, r } = await wiredPair({ makeNetns, skip });
    // Answering already (its neighbour resolved), and with a window long enough that a loaded
    // machine's pause of a few hundred milliseconds between probe and answer is no silence.
    await expect(left).toReach('192.0.2.2');
    const error = await failure(() => expect(left).not.toReach('192.0.2.2', { for: 1000, timeout: 1000 }));
    expect(error.message).toContain('Expected: not "192.0.2.2 by ICMP echo"');
    expect(error.message).toMatch(/Received: "answered: echo reply seq \d+ from 192\.0\.2\.2/);
    await r.down();
    const started = performance.now();
    await expect(left).not.toReach('192.0.2.2', { for: 300 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    expect((await ping(left, '192.0.2.2', 1)).exitCode).not.toBe(0);
  });

  test('waits for the target to go silent: the link goes down while it waits', async ({ makeNetns, skip }) => {
    const { left, r } = await wiredPair({ makeNetns, skip });
    const pending = expect(left).not.toReach('192.0.2.2', { for: 300, timeout: 5000 });
    await expect(left).toReach('192.0.2.2');
    await r.down();
    await pending;
  });
});

describe('from and dev', () => {
  test('from: the probes leave from that address, as the listener sees', async ({ makeNetns, skip }) => {
    const { left, right, l } = await wiredPair({ makeNetns, skip });
    await l.addAddress('192.0.2.66/24');
    const srv = await right.listen({ tcp: 8080 });
    await expect(left).toReach('192.0.2.2', { from: '192.0.2.66' });
    await expect(left).toReach('192.0.2.2', { tcp: 8080, from: '192.0.2.66' });
    expect((await srv.next()).from.address).toBe('192.0.2.66');
    expect((await ping(left, '192.0.2.2', 1, '192.0.2.66')).exitCode).toBe(0);
  });

  test('from an address the namespace does not have: InvalidAddressError naming it', async ({ makeNetns, skip }) => {
    const { left } = await wiredPair({ makeNetns, skip });
    const error = await failure(() => expect(left).toReach('192.0.2.2', { from: '192.0.2.77' }));
    expect(error).toBeInstanceOf(InvalidAddressError);
    expect(error.message).toContain('192.0.2.77 is not an address of namespace left');
  });

  test('dev: through the veth it reaches, bound to another device it does not', async ({ makeNetns, skip }) => {
    const { left, l } = await wiredPair({ makeNetns, skip });
    // A second device with no path to the peer (a veth pair of its own).
    const [other] = await left.addVeth('x0', { peerName: 'x1' });
    await other!.up();
    await expect(left).toReach('192.0.2.2', { dev: l });
    const refused = await failureShowing(
      (d) => expect(left).toReach('192.0.2.2', { dev: 'left0', udp: 9, ...d }),
      'port unreachable',
    );
    expect(refused.message).toContain('port unreachable');
    const error = await failure(() => expect(left).toReach('192.0.2.2', { dev: other!, ...QUICK_FAIL }));
    expect(error.message).toContain('dev x0');
    expect(error.message).toMatch(/got sendto refused: E(NETUNREACH|HOSTUNREACH)|nothing came back/);
    await expect(expect(left).toReach('192.0.2.2', { dev: 'nope0' })).rejects.toBeInstanceOf(DeviceNotFoundError);
  });
});

describe('the listener', () => {
  test('both directions: each side listens, the other reaches it; close() frees the port', async ({
    makeNetns,
    skip,
  }) => {
    const { left, right } = await wiredPair({ makeNetns, skip });
    const onLeft = await left.listen({ udp: 0, echo: true });
    const onRight = await right.listen({ udp: 0, echo: true });
    expect(onLeft.port).toBeGreaterThan(0);
    await expect(right).toReach('192.0.2.1', { udp: onLeft.port, payload: 'to left' });
    await expect(left).toReach('192.0.2.2', { udp: onRight.port, payload: 'to right' });
    expect((await onLeft.next()).payload.toString()).toBe('to left');
    expect((await onRight.next()).payload.toString()).toBe('to right');
    await onRight.close();
    const closed = await failureShowing(
      (d) => expect(left).toReach('192.0.2.2', { udp: onRight.port, ...d }),
      'port unreachable',
    );
    expect(closed.message).toContain('port unreachable');
    // A loaded machine answers late, so more than one probe may have arrived before close(): those
    // are still read, all of them the probe's payload, and then next() says the listener is closed.
    let end: unknown;
    for (let i = 0; i < 100 && end === undefined; i++) {
      const next = await onRight.next({ timeout: 0 }).catch((e: unknown) => e);
      if (next instanceof Error) end = next;
      else expect((next as { payload: Buffer }).payload.toString()).toBe('to right');
    }
    expect(String(end)).toMatch(/is closed/);
  });

  test('TCP echo: a client gets its bytes back, and the arrival holds them', async ({ makeNetns, skip }) => {
    const { left, right } = await wiredPair({ makeNetns, skip });
    const srv = await right.listen({ tcp: 7, echo: true, address: '192.0.2.2' });
    // A client that sends, ends its side, and prints everything until the server ends too.
    const client =
      'import socket,sys\n' +
      "s=socket.create_connection(('192.0.2.2',7),timeout=5)\n" +
      "s.sendall(b'ping'); s.shutdown(socket.SHUT_WR)\n" +
      "out=b''\n" +
      'while (chunk := s.recv(4096)): out += chunk\n' +
      'sys.stdout.write(out.decode())\n';
    const out = await left.exec('python3', ['-c', client]);
    expect(out.stdout).toBe('ping');
    const arrival = await srv.next();
    expect(arrival.payload.toString()).toBe('ping');
    expect(arrival.from.address).toBe('192.0.2.1');
  });

  test('refuses bad specs before opening anything', async ({ netns }) => {
    const refusals: Array<[unknown, RegExp]> = [
      [{}, /pass exactly one of tcp and udp/],
      [{ tcp: 1, udp: 2 }, /pass exactly one of tcp and udp/],
      [{ tcp: -1 }, /tcp must be a port number from 0 \(any\) to 65535, received -1/],
      [{ udp: 53, bogus: 1 }, /unknown option bogus/],
      [{ udp: 53, address: 'localhost' }, /invalid address "localhost"/],
      [{ udp: 53, echo: 'yes' }, /echo must be true or false, received "yes"/],
    ];
    for (const [spec, words] of refusals)
      await expect(netns.listen(spec as never), JSON.stringify(spec)).rejects.toThrow(words);
  });

  test('next() times out with a message naming the port, and destroy() closes the listener', async ({
    makeNetns,
    skip,
  }) => {
    const { left, right } = await wiredPair({ makeNetns, skip });
    const srv = await right.listen({ tcp: 8080 });
    await expect(srv.next({ timeout: 50 })).rejects.toThrow(
      /no TCP connection arrived on tcp port 8080 in right within 50 ms/,
    );
    await right.destroy();
    await expect(srv.next({ timeout: 0 })).rejects.toThrow(/is closed/);
    const error = await failure(() => expect(left).toReach('192.0.2.2', { tcp: 8080, ...QUICK_FAIL }));
    expect(error.message).toMatch(/no answer/);
  });
});

describe('descriptors', () => {
  /** The sockets this process has open (/proc/self/fd), by inode: the probes' and listeners' among them. */
  const sockets = (): Set<string> =>
    new Set(
      readdirSync('/proc/self/fd').flatMap((fd) => {
        try {
          const target = readlinkSync(`/proc/self/fd/${fd}`);
          return target.startsWith('socket:') ? [target] : [];
        } catch {
          return [];
        }
      }),
    );

  test('every probe and listener closes its sockets: none is left once the verdicts are in', async ({
    makeNetns,
    skip,
  }) => {
    const { left, right } = await wiredPair({ makeNetns, skip });
    // The first verdict starts what lives on (the reactor's eventfd, the namespaces' event sockets).
    await expect(left).toReach('192.0.2.2');
    const before = sockets();
    const tcp = await right.listen({ tcp: 8080 });
    const udp = await right.listen({ udp: 5353, echo: true });
    await expect(left).toReach('192.0.2.2');
    await expect(left).toReach('192.0.2.2', { tcp: 8080 });
    await expect(left).toReach('192.0.2.2', { udp: 5353 });
    await expect(left).not.toReach('192.0.2.2', { tcp: 8081, for: 100 });
    await tcp.next();
    await tcp.close();
    await udp.close();
    // Node closes a destroyed socket's descriptor on a later turn of its loop: wait for that, with a deadline.
    const waited = await pollUntil(
      () => [...sockets()].filter((s) => !before.has(s)),
      (extra) => extra.length === 0,
      { timeout: 2000 },
    );
    expect(waited.value).toEqual([]);
  });
});

describe('topologies', () => {
  test('across a bridge in a third namespace, with a tap held by a holder among its ports', async ({
    makeNetns,
    skip,
  }) => {
    skipUnlessSysctlsWritable({ skip });
    const sw = await makeNetns({ label: 'switch' });
    const a = await makeNetns({ label: 'a' });
    const b = await makeNetns({ label: 'b' });
    const br = await sw.addBridge('br0');
    const tap = await sw.addTap('tap0', { owner: 'holder' });
    await tap.attachTo(br);
    await tap.up();
    const hosts: Array<[Netns, string]> = [
      [a, '192.0.2.11/24'],
      [b, '192.0.2.12/24'],
    ];
    for (const [ns, cidr] of hosts) {
      const [port, host] = await sw.addVeth(`p-${ns.label}`, { peerName: 'eth0', peerNs: ns });
      await port!.attachTo(br);
      await port!.up();
      await host!.addAddress(cidr);
      await host!.up();
    }
    await br.up();
    await expect(a).toReach('192.0.2.12');
    await expect(b).toReach('192.0.2.11');
    expect((await ping(a, '192.0.2.12', 1)).exitCode).toBe(0);
  });

  test('through a forwarding router: reached; with forwarding off, not', async ({ makeNetns, skip }) => {
    skipUnlessSysctlsWritable({ skip });
    const a = await makeNetns({ label: 'host-a' });
    const router = await makeNetns({ label: 'router' });
    const b = await makeNetns({ label: 'host-b' });
    const [a0, r0] = await a.addVeth('a0', { peerName: 'r0', peerNs: router });
    const [b0, r1] = await b.addVeth('b0', { peerName: 'r1', peerNs: router });
    const addresses: Array<[Link, string]> = [
      [a0!, '192.0.2.2/24'],
      [r0!, '192.0.2.1/24'],
      [r1!, '198.51.100.1/24'],
      [b0!, '198.51.100.2/24'],
    ];
    for (const [link, cidr] of addresses) {
      await link.addAddress(cidr);
      await link.up();
    }
    await a.route.add({ dst: 'default', via: '192.0.2.1' });
    await b.route.add({ dst: 'default', via: '198.51.100.1' });
    await router.sysctl.set('net.ipv4.ip_forward', 1);
    const srv = await b.listen({ tcp: 53 });
    await expect(a).toReach('198.51.100.2');
    await expect(a).toReach('198.51.100.2', { tcp: 53 });
    expect((await srv.next()).from.address).toBe('192.0.2.2');
    expect((await ping(a, '198.51.100.2', 1)).exitCode).toBe(0);
    await router.sysctl.set('net.ipv4.ip_forward', 0);
    await expect(a).not.toReach('198.51.100.2', { for: 300 });
  });
});
