// Port options (bridge.setPort) and STP states, against `ip -json -details link show` (the
// port's info_slave_data) and `bridge -json link show` run in the namespace; isolation shown by
// traffic: two isolated ports do not reach each other, and do once one is not isolated.
import { describe } from 'vitest';
import { test, expect } from '../../src/vitest.ts';
import { InvalidArgumentError, NetlinkError, NotABridgePortError, type Netns } from '../../src/index.ts';
import { bridgedHosts } from '../helpers/bridged.ts';
import { bridgeLinks, ipLinkOf } from '../helpers/oracle.ts';
import { ping } from '../helpers/traffic.ts';

/** The port's options as iproute2 prints them, in the shape of state().bridgePort. */
async function oraclePort(ns: Netns, dev: string): Promise<Record<string, unknown>> {
  const d = (await ipLinkOf(ns, dev)).linkinfo?.info_slave_data ?? {};
  return { state: d.state, learning: d.learning, flood: d.flood, hairpin: d.hairpin, isolated: d.isolated };
}

describe('port options', () => {
  test('learning, flood, hairpin and isolated, set and read back as iproute2 reads them', async ({ netns }) => {
    const br = await netns.addBridge('br0');
    const [v0] = await netns.addVeth('v0', { peerName: 'v1' });
    await v0!.attachTo(br);
    const defaults = { state: 'disabled', learning: true, flood: true, hairpin: false, isolated: false };
    expect(await oraclePort(netns, 'v0')).toEqual(defaults);
    expect((await v0!.state()).bridgePort).toEqual(defaults);

    await br.setPort(v0!, { learning: false, flood: false, hairpin: true, isolated: true });
    const changed = { state: 'disabled', learning: false, flood: false, hairpin: true, isolated: true };
    expect(await oraclePort(netns, 'v0')).toEqual(changed);
    expect((await v0!.state()).bridgePort).toEqual(changed);
    // Only what is given changes.
    await br.setPort('v0', { hairpin: false });
    expect(await oraclePort(netns, 'v0')).toEqual({ ...changed, hairpin: false });
    expect((await br.state()).bridgePort).toBeUndefined();
  });

  test('refusals: a device that is no port, the bridge itself, an unknown state, a state on a port that is down', async ({
    netns,
  }) => {
    const br = await netns.addBridge('br0');
    const [v0, v1] = await netns.addVeth('v0', { peerName: 'v1' });
    await v0!.attachTo(br);
    const before = await oraclePort(netns, 'v0');
    const notPort = await br.setPort(v1!, { learning: false }).catch((e: unknown) => e);
    expect(notPort).toBeInstanceOf(NotABridgePortError);
    expect(notPort).toMatchObject({ deviceName: 'v1', bridge: 'br0', master: undefined });
    await expect(br.setPort(br, { learning: false })).rejects.toThrow(/^setPort: br0 is the bridge itself/);
    const unknown = await br.setPort(v0!, { state: 'blocked' as 'blocking' }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(InvalidArgumentError);
    expect((unknown as Error).message).toBe(
      'setPort: the port state must be one of "disabled", "listening", "learning", "forwarding", "blocking", received "blocked"',
    );
    await expect(br.setPort(v0!, { learning: 'no' as unknown as boolean })).rejects.toThrow(
      /^setPort: learning must be true or false, received "no"$/,
    );
    // v0 is down: the kernel takes no state but disabled on it.
    const down = await br.setPort(v0!, { state: 'forwarding' }).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(NetlinkError);
    expect((down as NetlinkError).code).toBe('ENETDOWN');
    expect((down as Error).message).toMatch(/v0 is down or has no carrier.*bring it up first$/);
    expect(await oraclePort(netns, 'v0')).toEqual(before);
  });
});

describe('STP states', () => {
  test('without STP a port that comes up forwards; set to disabled by hand it forwards nothing, as bridge link show says', async ({
    makeNetns,
    skip,
  }) => {
    const { sw, br, hosts } = await bridgedHosts({ makeNetns, skip }, 2);
    const [a, b] = hosts as [(typeof hosts)[0], (typeof hosts)[0]];
    const shown = async (): Promise<string | undefined> =>
      (await bridgeLinks(sw)).find((l) => l.ifname === 'p1')?.state;
    await expect(a.port).toHavePortState('forwarding');
    expect(await shown()).toBe('forwarding');
    expect((await ping(a.ns, b.address, 1)).exitCode).toBe(0);

    await br.setPort(a.port, { state: 'disabled' });
    await expect(a.port).toHavePortState('disabled');
    expect(await shown()).toBe('disabled');
    expect((await ping(a.ns, b.address, 1)).exitCode).not.toBe(0);
    await br.setPort(a.port, { state: 'forwarding' });
    await expect(a.port).toHavePortState('forwarding');
    // The refused ping left a's ARP entry for b resolving or failed, and a single ping sent while
    // it fails is dropped: wait for the answer with a deadline, then ask busybox.
    await expect(a.ns).toReach(b.address);
    expect((await ping(a.ns, b.address, 1)).exitCode).toBe(0);
    // Without STP every port is designated: the kernel's port state selection, run after the
    // change, makes a blocking port forward again at once.
    await br.setPort(a.port, { state: 'blocking' });
    await expect(a.port).toHavePortState('forwarding');
    expect(await shown()).toBe('forwarding');
  });

  test("with the kernel's STP a port listens, learns, then forwards, a forward delay each; STP refuses a state set by hand", async ({
    makeNetns,
    skip,
  }) => {
    const { sw, br, hosts } = await bridgedHosts({ makeNetns, skip }, 1, { stp: true, forwardDelay: 2 });
    const [a] = hosts as [(typeof hosts)[0]];
    expect((await ipLinkOf(sw, 'br0')).linkinfo?.info_data?.stp_state).toBe(1);
    await expect(a.port).toHavePortState('learning', { timeout: 5000 });
    await expect(a.port).toHavePortState('forwarding', { timeout: 5000 });
    expect((await bridgeLinks(sw)).find((l) => l.ifname === 'p1')?.state).toBe('forwarding');
    const busy = await br.setPort(a.port, { state: 'blocking' }).catch((e: unknown) => e);
    expect((busy as NetlinkError).code).toBe('EBUSY');
    expect((busy as Error).message).toMatch(/the kernel's STP sets the port states of br0 while stp is on/);
  });
});

describe('isolation, shown by traffic', () => {
  test('two isolated ports do not reach each other; one isolated and one not do', async ({ makeNetns, skip }) => {
    const { sw, br, hosts } = await bridgedHosts({ makeNetns, skip }, 2);
    const [a, b] = hosts as [(typeof hosts)[0], (typeof hosts)[0]];
    await br.setPort(a.port, { isolated: true });
    await br.setPort(b.port, { isolated: true });
    expect((await oraclePort(sw, 'p1')).isolated).toBe(true);
    expect((await ping(a.ns, b.address, 1)).exitCode).not.toBe(0);
    await br.setPort(b.port, { isolated: false });
    // As above: the isolated ping left a's ARP entry for b resolving or failed.
    await expect(a.ns).toReach(b.address);
    expect((await ping(a.ns, b.address, 1)).exitCode).toBe(0);
  });
});
