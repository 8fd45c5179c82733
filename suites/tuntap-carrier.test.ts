// tun/tap carrier: a tap has carrier exactly while a descriptor is attached to it (C8, C9, C11),
// a bridge whose ports are such taps follows them (C10, C13), and the bridge's operstate can
// trail the tap's carrier loss (X2).
import { readFileSync } from 'node:fs';
import { test, expect, until } from '../src/vitest.ts';
import type { Netns, TapHolder } from '../src/index.ts';
import { claim } from '../src/report/claim.ts';
import { ipLinkOf, ipLinks, sysfs } from '../test/helpers/oracle.ts';
import { recordLinks, settledState } from './helpers.ts';

/**
 * Which tun device a process's descriptor is attached to, from the kernel's fdinfo for it
 * (tun_chr_show_fdinfo prints "iff:\tNAME"): the name, "" when open but attached to nothing,
 * undefined when the process has no such descriptor (closed, or the process is gone).
 * nslab's IFLA_TUN_NUM_QUEUES is no help here: the kernel sends it only for multi-queue taps.
 */
function tunAttachment(pid: number | 'self', fd: number): string | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
  } catch {
    return undefined;
  }
  return /^iff:\t?(.*)$/m.exec(text)?.[1] ?? '';
}

// The holder process keeps the tap's descriptor on its fd 3 (src/devices/holder.ts).
const HOLDER_FD = 3;

test('C8: a persistent tap nobody holds open has no carrier, even admin up', async ({ netns, task }) => {
  const c = claim(task);
  const tap = await netns.addTap('tap0', { owner: 'none' });
  await tap.up();
  await expect(tap).toBeAdminUp();
  await expect(tap).not.toHaveCarrier();
  // Settled, so that the oracles read later see the same operstate.
  const s = await settledState(tap);
  expect(s.tun?.persist).toBe(true);
  expect(s.operstate).not.toBe('up');
  const sys = await sysfs(netns, 'tap0', ['carrier', 'operstate']);
  expect(sys.carrier).toBe('0');
  expect(sys.operstate).toBe(s.operstate);
  const ip = await ipLinkOf(netns, 'tap0');
  expect(ip.flags).toContain('NO-CARRIER');
  c.observe('tap0', {
    adminUp: s.adminUp,
    carrier: s.carrier,
    operstate: s.operstate,
    persist: s.tun?.persist,
    sysfsCarrier: sys.carrier,
    ipFlags: ip.flags,
  });
});

const endings: ReadonlyArray<{ how: string; key: string; end: (h: TapHolder) => Promise<unknown> }> = [
  { how: 'closes its descriptor', key: 'closeFd', end: (h) => h.closeFd() },
  { how: 'exits', key: 'exit', end: (h) => h.exit() },
  { how: 'is killed with SIGKILL', key: 'sigkill', end: (h) => h.kill('SIGKILL') },
];

test.for(endings)(
  'C9: a tap has carrier while its holder lives and loses it when the holder $how',
  async ({ how, key, end }, { netns, task }) => {
    const c = claim(task);
    const tap = await netns.addTap('tap0', { owner: 'holder' });
    const holder = tap.holder!;
    await tap.up();
    await expect(tap).toHaveCarrier();
    const held = await settledState(tap);
    expect(holder.alive).toBe(true);
    // Only the holder has the device open now (this process closed its copy).
    expect(tunAttachment(holder.pid, HOLDER_FD)).toBe('tap0');

    const outcome = await end(holder);
    await expect(tap).not.toHaveCarrier();
    const gone = await settledState(tap);
    expect(tunAttachment(holder.pid, HOLDER_FD)).toBeUndefined();
    if (how === 'closes its descriptor') {
      // Only the descriptor went: the process itself is still there.
      expect(holder.alive).toBe(true);
    } else {
      const exit = await holder.exited;
      expect(holder.alive).toBe(false);
      if (how === 'exits') expect(exit.code).toBe(0);
      else expect(exit.signal).toBe('SIGKILL');
      c.observe(`${key}.exit`, outcome);
    }
    c.observe(`${key}.held`, { carrier: held.carrier, operstate: held.operstate });
    c.observe(`${key}.after`, {
      carrier: gone.carrier,
      operstate: gone.operstate,
      carrierDownCount: gone.carrierDownCount,
      holderAlive: holder.alive,
    });
  },
);

test('C10: a bridge whose only port is that tap loses carrier when the holder goes', async ({ netns, task }) => {
  const c = claim(task);
  const br = await netns.addBridge('br0');
  const tap = await netns.addTap('tap0', { owner: 'holder' });
  await tap.attachTo(br);
  await tap.up();
  await br.up();
  await expect(br).toHaveCarrier();
  await expect(br).toHaveOperstate('up');
  const before = await br.state();

  await tap.holder!.kill();
  await expect(tap).not.toHaveCarrier();
  await expect(br).not.toHaveCarrier();
  // The bridge's operstate follows when linkwatch gets to it, after the tap: up to two runs.
  await expect(br).not.toBeRunning();
  const after = await br.state();
  expect(after.ports).toEqual(['tap0']);
  expect(after.operstate).not.toBe('up');
  const ip = await ipLinkOf(netns, 'br0');
  expect(ip.flags).toContain('NO-CARRIER');
  c.observe('bridgeWhileHeld', { carrier: before.carrier, operstate: before.operstate });
  c.observe('bridgeAfterHolderKilled', { carrier: after.carrier, operstate: after.operstate, ipFlags: ip.flags });
});

test('C11: opening /dev/net/tun gives no carrier, TUNSETIFF does, the last close takes it away', async ({
  netns,
  task,
}) => {
  const c = claim(task);
  const tap = await netns.addTap('tap0', { owner: 'none' });
  await tap.up();
  await expect(tap).not.toHaveCarrier();

  const file = netns.openTun();
  const fd = file.fd;
  // Open, and attached to nothing yet.
  expect(tunAttachment('self', fd)).toBe('');
  const opened = await settledState(tap);
  expect(opened.carrier).toBe(false);
  c.observe('openOnly', { carrier: opened.carrier, operstate: opened.operstate, fdinfoIff: '' });

  file.attach('tap0');
  await expect(tap).toHaveCarrier();
  expect(tunAttachment('self', fd)).toBe('tap0');
  const attached = await settledState(tap);
  c.observe('attached', { carrier: attached.carrier, operstate: attached.operstate, fdinfoIff: 'tap0' });

  file.close();
  await expect(tap).not.toHaveCarrier();
  const closed = await settledState(tap);
  // Persistent: the device outlives the descriptor, without carrier.
  expect(closed.tun?.persist).toBe(true);
  c.observe('closed', { carrier: closed.carrier, operstate: closed.operstate, persist: closed.tun?.persist });
});

test('C13: a bridge keeps carrier while any of its VM holders lives and loses it with the last', async ({
  netns,
  task,
}) => {
  const c = claim(task);
  const br = await netns.addBridge('br0');
  await br.up();
  const vms = [];
  for (const name of ['vnet0', 'vnet1', 'vnet2']) {
    const tap = await netns.addTap(name, { owner: 'holder' });
    await tap.attachTo(br);
    await tap.up();
    vms.push(tap);
  }
  expect(new Set(vms.map((t) => t.holder!.pid)).size).toBe(3);
  await expect(br).toHaveCarrier();
  await expect(br).toHavePorts(vms);
  // Every port forwards to begin with, so that each "disabled" below is a change.
  const ports = (await ipLinks(netns)).filter((l) => l.master === 'br0');
  expect(ports.map((p) => [p.ifname, p.linkinfo?.info_slave_data?.state])).toEqual(
    vms.map((t) => [t.name, 'forwarding']),
  );

  const steps: Array<Record<string, unknown>> = [];
  for (const [i, tap] of vms.entries()) {
    await tap.holder!.kill();
    await expect(tap).not.toHaveCarrier();
    // The bridge hears of a port's carrier loss in the linkwatch run that takes the port out of
    // RUNNING (some kernels run it on a targeted read, others up to a second later). Only then
    // does the bridge's carrier say anything; its port state (iproute2's oracle) confirms it.
    await expect(tap).not.toBeRunning();
    const port = await ipLinkOf(netns, tap.name);
    expect(port.linkinfo?.info_slave_data?.state).toBe('disabled');
    const left = vms.length - i - 1;
    if (left > 0) await expect(br).toHaveCarrier();
    else await expect(br).not.toHaveCarrier();
    const s = await settledState(br);
    expect(s.running).toBe(left > 0);
    steps.push({
      killed: tap.name,
      holdersLeft: left,
      bridgeCarrier: s.carrier,
      bridgeOperstate: s.operstate,
      killedPortState: port.linkinfo?.info_slave_data?.state,
    });
  }
  c.observe('steps', steps);
});

/**
 * Below this, a delay between two notifications is their own delivery noise rather than a lag:
 * linkwatch defers its runs by up to a second.
 */
const LAG_MS = 100;

/**
 * Closes the descriptor of a tap that is the only port of an up bridge, and times the link
 * notifications: the first one showing the tap without carrier, the first one showing the
 * bridge out of operstate "up". With flush, a targeted read of the bridge follows the close.
 */
async function carrierLossToOperstate(ns: Netns, flush: boolean): Promise<Record<string, unknown>> {
  const br = await ns.addBridge('br0');
  const tap = await ns.addTap('tap0', { owner: 'holder' });
  await tap.attachTo(br);
  await tap.up();
  await br.up();
  await expect(br).toHaveCarrier();
  await expect(br).toHaveOperstate('up');

  const rec = recordLinks(ns, ['br0', 'tap0']);
  const closing = performance.now();
  await tap.holder!.closeFd();
  const closed = performance.now();
  const readRightAfter = flush ? await br.state() : undefined;
  const bridgeChanged = (n: { name: string; operstate: string }): boolean => n.name === 'br0' && n.operstate !== 'up';
  // The read function only looks at what has arrived: it never asks the kernel. Two linkwatch
  // runs (~1 s apart) come before the bridge's notification; the deadline leaves room for a
  // loaded machine, and costs nothing when the notification comes.
  const waited = await until(
    ns,
    () => rec.notes,
    (notes) => notes.some(bridgeChanged),
    15_000,
  );
  rec.stop();
  expect(rec.overflowed).toBe(false);
  expect(waited.met).toBe(true);
  const tapLost = rec.notes.find((n) => n.name === 'tap0' && n.carrier === false);
  const brChanged = rec.notes.find(bridgeChanged)!;
  expect(tapLost).toBeDefined();
  // Only now is the bridge asked directly, to confirm the notifications told the truth.
  await expect(br).not.toHaveCarrier();
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  const sinceClose = (n: { at: number } | undefined): number | null => (n ? round(n.at - closing) : null);
  return {
    delayMs: round(brChanged.at - tapLost!.at),
    closeToTapNotificationMs: round(tapLost!.at - closing),
    closeReplyMs: round(closed - closing),
    // When linkwatch got to each device: the tap's own operstate, then the bridge's carrier.
    closeToTapOperstateDownMs: sinceClose(rec.notes.find((n) => n.name === 'tap0' && n.operstate === 'down')),
    closeToBridgeCarrierLossMs: sinceClose(rec.notes.find((n) => n.name === 'br0' && n.carrier === false)),
    closeToBridgeOperstateMs: sinceClose(brChanged),
    tapNotification: { operstate: tapLost!.operstate, carrier: tapLost!.carrier, flags: tapLost!.flags },
    bridgeNotification: { operstate: brChanged.operstate, carrier: brChanged.carrier, flags: brChanged.flags },
    ...(readRightAfter
      ? { targetedReadRightAfterClose: { operstate: readRightAfter.operstate, carrier: readRightAfter.carrier } }
      : {}),
  };
}

test('X2: delay from a tap losing carrier to its bridge leaving operstate up, from notifications', async ({
  netns,
  makeNetns,
  task,
}) => {
  const c = claim(task);
  const quiet = await carrierLossToOperstate(netns, false);
  c.observe('notificationsOnly', quiet);
  // The comparison: the same sequence in a namespace of its own, with a read of the bridge right after the close.
  const flushed = await carrierLossToOperstate(await makeNetns(), true);
  c.observe('withTargetedReadAfterClose', flushed);
  const lag = quiet.delayMs as number;
  const lagFlushed = flushed.delayMs as number;
  const ms = (v: unknown): string => (typeof v === 'number' ? `${Math.round(v)} ms` : 'never');
  const timeline =
    `after the close: tap carrier ${ms(quiet.closeToTapNotificationMs)}, tap operstate ${ms(quiet.closeToTapOperstateDownMs)}, ` +
    `bridge carrier ${ms(quiet.closeToBridgeCarrierLossMs)}, bridge operstate ${ms(quiet.closeToBridgeOperstateMs)}`;
  if (lag < LAG_MS) {
    c.doesNotHold(
      `no lag to speak of: the bridge's operstate change was announced ${ms(lag)} after the tap's carrier loss (${timeline}), ${ms(lagFlushed)} with a targeted read`,
    );
    return;
  }
  const readAfterClose = flushed.targetedReadRightAfterClose as { operstate: string; carrier: boolean | undefined };
  const readSaw = `the read itself returned carrier ${readAfterClose.carrier ? 'on' : 'off'}, operstate "${readAfterClose.operstate}"`;
  c.nuance(
    `left alone, the bridge's operstate change was announced ${ms(lag)} after the tap's carrier loss (${timeline}); ` +
      (lagFlushed < lag - LAG_MS
        ? `with a targeted read right after the close, ${ms(lagFlushed)} (${readSaw}): linkwatch handles the tap and then the bridge in separate delayed runs unless a read makes it run at once`
        : `a targeted read right after the close did not shorten it (${ms(lagFlushed)}; ${readSaw}): on this kernel a request does not make linkwatch run the pending work early`),
  );
});
