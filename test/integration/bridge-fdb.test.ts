// bridge.fdb against `bridge -json fdb show br br0` run in the namespace: entries added (static,
// permanent on a port and on the bridge itself), deleted, refused; entries learned from frames
// that cross the bridge (busybox ping between two hosts on it), and none learned on a port
// whose learning is off.
import { describe } from 'vitest';
import { test, expect } from '../../src/vitest.ts';
import {
  DeviceNotFoundError,
  InvalidArgumentError,
  InvalidMacError,
  NetlinkError,
  NotABridgePortError,
  type Bridge,
  type Link,
  type Netns,
} from '../../src/index.ts';
import { bridgedHosts, expectRefusals } from '../helpers/bridged.ts';
import { ipLinkOf, oracleFdb } from '../helpers/oracle.ts';
import { ping } from '../helpers/traffic.ts';

async function bridgeWithPort(ns: Netns): Promise<{ br: Bridge; v0: Link; v1: Link }> {
  const br = await ns.addBridge('br0', { mac: '52:54:00:00:00:01' });
  const [v0, v1] = await ns.addVeth('v0', { peerName: 'v1', mac: '52:54:00:00:00:10' });
  await v0!.attachTo(br);
  return { br, v0: v0!, v1: v1! };
}

const mine = async (br: Bridge) =>
  (await br.fdb.list())
    .map(({ mac, port, vlan, state }) => ({ mac, port: port!, vlan, state }))
    .sort((a, b) => `${a.port} ${a.mac} ${a.vlan}`.localeCompare(`${b.port} ${b.mac} ${b.vlan}`));

describe('added entries', () => {
  test('static and permanent entries on a port and on the bridge itself, listed as iproute2 lists them', async ({
    netns,
  }) => {
    const { br, v0 } = await bridgeWithPort(netns);
    const before = await oracleFdb(netns, 'br0');
    expect(before.map((e) => e.mac)).not.toContain('52:54:00:00:00:0a');
    await br.fdb.add({ mac: '52:54:00:00:00:0A', port: v0 });
    await br.fdb.add({ mac: '52:54:00:00:00:0b', port: 'v0', state: 'permanent' });
    await br.fdb.add({ mac: '52:54:00:00:00:0c', port: br, state: 'permanent' });
    const theirs = await oracleFdb(netns, 'br0');
    expect(theirs).toEqual(
      expect.arrayContaining([
        { mac: '52:54:00:00:00:0a', port: 'v0', vlan: undefined, state: 'static' },
        { mac: '52:54:00:00:00:0b', port: 'v0', vlan: undefined, state: 'permanent' },
        { mac: '52:54:00:00:00:0c', port: 'br0', vlan: undefined, state: 'permanent' },
      ]),
    );
    // The kernel's own entries (the port's and the bridge's MACs, as permanent) are listed alike.
    expect(await mine(br)).toEqual(theirs);
    await expect(br).toHaveFdbEntry('52:54:00:00:00:0a', { port: v0, state: 'static' });
    expect(await br.fdb.list({ port: br })).toEqual(
      expect.arrayContaining([expect.objectContaining({ mac: '52:54:00:00:00:0c', port: 'br0' })]),
    );
    expect((await br.fdb.list({ port: v0 })).every((e) => e.port === 'v0')).toBe(true);

    await br.fdb.del({ mac: '52:54:00:00:00:0a', port: v0 });
    expect((await oracleFdb(netns, 'br0')).map((e) => e.mac)).not.toContain('52:54:00:00:00:0a');
    await expect(br).not.toHaveFdbEntry('52:54:00:00:00:0a', { timeout: 0 });
  });

  test("the kernel's refusals: an entry twice (EEXIST), a delete of none (ENOENT); a dynamic one on a port that cannot learn, refused first", async ({
    netns,
  }) => {
    const { br, v0 } = await bridgeWithPort(netns);
    await br.fdb.add({ mac: '52:54:00:00:00:0a', port: v0 });
    const twice = await br.fdb.add({ mac: '52:54:00:00:00:0a', port: v0 }).catch((e: unknown) => e);
    expect(twice).toBeInstanceOf(NetlinkError);
    expect((twice as NetlinkError).code).toBe('EEXIST');
    expect((twice as Error).message).toMatch(
      /^fdb add 52:54:00:00:00:0a dev v0 master static \(RTM_NEWNEIGH\) failed: EEXIST/,
    );
    const none = await br.fdb.del({ mac: '52:54:00:00:00:0e', port: v0 }).catch((e: unknown) => e);
    expect((none as NetlinkError).code).toBe('ENOENT');
    // v0 has no VLAN 10 (on this kernel or any other): the kernel's bare EINVAL, explained.
    const vlan = await br.fdb.add({ mac: '52:54:00:00:00:0f', port: v0, vlan: 10 }).catch((e: unknown) => e);
    expect((vlan as NetlinkError).code).toBe('EINVAL');
    expect((vlan as Error).message).toMatch(
      /^fdb add 52:54:00:00:00:0f dev v0 master static vlan 10 \(RTM_NEWNEIGH\) failed: EINVAL; v0 has no VLAN 10/,
    );
    // v0 is down: its port state is disabled, so it learns nothing, and the kernel would refuse a
    // dynamic entry with an EPERM that reads as a missing capability.
    const dynamic = await br.fdb.add({ mac: '52:54:00:00:00:0d', port: v0, state: 'dynamic' }).catch((e: unknown) => e);
    expect(dynamic).toBeInstanceOf(InvalidArgumentError);
    expect((dynamic as Error).message).toMatch(
      /^fdb\.add: a dynamic entry needs a port that learns, .* and v0 is disabled/,
    );
    expect((await ipLinkOf(netns, 'v0')).linkinfo?.info_slave_data?.state).toBe('disabled');
    expect((await oracleFdb(netns, 'br0')).map((e) => e.mac)).not.toContain('52:54:00:00:00:0d');
  });

  test('bad inputs are refused before any request, and leave the database as it was', async ({ netns }) => {
    const { br, v1 } = await bridgeWithPort(netns);
    const before = await oracleFdb(netns, 'br0');
    await expectRefusals([
      [() => br.fdb.add({ mac: '52:54:00:00:0a', port: 'v0' }), InvalidMacError, /six hex octets/],
      [() => br.fdb.add({ mac: '01:00:5e:00:00:01', port: 'v0' }), InvalidMacError, /multicast/],
      [
        () => br.fdb.add({ mac: '52:54:00:00:00:0a', port: v1 }),
        NotABridgePortError,
        /^fdb\.add: "v1" is not a port of bridge "br0" \(it has no master\); attach it first/,
      ],
      [
        () => br.fdb.add({ mac: '52:54:00:00:00:0a', port: br }),
        InvalidArgumentError,
        /^fdb\.add: an entry on the bridge br0 itself is an address of its own, so its state is "permanent", received "static"/,
      ],
      [
        () => br.fdb.add({ mac: '52:54:00:00:00:0a', port: 'v0', vlan: 4095 }),
        InvalidArgumentError,
        /^fdb\.add: a VLAN id is an integer from 1 to 4094/,
      ],
      [
        () => br.fdb.add({ mac: '52:54:00:00:00:0a', port: 'v0', state: 'reachable' as 'static' }),
        InvalidArgumentError,
        /^fdb\.add: the FDB state must be one of "permanent", "static", "dynamic", received "reachable"$/,
      ],
      [() => br.fdb.add({ mac: '52:54:00:00:00:0a', port: 'nosuch0' }), DeviceNotFoundError, /"nosuch0"/],
    ]);
    expect(await oracleFdb(netns, 'br0')).toEqual(before);
  });
});

describe('learned entries', () => {
  test('a frame crossing the bridge teaches it the sender, on its port; with learning off, it does not', async ({
    makeNetns,
    skip,
  }) => {
    const { br, hosts } = await bridgedHosts({ makeNetns, skip }, 2);
    const [a, b] = hosts as [(typeof hosts)[0], (typeof hosts)[0]];
    expect((await br.fdb.list()).map((e) => e.mac)).not.toContain(a.mac);
    await br.setPort(a.port, { learning: false });
    const r = await ping(a.ns, b.address, 1);
    expect(r.exitCode).toBe(0);
    // The reply came back through the bridge, so b's frames were learned as they crossed; a's
    // went through a port that does not learn (flooded to b, then sent to a by b's entry).
    await expect(br).toHaveFdbEntry(b.mac, { port: b.port, state: 'dynamic' });
    await expect(br).not.toHaveFdbEntry(a.mac, { timeout: 0 });
    expect(await oracleFdb(br.ns, 'br0')).toEqual(
      expect.arrayContaining([{ mac: b.mac, port: 'p2', vlan: undefined, state: 'dynamic' }]),
    );
    expect((await oracleFdb(br.ns, 'br0')).map((e) => e.mac)).not.toContain(a.mac);

    await br.setPort(a.port, { learning: true });
    expect((await ping(a.ns, b.address, 1)).exitCode).toBe(0);
    await expect(br).toHaveFdbEntry(a.mac, { port: 'p1', state: 'dynamic' });
    expect(await mine(br)).toEqual(await oracleFdb(br.ns, 'br0'));
  });
});
