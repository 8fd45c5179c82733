// Loopback and dummy devices: the devices that are "up" with no process behind them (C14-C16).
import { test, expect } from '../src/vitest.ts';
import { ModuleLoadError, UnsupportedKindError, type Link, type Netns } from '../src/index.ts';
import { claim } from '../src/report/claim.ts';
import { ipLinkOf, ipLinks } from '../test/helpers/oracle.ts';
import { settledState } from './helpers.ts';

test('C14: a new namespace holds exactly one device, its loopback, and it starts admin down', async ({
  netns,
  makeNetns,
  task,
}) => {
  const c = claim(task);
  const links = await netns.links();
  expect(links).toHaveLength(1);
  const lo = links[0]!;
  expect(lo).toMatchObject({ name: 'lo', kind: 'loopback', adminUp: false });
  expect(lo.flags).toContain('LOOPBACK');
  expect(lo.flags).not.toContain('UP');
  const ip = await ipLinks(netns);
  expect(ip.map((l) => l.ifname)).toEqual(['lo']);
  expect(ip[0]!.flags).not.toContain('UP');
  c.observe(
    'devices',
    links.map((l) => `${l.index}: ${l.name} (${l.kind}) ${l.flags.join(',')} operstate ${l.operstate}`),
  );

  // The kernel has no way to add another loopback: it is not a link kind rtnetlink can create.
  const second = await netns.exec('ip', ['link', 'add', 'lo2', 'type', 'loopback'], { reject: false });
  expect(second.exitCode).not.toBe(0);
  expect((await netns.links()).filter((l) => l.kind === 'loopback')).toHaveLength(1);
  c.observe('addingASecondLoopback', String(second.stderr).trim());

  // One per namespace: bringing this one up leaves another namespace's loopback down.
  const other = await makeNetns();
  await (await netns.loopback()).up();
  await expect(await netns.loopback()).toBeAdminUp();
  await expect(await other.loopback()).not.toBeAdminUp();
  const otherLinks = await other.links();
  expect(otherLinks.map((l) => l.kind)).toEqual(['loopback']);
  c.observe('otherNamespaceLoopbackAdminUp', otherLinks[0]!.adminUp);
});

/** A dummy device, or the test is skipped on kernels that cannot make one. */
async function dummyOrSkip(ns: Netns, skip: (note: string) => never): Promise<Link> {
  try {
    return await ns.addDummy('dummy0');
  } catch (error) {
    if (error instanceof UnsupportedKindError) skip(`kernel lacks dummy devices (${error.kernelOption})`);
    // A root without the kernel's module tree (a container) cannot load dummy with numdummies=0.
    if (error instanceof ModuleLoadError)
      skip(`dummy's module is not loaded and cannot be loaded safely from here: run ${error.command} on the host`);
    throw error;
  }
}

test('C15: an up dummy is operationally up with no process, and keeps a bridge it is the only port of in carrier', async ({
  netns,
  task,
  skip,
}) => {
  const c = claim(task);
  const dummy = await dummyOrSkip(netns, skip);
  await dummy.up();
  await expect(dummy).toBeAdminUp();
  await expect(dummy).toHaveCarrier();
  // IFF_RUNNING is the kernel's own "operationally up" (operstate up or unknown).
  await expect(dummy).toBeRunning();
  const s = await dummy.state();
  const ip = await ipLinkOf(netns, 'dummy0');
  expect(ip.flags).toContain('LOWER_UP');
  expect(ip.operstate).toBe(s.operstate.toUpperCase());
  c.observe('dummyOperstate', s.operstate);
  c.observe('dummyFlags', s.flags);
  if (s.operstate !== 'up') {
    c.nuance(
      `the dummy's operstate reads "${s.operstate}", not "up": it is operationally up in the sense of IFF_RUNNING and carrier, but its driver never reports an operational state`,
    );
  }

  const br = await netns.addBridge('br0');
  await dummy.attachTo(br);
  await br.up();
  await expect(br).toHaveCarrier();
  await expect(br).toBeRunning();
  const port = await ipLinkOf(netns, 'dummy0');
  expect(port.linkinfo?.info_slave_data?.state).toBe('forwarding');
  const b = await settledState(br);
  c.observe('bridge', { carrier: b.carrier, operstate: b.operstate, portState: port.linkinfo?.info_slave_data?.state });
});

test('C16: setting the dummy admin down takes the carrier from it and from its bridge', async ({
  netns,
  task,
  skip,
}) => {
  const c = claim(task);
  const dummy = await dummyOrSkip(netns, skip);
  const br = await netns.addBridge('br0');
  await dummy.attachTo(br);
  await dummy.up();
  await br.up();
  await expect(dummy).toHaveCarrier();
  await expect(br).toHaveCarrier();

  await dummy.down();
  await expect(dummy).not.toBeAdminUp();
  // What "carrier" means for a device that is down: the kernel drops IFF_LOWER_UP and the operstate.
  await expect(dummy).not.toHaveFlags(['LOWER_UP']);
  await expect(dummy).toHaveOperstate('down');
  await expect(br).not.toHaveCarrier();
  const d = await dummy.state();
  // The bridge's carrier went at once; its operstate follows when linkwatch gets to it.
  const b = await settledState(br);
  const port = await ipLinkOf(netns, 'dummy0');
  expect(port.linkinfo?.info_slave_data?.state).toBe('disabled');
  c.observe('dummy', { carrierAttribute: d.carrier, flags: d.flags, operstate: d.operstate });
  c.observe('bridge', { carrier: b.carrier, operstate: b.operstate, portState: port.linkinfo?.info_slave_data?.state });
  if (d.carrier === true) {
    c.nuance(
      'the admin-down dummy still reports IFLA_CARRIER 1: the carrier goes in the sense of IFF_LOWER_UP and operstate, which is what the bridge acts on',
    );
  }
});
