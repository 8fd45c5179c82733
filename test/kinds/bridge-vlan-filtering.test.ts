// bridge.vlan against `bridge -json vlan show` run in the namespace: VLANs of ports and of the
// bridge itself, the pvid moving, deletes, and traffic that a port in VLAN 10 reaches a port in
// VLAN 10 but not one in VLAN 20. These need a kernel with bridge VLAN filtering
// (CONFIG_BRIDGE_VLAN_FILTERING): elsewhere they skip with the reason, and what runs is the
// refusal such a kernel gets and the bad inputs, which are refused before any request.
import { describe } from 'vitest';
import { test, expect } from '../../src/vitest.ts';
import {
  InvalidArgumentError,
  NetlinkError,
  NotABridgePortError,
  UnsupportedFeatureError,
  type Bridge,
  type Link,
  type Netns,
} from '../../src/index.ts';
import { bridgedHosts, expectRefusals, noBridgeVlans } from '../helpers/bridged.ts';
import { bridgeVlans, oracleVlans } from '../helpers/oracle.ts';
import { ping } from '../helpers/traffic.ts';

// The kinds table's row for the bridge's VLAN filtering: a feature of the bridge kind that a
// kernel may lack (this host's 6.18 does), so its tests run in the guests too.
const VLAN_FILTERING = { meta: { kinds: ['bridge vlan_filtering'] } };

async function bridgeWithPorts(ns: Netns, options = {}): Promise<{ br: Bridge; v0: Link; v2: Link; v3: Link }> {
  const br = await ns.addBridge('br0', options);
  const [v0] = await ns.addVeth('v0', { peerName: 'v1' });
  const [v2, v3] = await ns.addVeth('v2', { peerName: 'v3' });
  await v0!.attachTo(br);
  await v2!.attachTo(br);
  return { br, v0: v0!, v2: v2!, v3: v3! };
}

describe('bad inputs, on any kernel', () => {
  test('refused before any request, leaving the VLANs as they were', async ({ netns }) => {
    const { br, v0, v3 } = await bridgeWithPorts(netns);
    const before = await bridgeVlans(netns);
    await expectRefusals([
      [
        () => br.vlan.add(v0, { vid: 0 }),
        InvalidArgumentError,
        /^vlan\.add: a VLAN id is an integer from 1 to 4094 \(802\.1Q reserves 0 and 4095\), received 0$/,
      ],
      [() => br.vlan.add(v0, { vid: 4095 }), InvalidArgumentError, /received 4095$/],
      [() => br.vlan.del(v0, { vid: 10.5 }), InvalidArgumentError, /^vlan\.del: a VLAN id is an integer/],
      [
        () => br.vlan.add(v0, { vid: 10, pvid: 'yes' as unknown as boolean }),
        InvalidArgumentError,
        /^vlan\.add: pvid must be true or false, received "yes"$/,
      ],
      [
        () => br.vlan.add(v0, 10 as never),
        InvalidArgumentError,
        /^vlan\.add: pass \{ vid, pvid\?, untagged\? \}, received 10$/,
      ],
      [
        () => br.vlan.add(v3, { vid: 10 }),
        NotABridgePortError,
        /^vlan\.add: "v3" is not a port of bridge "br0" \(it has no master\)/,
      ],
      [() => br.vlan.add('nosuch0', { vid: 10 }), Error, /no device named "nosuch0"/],
    ]);
    expect(await bridgeVlans(netns)).toEqual(before);
  });
});

describe('a kernel without VLAN filtering', () => {
  test('vlan.add is refused with UnsupportedFeatureError naming the kernel option; nothing changes', async ({
    netns,
    skip,
  }) => {
    const missing = await noBridgeVlans(netns);
    skip(missing === undefined, 'this kernel has bridge VLAN filtering: the tests below run instead');
    const { br, v0 } = await bridgeWithPorts(netns);
    const e = await br.vlan.add(v0, { vid: 10, pvid: true, untagged: true }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UnsupportedFeatureError);
    expect((e as Error).message).toMatch(
      /^bridge vlan add dev v0 vid 10 pvid untagged: this kernel has no bridge VLAN filtering: it was built without CONFIG_BRIDGE_VLAN_FILTERING/,
    );
    expect(((e as Error).cause as NetlinkError).code).toBe('EOPNOTSUPP');
    expect(await br.vlan.list()).toEqual([]);
    expect(await oracleVlans(netns, ['br0', 'v0', 'v2'])).toEqual([]);
    await expect(v0).toHaveVlans([], { timeout: 0 });
  });
});

describe('VLANs of ports and of the bridge itself', () => {
  test(
    'added, listed and deleted as bridge vlan show lists them; the pvid moves',
    VLAN_FILTERING,
    async ({ netns, skip }) => {
      const missing = await noBridgeVlans(netns);
      skip(missing !== undefined, missing);
      const { br, v0, v2 } = await bridgeWithPorts(netns, { vlanFiltering: true });
      const ports = ['br0', 'v0', 'v2'];
      // The default pvid (1) is every port's and the bridge's own from the start.
      await expect(v0).toHaveVlans([{ vid: 1, pvid: true, untagged: true }]);
      await br.vlan.add(v0, { vid: 10, pvid: true, untagged: true });
      await br.vlan.add('v0', { vid: 20 });
      await br.vlan.add(br, { vid: 10 });
      expect(await br.vlan.list()).toEqual(await oracleVlans(netns, ports));
      // VLAN 1 loses the pvid to 10 but stays untagged, as 6.1's bridge vlan show says.
      await expect(v0).toHaveVlans([20, { vid: 10, pvid: true, untagged: true }, { vid: 1, untagged: true }]);
      await expect(br).toHaveVlans([{ vid: 1, pvid: true, untagged: true }, 10]);
      // A port has one pvid: giving it to VLAN 20 takes it from VLAN 10.
      await br.vlan.add(v0, { vid: 20, pvid: true });
      expect(await br.vlan.list(v0)).toEqual(await oracleVlans(netns, ['v0']));
      await expect(v0).toHaveVlans([
        { vid: 1, untagged: true },
        { vid: 10, untagged: true },
        { vid: 20, pvid: true },
      ]);

      await br.vlan.del(v0, { vid: 10 });
      await expect(v0).toHaveVlans([
        { vid: 1, untagged: true },
        { vid: 20, pvid: true },
      ]);
      expect(await br.vlan.list(v0)).toEqual(await oracleVlans(netns, ['v0']));
      // Deleting a VLAN the port no longer has: 6.1 ignores it and answers success, later kernels
      // may refuse it. nslab passes on whatever the kernel answers, as `bridge vlan del` does.
      const gone = await br.vlan.del(v0, { vid: 10 }).catch((x: unknown) => x);
      const oracle = await netns.exec('bridge', ['vlan', 'del', 'dev', 'v0', 'vid', '10'], { reject: false });
      if (oracle.exitCode === 0) expect(gone).toBeUndefined();
      else {
        expect(gone).toBeInstanceOf(NetlinkError);
        expect((gone as Error).message).toMatch(/^vlan del dev v0 vid 10 \(RTM_DELLINK\) failed: E/);
      }
      expect(await br.vlan.list(v0)).toEqual(await oracleVlans(netns, ['v0']));
      expect(await br.vlan.list(v2)).toEqual([{ port: 'v2', vid: 1, pvid: true, untagged: true }]);
    },
  );

  test(
    'per-VLAN FDB entries: on a VLAN the port has, and refused on one it has not',
    VLAN_FILTERING,
    async ({ netns, skip }) => {
      const missing = await noBridgeVlans(netns);
      skip(missing !== undefined, missing);
      const { br, v0 } = await bridgeWithPorts(netns, { vlanFiltering: true });
      await br.vlan.add(v0, { vid: 10 });
      await br.fdb.add({ mac: '52:54:00:00:00:0a', port: v0, vlan: 10 });
      await expect(br).toHaveFdbEntry('52:54:00:00:00:0a', { vlan: 10, port: v0, state: 'static' });
      expect(await br.fdb.list({ vlan: 10 })).toEqual(
        expect.arrayContaining([expect.objectContaining({ mac: '52:54:00:00:00:0a', vlan: 10 })]),
      );
      await expect(br.fdb.add({ mac: '52:54:00:00:00:0b', port: v0, vlan: 30 })).rejects.toThrow(/v0 has no VLAN 30/);
    },
  );
});

describe('VLANs, shown by traffic', () => {
  test(
    'a port in VLAN 10 untagged reaches another in VLAN 10, not one in VLAN 20',
    VLAN_FILTERING,
    async ({ makeNetns, skip }) => {
      const { br, hosts } = await bridgedHosts({ makeNetns, skip }, 3);
      const missing = await noBridgeVlans(br.ns);
      skip(missing !== undefined, missing);
      const [a, b, c] = hosts as [(typeof hosts)[0], (typeof hosts)[0], (typeof hosts)[0]];
      await br.set({ vlanFiltering: true });
      for (const [host, vid] of [
        [a, 10],
        [b, 10],
        [c, 20],
      ] as const) {
        await br.vlan.del(host.port, { vid: 1 });
        await br.vlan.add(host.port, { vid, pvid: true, untagged: true });
        await expect(host.port).toHaveVlans([{ vid, pvid: true, untagged: true }]);
      }
      expect((await ping(a.ns, b.address, 1)).exitCode).toBe(0);
      expect((await ping(a.ns, c.address, 1)).exitCode).not.toBe(0);
      await expect(br).toHaveFdbEntry(a.mac, { vlan: 10, port: a.port });
    },
  );
});
