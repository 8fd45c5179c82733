// Administrative versus operational state (C6, C7) and what a bridge reports when it has no
// ports at all (X4). The device without carrier is a persistent tap that no process holds.
import { test, expect, until } from '../src/vitest.ts';
import { claim } from '../src/report/claim.ts';
import { linkGet } from '../src/rtnl/link.ts';
import { decodeFlags } from '../src/values/flags.ts';
import { linkStatus } from '../src/devices/state.ts';
import { IFF_LOWER_UP, IFF_RUNNING, IFF_UP } from '../src/sys/constants.ts';
import { ipLinkOf, sysfs } from '../test/helpers/oracle.ts';
import { recordLinks, settledState, type LinkNote } from './helpers.ts';

const hex = (flags: number): string => `0x${flags.toString(16)}`;

test('C6: a bridge and its tap can be admin up with no carrier and not operationally up', async ({ netns, task }) => {
  const c = claim(task);
  const br = await netns.addBridge('br0');
  const tap = await netns.addTap('tap0', { owner: 'none' });
  await tap.attachTo(br);
  await tap.up();
  await br.up();

  for (const dev of [tap, br]) {
    await expect(dev).toBeAdminUp();
    await expect(dev).not.toHaveCarrier();
    // The operstate follows the carrier when linkwatch runs (for the bridge: after its port's
    // run), which a read does not hasten on every kernel: wait for it rather than catch it early.
    await expect(dev).not.toBeRunning();
    const s = await dev.state();
    expect(s.adminUp).toBe(true);
    expect(s.running).toBe(false);
    expect(s.operstate).not.toBe('up');
    // iproute2 derives its own view from the same message: UP together with NO-CARRIER.
    const ip = await ipLinkOf(netns, dev.name);
    expect(ip.flags).toContain('UP');
    expect(ip.flags).toContain('NO-CARRIER');
    expect(ip.operstate).not.toBe('UP');
    c.observe(dev.name, {
      adminUp: s.adminUp,
      carrier: s.carrier,
      running: s.running,
      operstate: s.operstate,
      ipFlags: ip.flags,
    });
  }
});

test('C7: an RTM_GETLINK reply carries IFF_UP alone, then IFF_UP with IFF_RUNNING once carrier comes', async ({
  netns,
  task,
}) => {
  const c = claim(task);
  const tap = await netns.addTap('tap0', { owner: 'none' });
  await tap.up();

  // The raw ifi_flags of a request's reply, before nslab interprets anything. Asked at once,
  // the reply may predate linkwatch's operstate update (kernels where a request does not run
  // it first); the claim is about the state once it has run.
  const early = linkGet(netns.rtnl, tap.index);
  const earlyOperstate = linkStatus(early).operstate;
  c.observe(
    'ifiFlagsRightAfterUp',
    `${hex(early.flags)} ${decodeFlags(early.flags).join(',')} operstate=${earlyOperstate} carrier=${early.carrier}`,
  );
  await expect(tap).not.toBeRunning();
  const dead = linkGet(netns.rtnl, tap.index);
  c.observe('ifiFlagsAdminUpNoCarrier', `${hex(dead.flags)} ${decodeFlags(dead.flags).join(',')}`);
  expect(dead.flags & IFF_UP).not.toBe(0);
  expect(dead.flags & IFF_RUNNING).toBe(0);
  expect(dead.carrier).toBe(false);

  // Attaching a descriptor brings the carrier (C11); the operational bit must follow.
  const file = netns.openTun();
  file.attach('tap0');
  await expect(tap).toBeRunning();
  const live = linkGet(netns.rtnl, tap.index);
  c.observe('ifiFlagsWithCarrier', `${hex(live.flags)} ${decodeFlags(live.flags).join(',')}`);
  expect(live.flags & IFF_UP).not.toBe(0);
  expect(live.flags & IFF_RUNNING).not.toBe(0);
  const s = await tap.state();
  expect([s.adminUp, s.running]).toEqual([true, true]);

  // Set down with its descriptor still attached: what ifi_flags says then.
  await tap.down();
  const down = linkGet(netns.rtnl, tap.index);
  c.observe('ifiFlagsAdminDownWithDescriptor', `${hex(down.flags)} ${decodeFlags(down.flags).join(',')}`);
  c.observe('carrierAttributeAdminDown', down.carrier);
  expect(down.flags & IFF_UP).toBe(0);
  if ((down.flags & (IFF_RUNNING | IFF_LOWER_UP)) === 0 && down.carrier === true) {
    c.nuance(
      'IFF_RUNNING is only reported while IFF_UP is set: an admin-down tap whose descriptor is open still has IFLA_CARRIER 1 but no IFF_RUNNING (nor IFF_LOWER_UP)',
    );
  }
  if ((early.flags & IFF_RUNNING) !== 0 && early.carrier === false) {
    c.nuance(
      `a request sent right after "up" got IFF_UP with IFF_RUNNING for the carrierless tap (operstate "${earlyOperstate}", IFLA_CARRIER 0): ` +
        'on this kernel a request does not wait for the pending operstate update; IFF_UP alone came once linkwatch had run',
    );
  }
});

test('C7: link notifications deliver IFF_UP without IFF_RUNNING, later both', async ({ netns, task }) => {
  const c = claim(task);
  const tap = await netns.addTap('tap0', { owner: 'none' });
  // Only notifications from here on; no request touches the tap until both have arrived.
  const rec = recordLinks(netns, ['tap0']);
  const start = performance.now();
  await tap.up();
  const upOnly = (n: LinkNote): boolean => n.adminUp && !n.running;
  const first = await until(
    netns,
    () => rec.notes,
    (notes) => notes.some(upOnly),
  );
  expect(first.met).toBe(true);
  const iUp = rec.notes.findIndex(upOnly);

  const file = netns.openTun();
  file.attach('tap0');
  const upAndRunningLater = (n: LinkNote, i: number): boolean => i > iUp && n.adminUp && n.running;
  // Only linkwatch sends this one (nothing here asks the kernel, which would run it sooner):
  // room for a loaded machine, at no cost when it comes.
  const second = await until(
    netns,
    () => rec.notes,
    (notes) => notes.some(upAndRunningLater),
    15_000,
  );
  rec.stop();
  expect(second.met).toBe(true);
  expect(rec.overflowed).toBe(false);
  const both = rec.notes.find(upAndRunningLater)!;
  expect(both.ifiFlags & IFF_UP).not.toBe(0);
  expect(both.ifiFlags & IFF_RUNNING).not.toBe(0);
  expect(both.carrier).toBe(true);
  c.observe(
    'notifications',
    rec.notes.map(
      (n) =>
        `+${Math.round(n.at - start)}ms ${hex(n.ifiFlags)} ${n.flags.join(',')} operstate=${n.operstate} carrier=${n.carrier}`,
    ),
  );

  // IFF_RUNNING is derived from the operstate, which linkwatch updates after the fact.
  const early = rec.notes.slice(0, iUp).find((n) => n.adminUp && n.running && n.carrier === false);
  if (early) {
    const settled = rec.notes[iUp]!;
    c.nuance(
      `IFF_RUNNING follows the operstate, not the carrier: right after "up" a notification announced the carrierless tap as UP,RUNNING (operstate "${early.operstate}", IFLA_CARRIER 0); ` +
        `the UP-without-RUNNING notification (operstate "${settled.operstate}") came ${Math.round(settled.at - early.at)} ms later, when linkwatch ran`,
    );
  }
});

test('X4: an admin-up bridge that never had a port', async ({ netns, task }) => {
  const c = claim(task);
  const br = await netns.addBridge('br0');
  await br.up();
  await expect(br).toBeAdminUp();
  await expect(br).toHavePorts([]);
  const s = await settledState(br);
  const ip = await ipLinkOf(netns, 'br0');
  const sys = await sysfs(netns, 'br0', ['carrier', 'operstate']);
  c.observe('carrier', s.carrier);
  c.observe('operstate', s.operstate);
  c.observe('flags', s.flags);
  expect(sys.carrier).toBe(s.carrier ? '1' : '0');
  expect(sys.operstate).toBe(s.operstate);
  expect(ip.operstate).toBe(s.operstate.toUpperCase());
  expect(ip.flags.includes('NO-CARRIER')).toBe(s.carrier === false);

  if (s.carrier) {
    c.nuance(
      `with no ports at all the bridge reports carrier and operstate "${s.operstate}"${s.running ? ' with IFF_RUNNING set' : ''}: an empty bridge counts as operational, unlike one whose ports all lack carrier`,
    );
  } else {
    c.nuance(`with no ports at all the bridge has no carrier (operstate "${s.operstate}")`);
  }
});

test('X4: an admin-up bridge whose ports have all left', async ({ netns, task }) => {
  const c = claim(task);
  const br = await netns.addBridge('br0');
  await br.up();
  const fresh = await settledState(br);
  // A port with carrier (held by this process) comes and goes.
  const tap = await netns.addTap('tap0', { owner: 'self' });
  await tap.up();
  await tap.attachTo(br);
  await expect(br).toHaveCarrier();
  await tap.detach();
  await expect(br).toHavePorts([]);
  // The bridge's carrier goes with its last port at once; its operstate when linkwatch runs.
  const s = await settledState(br);
  const ip = await ipLinkOf(netns, 'br0');
  expect(ip.operstate).toBe(s.operstate.toUpperCase());
  c.observe('afterPortsLeft', { carrier: s.carrier, operstate: s.operstate, flags: s.flags });
  c.observe('neverHadPorts', { carrier: fresh.carrier, operstate: fresh.operstate });
  if (s.carrier !== fresh.carrier || s.operstate !== fresh.operstate) {
    c.nuance(
      `a portless bridge's state depends on its history: never had a port -> carrier ${fresh.carrier ? 'on' : 'off'}, operstate "${fresh.operstate}"; ports all gone -> carrier ${s.carrier ? 'on' : 'off'}, operstate "${s.operstate}"`,
    );
  }
});
