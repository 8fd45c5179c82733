// A bridge's own options at creation (addBridge) and later (bridge.set), read back in state()
// and checked against `ip -json -details link show` (info_data) run in the namespace. The VLAN
// options run where the kernel has bridge VLAN filtering; where it has not (this host's), they
// are refused with UnsupportedFeatureError and leave no bridge behind.
import { describe } from 'vitest';
import { test, expect } from '../../src/vitest.ts';
import { InvalidArgumentError, UnsupportedFeatureError, type Netns } from '../../src/index.ts';
import { noBridgeVlans } from '../helpers/bridged.ts';
import { ipLinkNames, ipLinkOf } from '../helpers/oracle.ts';

/** The options as iproute2 prints them, in the units and shape of state().bridge (seconds from centiseconds). */
async function oracleOptions(ns: Netns, dev: string): Promise<Record<string, unknown>> {
  const d = (await ipLinkOf(ns, dev)).linkinfo?.info_data ?? {};
  const seconds = (v: unknown): number | undefined => (typeof v === 'number' ? v / 100 : undefined);
  return {
    vlanFiltering: d.vlan_filtering === undefined ? undefined : d.vlan_filtering === 1,
    stp: d.stp_state === undefined ? undefined : d.stp_state !== 0,
    forwardDelay: seconds(d.forward_delay),
    ageingTime: seconds(d.ageing_time),
    vlanProtocol: d.vlan_protocol,
    defaultPvid: d.vlan_default_pvid,
  };
}

describe('stp, forward delay, ageing time', () => {
  test('given at creation, changed by set(), read back as iproute2 reads them', async ({ netns }) => {
    const br = await netns.addBridge('br0', { stp: true, forwardDelay: 4, ageingTime: 12.5 });
    expect(await oracleOptions(netns, 'br0')).toMatchObject({ stp: true, forwardDelay: 4, ageingTime: 12.5 });
    expect((await br.state()).bridge).toEqual(await oracleOptions(netns, 'br0'));

    await br.set({ stp: false, ageingTime: 0 });
    expect(await oracleOptions(netns, 'br0')).toMatchObject({ stp: false, forwardDelay: 4, ageingTime: 0 });
    expect((await br.state()).bridge).toEqual(await oracleOptions(netns, 'br0'));
    // A bridge made without options has the kernel's defaults: 15 s, 300 s, STP off.
    const plain = await netns.addBridge('br1');
    expect((await plain.state()).bridge).toMatchObject({ stp: false, forwardDelay: 15, ageingTime: 300 });
    expect((await plain.state()).bridge).toEqual(await oracleOptions(netns, 'br1'));
  });

  test('bad options are refused before any request, and nothing is created', async ({ netns }) => {
    const before = await ipLinkNames(netns);
    const refusals: Array<[Record<string, unknown>, RegExp]> = [
      [
        { vlanProtocol: '802.1x' },
        /^addBridge: the VLAN protocol must be one of "802\.1Q", "802\.1ad", received "802\.1x"$/,
      ],
      [{ vlanProtocol: '802.1q' }, /must be one of "802\.1Q", "802\.1ad", received "802\.1q"/],
      [{ forwardDelay: -1 }, /^addBridge: forwardDelay is a time in seconds from 0 to \d+, to the hundredth/],
      [{ ageingTime: 0.005 }, /^addBridge: ageingTime is a time in seconds/],
      [{ defaultPvid: 4095 }, /^addBridge: defaultPvid must be an integer from 0 to 4094, received 4095$/],
      [{ stp: 'on' }, /^addBridge: stp must be true or false, received "on"$/],
    ];
    for (const [options, message] of refusals) {
      const e = await netns.addBridge('br0', options as never).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect((e as Error).message).toMatch(message);
    }
    expect(await ipLinkNames(netns)).toEqual(before);
  });
});

describe('VLAN options', () => {
  test('on a kernel without VLAN filtering: refused, at creation and later, leaving no bridge behind', async ({
    netns,
    skip,
  }) => {
    const missing = await noBridgeVlans(netns);
    skip(missing === undefined, 'this kernel has bridge VLAN filtering: the next test runs instead');
    const before = await ipLinkNames(netns);
    for (const options of [{ vlanFiltering: true }, { vlanProtocol: '802.1ad' as const }, { defaultPvid: 10 }]) {
      const e = await netns.addBridge('br0', options).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UnsupportedFeatureError);
      expect(e).toMatchObject({ kernelOption: 'CONFIG_BRIDGE_VLAN_FILTERING', feature: 'bridge VLAN filtering' });
      expect((e as Error).message).toMatch(/^addBridge br0 vlan_\w+ \S+: this kernel has no bridge VLAN filtering/);
    }
    expect(await ipLinkNames(netns)).toEqual(before);
    const br = await netns.addBridge('br0');
    const options = await oracleOptions(netns, 'br0');
    await expect(br.set({ defaultPvid: 10 })).rejects.toThrow(UnsupportedFeatureError);
    expect(await oracleOptions(netns, 'br0')).toEqual(options);
  });

  test('filtering, protocol and default pvid at creation and later; the pvid changes only with filtering off', async ({
    netns,
    skip,
  }) => {
    const missing = await noBridgeVlans(netns);
    skip(missing !== undefined, missing);
    const br = await netns.addBridge('br0', { vlanFiltering: true, vlanProtocol: '802.1ad', defaultPvid: 10 });
    expect(await oracleOptions(netns, 'br0')).toMatchObject({
      vlanFiltering: true,
      vlanProtocol: '802.1ad',
      defaultPvid: 10,
    });
    expect((await br.state()).bridge).toEqual(await oracleOptions(netns, 'br0'));
    await expect(br.set({ defaultPvid: 20 })).rejects.toThrow(
      /^set: br0 filters by VLAN, and the kernel changes the default pvid only while VLAN filtering is off/,
    );
    expect((await oracleOptions(netns, 'br0')).defaultPvid).toBe(10);
    await br.set({ vlanFiltering: false, defaultPvid: 20, vlanProtocol: '802.1Q' });
    expect(await oracleOptions(netns, 'br0')).toMatchObject({
      vlanFiltering: false,
      vlanProtocol: '802.1Q',
      defaultPvid: 20,
    });
    // Filtering on and a new pvid in one call: the pvid first, then the filtering.
    await br.set({ vlanFiltering: true, defaultPvid: 30 });
    expect(await oracleOptions(netns, 'br0')).toMatchObject({ vlanFiltering: true, defaultPvid: 30 });
    expect((await br.state()).bridge).toEqual(await oracleOptions(netns, 'br0'));
  });
});
