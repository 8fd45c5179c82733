// Link, address and route notifications, and what happens when the kernel drops them (ENOBUFS).
import { constants } from 'node:os';
import { describe, expect, test, vi } from 'vitest';
import { createNetns, SysError, type Bridge, type KernelEvent, type Netns } from '../../src/index.ts';
import { EventStream, EVENT_GROUPS } from '../../src/handle/events.ts';
import { NetlinkSocket } from '../../src/netlink/socket.ts';
import { linkSet } from '../../src/rtnl/link.ts';
import { neighReplace } from '../../src/rtnl/neigh.ts';
import { ipBytes } from '../../src/values/ip.ts';
import * as C from '../../src/sys/constants.ts';
import { addManyAltnames } from '../helpers/altnames.ts';

/** Resolves with the first event matching pred from now on; rejects at the deadline. */
function nextEvent(
  stream: Pick<EventStream, 'subscribe'>,
  pred: (e: KernelEvent) => boolean,
  timeoutMs = 5_000,
): Promise<KernelEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no matching event within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = stream.subscribe((e) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(e);
    });
  });
}

const linkEvent = (name: string, action: 'new' | 'del', flags?: (f: number) => boolean) => (e: KernelEvent) =>
  e.kind === 'link' && e.action === action && e.link.name === name && (!flags || flags(e.link.flags));

/** Many up/down changes in a row, without yielding to the event loop (so nothing is read in between). */
function burst(ns: Netns, index: number, toggles: number): void {
  for (let i = 0; i < toggles; i++) {
    linkSet(ns.rtnl, index, { up: true });
    linkSet(ns.rtnl, index, { up: false });
  }
}

/** Many neighbour changes in a row, without yielding to the event loop: the state of one entry flips. */
function neighBurst(ns: Netns, index: number, changes: number): void {
  for (let i = 0; i < changes; i++) {
    neighReplace(ns.rtnl, {
      index,
      dev: `index ${index}`,
      address: ipBytes('192.0.2.2'),
      proxy: false,
      lladdr: Buffer.from([0x52, 0x54, 0, 0, 0, i % 2 ? 2 : 3]),
      state: C.NUD_PERMANENT,
      router: false,
    });
  }
}

describe('ns.events', () => {
  test('newlink for up and down, newaddr/deladdr, dellink, in order, with the decoded message', async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    const seen: KernelEvent[] = [];
    const unsubscribe = ns.events.subscribe((e) => seen.push(e));
    const up = nextEvent(
      ns.events,
      linkEvent('br0', 'new', (f) => (f & C.IFF_UP) !== 0),
    );
    await br.up();
    const upEvent = await up;
    expect(upEvent.kind === 'link' && upEvent.link.index).toBe(br.index);
    const down = nextEvent(
      ns.events,
      linkEvent('br0', 'new', (f) => (f & C.IFF_UP) === 0),
    );
    await br.down();
    await down;
    const addr = nextEvent(ns.events, (e) => e.kind === 'addr' && e.action === 'new' && e.addr.address === '192.0.2.1');
    await br.addAddress('192.0.2.1/24');
    const addrEvent = await addr;
    expect(addrEvent.kind === 'addr' && addrEvent.addr).toMatchObject({ family: 4, prefixLength: 24, index: br.index });
    const deladdr = nextEvent(
      ns.events,
      (e) => e.kind === 'addr' && e.action === 'del' && e.addr.address === '192.0.2.1',
    );
    await br.removeAddress('192.0.2.1/24');
    await deladdr;
    const del = nextEvent(ns.events, linkEvent('br0', 'del'));
    await br.delete();
    await del;
    unsubscribe();
    const ours = seen
      .filter((e) => (e.kind === 'addr' && e.addr.address === '192.0.2.1') || (e.kind === 'link' && e.action === 'del'))
      .map((e) => `${e.kind}:${e.kind === 'overflow' ? '' : e.action}`);
    expect(ours).toEqual(['addr:new', 'addr:del', 'link:del']);
    expect(seen.every((e, i) => i === 0 || e.at >= seen[i - 1]!.at)).toBe(true);
    expect(ns.events.history.slice(-seen.length)).toEqual(seen);
  });

  test('newroute and delroute, IPv4 and IPv6, with the decoded route', async () => {
    await using ns = await createNetns();
    const [v0, v1] = await ns.addVeth('v0', { peerName: 'v1' });
    await v0!.up();
    await v1!.up();
    await v0!.addAddress('192.0.2.1/24');
    await v0!.addAddress('2001:db8::1/64', { dad: false });
    const routeEvent =
      (action: 'new' | 'del', dst: string) =>
      (e: KernelEvent): boolean =>
        e.kind === 'route' && e.action === action && e.route.dst === dst;
    const added = nextEvent(ns.events, routeEvent('new', '198.51.100.0'));
    await ns.route.add({ dst: '198.51.100.0/24', via: '192.0.2.254', table: 100, metric: 7 });
    const addedEvent = await added;
    expect(addedEvent.kind === 'route' && addedEvent.route).toMatchObject({
      family: 4,
      dstLength: 24,
      gateway: '192.0.2.254',
      index: v0!.index,
      table: 100,
      priority: 7,
      type: C.RTN_UNICAST,
    });
    const added6 = nextEvent(ns.events, routeEvent('new', '2001:db8:1::'));
    await ns.route.add({ dst: '2001:db8:1::/48', via: '2001:db8::fe' });
    const added6Event = await added6;
    expect(added6Event.kind === 'route' && added6Event.route).toMatchObject({ family: 6, gateway: '2001:db8::fe' });
    const deleted = nextEvent(ns.events, routeEvent('del', '198.51.100.0'));
    await ns.route.del({ dst: '198.51.100.0/24', table: 100 });
    await deleted;
  });

  test('newneigh and delneigh, with the decoded entry; the FDB notifications of a bridge port are no events and no loss', async () => {
    await using ns = await createNetns();
    const [v0] = await ns.addVeth('v0', { peerName: 'v1' });
    const seen: KernelEvent[] = [];
    const unsubscribe = ns.events.subscribe((e) => seen.push(e));
    const added = nextEvent(ns.events, (e) => e.kind === 'neigh' && e.action === 'new');
    await ns.neigh.add({ dev: v0!, to: '2001:db8::2', lladdr: '52:54:00:00:00:02', router: true });
    const addEvent = await added;
    expect(addEvent.kind === 'neigh' && addEvent.neigh).toMatchObject({
      family: 6,
      index: v0!.index,
      address: '2001:db8::2',
      lladdr: '52:54:00:00:00:02',
      state: C.NUD_PERMANENT,
      flags: C.NTF_ROUTER,
    });
    const deleted = nextEvent(ns.events, (e) => e.kind === 'neigh' && e.action === 'del');
    await ns.neigh.del({ dev: 'v0', to: '2001:db8::2' });
    expect(((await deleted) as { neigh: { address: string } }).neigh.address).toBe('2001:db8::2');

    // A port joining a bridge makes the kernel announce its MAC in the bridge's FDB (AF_BRIDGE
    // on RTNLGRP_NEIGH); the link change after it shows the FDB notification has been read too.
    const br = await ns.addBridge('br0');
    const attached = nextEvent(
      ns.events,
      (e) => e.kind === 'link' && e.link.name === 'v1' && e.link.master === br.index,
    );
    await (await ns.link('v1')).attachTo(br);
    await attached;
    unsubscribe();
    expect(seen.filter((e) => e.kind === 'overflow')).toEqual([]);
    // Deleting first marks the entry failed (a newneigh), then removes it: only our entry, no FDB entries.
    const neighs = seen.flatMap((e) => (e.kind === 'neigh' ? [`${e.action} ${e.neigh.address}`] : []));
    expect(neighs[0]).toBe('new 2001:db8::2');
    expect(neighs.at(-1)).toBe('del 2001:db8::2');
    expect(neighs.every((n) => n.endsWith(' 2001:db8::2'))).toBe(true);
  });

  test('newrule and delrule of both families, with the decoded rule', async () => {
    await using ns = await createNetns();
    const seen: KernelEvent[] = [];
    const unsubscribe = ns.events.subscribe((e) => seen.push(e));
    const added = nextEvent(ns.events, (e) => e.kind === 'rule' && e.action === 'new' && e.rule.family === 6);
    await ns.rule.add({ priority: 100, from: '192.0.2.0/24', table: 100 });
    await ns.rule.add({ priority: 101, to: '2001:db8::/32', action: 'prohibit' });
    const v6 = await added;
    expect(v6.kind === 'rule' && v6.rule).toMatchObject({
      family: 6,
      priority: 101,
      to: { address: '2001:db8::', prefixLength: 32 },
      action: C.FR_ACT_PROHIBIT,
    });
    const deleted = nextEvent(ns.events, (e) => e.kind === 'rule' && e.action === 'del');
    await ns.rule.del({ priority: 100, family: 4 });
    await deleted;
    unsubscribe();
    expect(seen.flatMap((e) => (e.kind === 'rule' ? [`${e.action} ${e.rule.family} ${e.rule.priority}`] : []))).toEqual(
      ['new 4 100', 'new 6 101', 'del 4 100'],
    );
    expect(seen.find((e) => e.kind === 'rule')).toMatchObject({
      rule: { from: { address: '192.0.2.0', prefixLength: 24 }, table: 100, action: C.FR_ACT_TO_TBL },
    });
  });

  test('history keeps the latest 256 events, oldest first', async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    void ns.events;
    burst(ns, br.index, 200);
    // A final, distinguishable change: once it is seen, the whole burst has been read.
    const marker = nextEvent(ns.events, (e) => e.kind === 'link' && e.link.mac === '52:54:00:00:00:77');
    await br.setMac('52:54:00:00:00:77');
    const markerEvent = await marker;
    const h = ns.events.history;
    expect(h.length).toBe(256);
    expect(h).toContain(markerEvent);
    expect(h.some((e) => e.kind === 'overflow')).toBe(false);
  });

  test('unsubscribe stops delivery', async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    let calls = 0;
    const unsubscribe = ns.events.subscribe(() => calls++);
    const up = nextEvent(ns.events, linkEvent('br0', 'new'));
    await br.up();
    await up;
    const before = calls;
    unsubscribe();
    const down = nextEvent(
      ns.events,
      linkEvent('br0', 'new', (f) => (f & C.IFF_UP) === 0),
    );
    await br.down();
    await down;
    expect(calls).toBe(before);
  });
});

/** Collects the warnings nslab emits (process.emitWarning) until the returned stop() is called. */
function collectWarnings(): { warnings: Error[]; stop: () => void } {
  const warnings: Error[] = [];
  const on = (w: Error): void => void (w.name === 'NslabWarning' && warnings.push(w));
  process.on('warning', on);
  return { warnings, stop: () => process.off('warning', on) };
}

/** A namespace with br0, and a stream of its own (labelled label) on a socket the test controls; the test closes it. */
async function ownStream(label: string): Promise<{ ns: Netns; br: Bridge; sock: NetlinkSocket; stream: EventStream }> {
  const ns = await createNetns();
  const br = await ns.addBridge('br0');
  const sock = ns.run(() => new NetlinkSocket({ groups: EVENT_GROUPS }));
  return { ns, br, sock, stream: new EventStream(sock, label) };
}

describe('a failing listener or receive', () => {
  test('a listener that throws on namespace A: the others on A and a stream on B keep getting events, and the error is a warning', async () => {
    await using a = await createNetns({ label: 'throws' });
    await using b = await createNetns({ label: 'bystander' });
    const brA = await a.addBridge('br-a');
    const brB = await b.addBridge('br-b');
    const { warnings, stop } = collectWarnings();
    try {
      const unsubscribe = a.events.subscribe(() => {
        throw new Error('listener bug');
      });
      const seenOnA = nextEvent(
        a.events,
        linkEvent('br-a', 'new', (f) => (f & C.IFF_UP) !== 0),
      );
      await brA.up();
      await seenOnA;
      const seenOnB = nextEvent(
        b.events,
        linkEvent('br-b', 'new', (f) => (f & C.IFF_UP) !== 0),
      );
      await brB.up();
      await seenOnB;
      // Later events on A still reach the listeners that did not throw.
      const laterOnA = nextEvent(
        a.events,
        linkEvent('br-a', 'new', (f) => (f & C.IFF_UP) === 0),
      );
      await brA.down();
      await laterOnA;
      unsubscribe();
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      expect(warnings[0]!.message).toMatch(/listener of the "throws" namespace's notifications threw: listener bug/);
      expect((warnings[0] as Error & { detail?: string }).detail).toMatch(/Error: listener bug/);
    } finally {
      stop();
    }
  });

  test('a receive that fails with an unexpected error: listeners get "overflow" (re-read), a warning says why, and delivery goes on', async () => {
    const own = await ownStream('failing');
    await using ns = own.ns;
    const { br, sock, stream } = own;
    const { warnings, stop } = collectWarnings();
    try {
      vi.spyOn(sock, 'receiveNow').mockImplementationOnce(() => {
        throw new SysError('recv', constants.errno.EIO, 'netlink');
      });
      const overflow = nextEvent(stream, (e) => e.kind === 'overflow');
      await br.up();
      await overflow;
      expect(warnings.map((w) => w.message)).toEqual([
        expect.stringMatching(/"failing" namespace.*recv \(netlink\) failed: EIO/),
      ]);
      const after = nextEvent(
        stream,
        linkEvent('br0', 'new', (f) => (f & C.IFF_UP) === 0),
      );
      await br.down();
      await after;
    } finally {
      stop();
      stream.close();
    }
  });

  test('a socket closed while still watched: one warning, it is dropped from the reactor (no spinning), and other streams deliver', async () => {
    const own = await ownStream('closed-early');
    await using ns = own.ns;
    const { br, sock, stream } = own;
    // Started before the close, so its socket cannot take the closed descriptor's number.
    void ns.events;
    const { warnings, stop } = collectWarnings();
    try {
      // The misuse: closing without unwatch(). The reactor's next poll sees POLLNVAL for it.
      sock.close();
      for (const up of [true, false]) {
        const seen = nextEvent(
          ns.events,
          linkEvent('br0', 'new', (f) => ((f & C.IFF_UP) !== 0) === up),
        );
        linkSet(ns.rtnl, br.index, { up });
        await seen;
      }
      expect(warnings.map((w) => w.message)).toEqual([
        expect.stringMatching(/descriptor \d+ was closed while still watched/),
      ]);
    } finally {
      stop();
      stream.close();
    }
  });

  test('a notification larger than the receive buffer (a link with ~490 alternative names) is an "overflow", and reads of that link work', async () => {
    await using ns = await createNetns();
    const big = await ns.addBridge('br-big');
    const small = await ns.addBridge('br-small');
    const overflow = nextEvent(ns.events, (e) => e.kind === 'overflow');
    expect(await addManyAltnames(ns, big.index)).toBe(490);
    // A device that is down gets no notification for new names; bringing it up sends one.
    await big.up();
    await overflow;
    // The stream goes on, and the link whose message is that large can be read.
    const after = nextEvent(
      ns.events,
      linkEvent('br-small', 'new', (f) => (f & C.IFF_UP) !== 0),
    );
    await small.up();
    await after;
    expect((await ns.link('br-big')).index).toBe(big.index);
    expect((await big.state()).name).toBe('br-big');
  });
});

describe('overflow', () => {
  /** A notification socket in ns with the smallest receive buffer the kernel allows. */
  const tinySocket = (ns: Netns): NetlinkSocket =>
    ns.run(() => new NetlinkSocket({ groups: EVENT_GROUPS, receiveBuffer: 4096 }));

  test('a socket whose buffer overflows: recv reports ENOBUFS once, then delivers what it kept', async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    const sock = tinySocket(ns);
    try {
      burst(ns, br.index, 200);
      let received = 0;
      let overflow: SysError | undefined;
      // Bounded: the buffer holds a few messages, and one ENOBUFS is reported per overflow.
      for (let i = 0; i < 10_000 && !overflow; i++) {
        try {
          const msgs = sock.receiveNow();
          if (msgs === null) break;
          received += msgs.length;
        } catch (error) {
          if (!(error instanceof SysError)) throw error;
          overflow = error;
        }
      }
      expect(overflow).toBeInstanceOf(SysError);
      expect(overflow!.code).toBe('ENOBUFS');
      expect(overflow!.message).toMatch(/netlink overflow/);
      // 400 changes were made; far fewer fit in 4 KiB (the kernel doubles it to 8 KiB).
      expect(received).toBeLessThan(400);
      // The error is reported once: the socket goes on working.
      let after = 0;
      for (let i = 0; i < 10_000; i++) {
        const msgs = sock.receiveNow();
        if (msgs === null) break;
        after += msgs.length;
      }
      linkSet(ns.rtnl, br.index, { up: true });
      const fresh = sock.receiveNow();
      expect(fresh?.some((m) => m.type === C.RTM_NEWLINK)).toBe(true);
      expect(received + after).toBeLessThan(400);
    } finally {
      sock.close();
    }
  });

  test('a burst of route changes overflows the same way: "overflow", then route events again', async () => {
    await using ns = await createNetns();
    const [v0] = await ns.addVeth('v0', { peerName: 'v1' });
    await v0!.up();
    await v0!.addAddress('192.0.2.1/24');
    const stream = new EventStream(tinySocket(ns));
    try {
      const overflow = nextEvent(stream, (e) => e.kind === 'overflow');
      for (let i = 0; i < 200; i++) await ns.route.add({ dst: `198.51.100.${i}/32`, dev: v0! });
      await overflow;
      expect(stream.history.filter((e) => e.kind === 'route').length).toBeLessThan(200);
      const after = nextEvent(stream, (e) => e.kind === 'route' && e.route.dst === '203.0.113.0');
      await ns.route.add({ dst: '203.0.113.0/24', dev: v0! });
      await after;
    } finally {
      stream.close();
    }
  });

  test('neighbour notifications overflow the same way: "overflow", then neighbour events again', async () => {
    await using ns = await createNetns();
    const [v0] = await ns.addVeth('v0', { peerName: 'v1' });
    const stream = new EventStream(tinySocket(ns));
    try {
      const overflow = nextEvent(stream, (e) => e.kind === 'overflow');
      neighBurst(ns, v0!.index, 400);
      await overflow;
      expect(stream.history.filter((e) => e.kind === 'neigh').length).toBeLessThan(400);
      const after = nextEvent(stream, (e) => e.kind === 'neigh' && e.neigh.address === '2001:db8::7');
      await ns.neigh.add({ dev: v0!, to: '2001:db8::7', lladdr: '52:54:00:00:00:07' });
      await after;
    } finally {
      stream.close();
    }
  });

  test('an EventStream on such a socket emits "overflow", then keeps delivering', async () => {
    await using ns = await createNetns();
    const br = await ns.addBridge('br0');
    const stream = new EventStream(tinySocket(ns));
    try {
      const overflow = nextEvent(stream, (e) => e.kind === 'overflow');
      burst(ns, br.index, 200);
      await overflow;
      expect(stream.history.filter((e) => e.kind === 'overflow').length).toBeGreaterThanOrEqual(1);
      const linkEvents = stream.history.filter((e) => e.kind === 'link').length;
      expect(linkEvents).toBeLessThan(400);
      // After an overflow, later notifications still arrive.
      const after = nextEvent(stream, (e) => e.kind === 'link' && e.link.mac === '52:54:00:00:00:78');
      await br.setMac('52:54:00:00:00:78');
      await after;
    } finally {
      stream.close();
    }
  });
});
