// Bridge identity: where a Linux bridge's MAC address and bridge ID come from (C1-C5), what an
// explicitly set MAC changes (X1), and what is left when the last port goes (X3).
// The ports are taps nobody holds open: the bridge picks its ID from every port it has,
// whatever that port's carrier, so no process is needed here.
import { test, expect } from '../src/vitest.ts';
import { formatBridgeId, parseBridgeId, type Bridge, type Link, type Netns } from '../src/index.ts';
import { claim } from '../src/report/claim.ts';
import { ipBridgeId, ipLinkOf, sysfs } from '../test/helpers/oracle.ts';
import { settledState } from './helpers.ts';

// dev->addr_assign_type values (include/linux/netdevice.h), as sysfs prints them.
const NET_ADDR_PERM = 0;
const NET_ADDR_RANDOM = 1;
const NET_ADDR_SET = 3;
const assignTypeName: Record<string, string> = {
  [NET_ADDR_PERM]: 'permanent',
  [NET_ADDR_RANDOM]: 'random',
  2: 'stolen',
  [NET_ADDR_SET]: 'set',
};

/** I/G bit (0x01: group address) and U/L bit (0x02: locally administered) of the first octet. */
function macBits(mac: string): { unicast: boolean; locallyAdministered: boolean } {
  const first = Number.parseInt(mac.slice(0, 2), 16);
  return { unicast: (first & 0x01) === 0, locallyAdministered: (first & 0x02) !== 0 };
}

/** The bridge compares port addresses with memcmp: byte order is numeric order. */
const macHex = (mac: string): string => mac.toLowerCase().replaceAll(':', '');
const lowestMac = (macs: readonly string[]): string =>
  [...macs].sort((a, b) => (macHex(a) < macHex(b) ? -1 : macHex(a) > macHex(b) ? 1 : 0))[0]!;

/** The MAC inside a bridge ID ("8000.525400000001" -> "52:54:00:00:00:01"). */
const idMac = (id: string | undefined): string | undefined => (id === undefined ? undefined : parseBridgeId(id).mac);

async function macOf(link: Link): Promise<string> {
  const { mac } = await link.state();
  if (!mac) throw new Error(`${link.name} reports no MAC address`);
  return mac;
}

/** The bridge ID made of this bridge's own priority (as the kernel reports it) and mac. */
async function idWith(br: Bridge, mac: string): Promise<string> {
  const { bridgeId } = await br.state();
  if (!bridgeId) throw new Error(`${br.name} reports no bridge ID`);
  return formatBridgeId({ priority: parseBridgeId(bridgeId).priority, mac });
}

/** Persistent taps with chosen MACs and no process behind them. */
async function taps(ns: Netns, macs: Record<string, string>): Promise<Record<string, Link>> {
  const made: Record<string, Link> = {};
  for (const [name, mac] of Object.entries(macs)) made[name] = await ns.addTap(name, { owner: 'none', mac });
  return made;
}

/** The bridge ID and MAC as iproute2 and sysfs see them: both must agree with nslab's read. */
async function expectOraclesAgree(
  ns: Netns,
  br: Bridge,
): Promise<{ bridgeId: string | undefined; mac: string | undefined }> {
  const s = await br.state();
  const ip = await ipLinkOf(ns, br.name);
  const sys = await sysfs(ns, br.name, ['address', 'bridge/bridge_id']);
  expect(ipBridgeId(ip.linkinfo?.info_data?.bridge_id)).toBe(s.bridgeId);
  expect(sys['bridge/bridge_id']).toBe(s.bridgeId);
  expect(ip.address).toBe(s.mac);
  expect(sys.address).toBe(s.mac);
  return { bridgeId: s.bridgeId, mac: s.mac };
}

test('C1: a bridge created without ports gets a random locally administered unicast MAC', async ({
  netns,
  makeNetns,
  task,
}) => {
  const c = claim(task);
  const elsewhere = await makeNetns();
  const br = await netns.addBridge('br0');
  const twin = await elsewhere.addBridge('br0');
  const s = await br.state();
  const t = await twin.state();
  expect(s.ports).toEqual([]);
  expect(t.ports).toEqual([]);
  const mac = s.mac!;
  const twinMac = t.mac!;
  c.observe('mac', mac);
  c.observe('macOfSameNamedBridgeInAnotherNamespace', twinMac);

  for (const m of [mac, twinMac]) expect(macBits(m)).toEqual({ unicast: true, locallyAdministered: true });
  // Two bridges made the same way in two empty namespaces: nothing but chance tells them apart.
  expect(mac).not.toBe(twinMac);

  // The kernel's own record of where the address came from, independent of the value.
  const sys = await sysfs(netns, 'br0', ['addr_assign_type', 'address', 'bridge/bridge_id']);
  const assigned = sys.addr_assign_type;
  c.observe('addrAssignType', `${assigned} (${assignTypeName[assigned ?? ''] ?? '?'})`);
  expect(assigned).toBe(String(NET_ADDR_RANDOM));
  expect(sys.address).toBe(mac);

  const ip = await ipLinkOf(netns, 'br0');
  c.observe('bridgeIdBeforeAnyPort', s.bridgeId);
  expect(sys['bridge/bridge_id']).toBe(s.bridgeId);
  expect(ipBridgeId(ip.linkinfo?.info_data?.bridge_id)).toBe(s.bridgeId);
  if (idMac(s.bridgeId) !== mac) {
    c.nuance(
      `the random MAC is only the device address: until a port joins, the bridge ID reads ${s.bridgeId}, not the random ${mac}`,
    );
  }
});

test('C2: the first port to join hands its MAC to the bridge, as address and bridge ID', async ({ netns, task }) => {
  const c = claim(task);
  const br = await netns.addBridge('br0');
  const { tap0 } = await taps(netns, { tap0: '52:54:00:00:00:0a' });
  const randomMac = await macOf(br);
  const portMac = await macOf(tap0!);
  const port = await tap0!.state();
  c.observe('bridgeMacBefore', randomMac);
  c.observe('bridgeIdBefore', (await br.state()).bridgeId);
  c.observe('portMac', portMac);
  expect(portMac).not.toBe(randomMac);

  await tap0!.attachTo(br);
  await expect(br).toHavePorts([tap0!]);
  await expect(br).toHaveBridgeId(await idWith(br, portMac));
  await expect(br).toHaveMac(portMac);
  const after = await expectOraclesAgree(netns, br);
  c.observe('bridgeIdAfter', after.bridgeId);
  c.observe('bridgeMacAfter', after.mac);
  if (!port.adminUp && port.carrier === false) {
    c.nuance(
      'the port needs neither admin up nor carrier to set the bridge ID: a down tap with no process behind it is enough',
    );
  }
});

test('C2: the port MAC replaces the random one even when it is numerically higher', async ({ netns, task }) => {
  const c = claim(task);
  const br = await netns.addBridge('br0');
  // Near the top of the unicast range, so it is above practically any random bridge MAC.
  const { tap0 } = await taps(netns, { tap0: 'fe:ff:ff:ff:ff:fe' });
  const randomMac = await macOf(br);
  const portMac = await macOf(tap0!);
  c.observe('randomMacVersusHighPort', {
    random: randomMac,
    port: portMac,
    portIsHigher: lowestMac([randomMac, portMac]) === randomMac,
  });

  await tap0!.attachTo(br);
  await expect(br).toHaveBridgeId(await idWith(br, portMac));
  await expect(br).toHaveMac(portMac);
  const after = await expectOraclesAgree(netns, br);
  c.observe('bridgeIdWithHighPort', after.bridgeId);
});

test('C3: the bridge ID follows the lowest port MAC, through joins, a detach and a delete', async ({ netns, task }) => {
  const c = claim(task);
  const br = await netns.addBridge('br0');
  // Joining in an order where the lowest MAC is neither first nor last.
  const t = await taps(netns, { tapc: '52:54:00:00:00:0c', tapa: '52:54:00:00:00:0a', tapb: '52:54:00:00:00:0b' });
  const mac: Record<string, string> = {};
  for (const [name, link] of Object.entries(t)) mac[name] = await macOf(link);
  const steps: Array<{ step: string; ports: string[]; bridgeId: string | undefined }> = [];

  // After each change, the expectation is recomputed from the ports the kernel reports.
  const expectLowest = async (step: string): Promise<void> => {
    const ports = (await br.state()).ports ?? [];
    expect(ports.length).toBeGreaterThan(0);
    const lowest = lowestMac(ports.map((p) => mac[p]!));
    await expect(br).toHaveBridgeId(await idWith(br, lowest));
    await expect(br).toHaveMac(lowest);
    steps.push({ step, ports, bridgeId: (await br.state()).bridgeId });
  };

  await t.tapc!.attachTo(br);
  await expectLowest('tapc joins');
  await t.tapa!.attachTo(br);
  await expectLowest('tapa (lowest) joins');
  await t.tapb!.attachTo(br);
  await expectLowest('tapb joins');
  await expect(br).toHaveBridgeId(await idWith(br, mac.tapa!));

  await t.tapa!.detach();
  await expect(br).toHavePorts([t.tapc!, t.tapb!]);
  await expectLowest('tapa detached');
  await expect(br).toHaveBridgeId(await idWith(br, mac.tapb!));

  await t.tapb!.delete();
  await expect(br).toHavePorts([t.tapc!]);
  await expectLowest('tapb deleted');
  await expect(br).toHaveBridgeId(await idWith(br, mac.tapc!));
  await expectOraclesAgree(netns, br);
  c.observe('steps', steps);
});

test('C4: a low-MAC tap attached first keeps the bridge ID while higher-MAC ports come and go', async ({
  netns,
  task,
}) => {
  const c = claim(task);
  const br = await netns.addBridge('br0');
  // libvirt's pattern: the network's own MAC on a tap nobody uses, and VM taps with fe:54:00:...
  const { mactap } = await taps(netns, { mactap: '52:54:00:00:00:0a' });
  await mactap!.attachTo(br);
  const fixed = await idWith(br, await macOf(mactap!));
  await expect(br).toHaveBridgeId(fixed);
  c.observe('fixedBridgeId', fixed);

  const vms = await taps(netns, { vnet0: 'fe:54:00:00:00:01', vnet1: 'fe:54:00:00:00:02', vnet2: 'fe:54:00:00:00:03' });
  const seen = new Set<string>();
  const check = async (): Promise<void> => {
    await expect(br).toHaveBridgeId(fixed);
    await expect(br).toHaveMac(await macOf(mactap!));
    seen.add((await br.state()).bridgeId ?? 'none');
  };
  await vms.vnet0!.attachTo(br);
  await check();
  await vms.vnet1!.attachTo(br);
  await check();
  await expect(br).toHavePorts([mactap!, vms.vnet0!, vms.vnet1!]);
  await vms.vnet0!.delete();
  await check();
  await vms.vnet2!.attachTo(br);
  await check();
  await vms.vnet1!.detach();
  await vms.vnet2!.detach();
  await expect(br).toHavePorts([mactap!]);
  await check();
  await expectOraclesAgree(netns, br);
  c.observe('bridgeIdsSeen', [...seen]);
});

test('C5: a port with a lower MAC joining later takes the bridge ID over', async ({ netns, task }) => {
  const c = claim(task);
  const br = await netns.addBridge('br0');
  const { mactap } = await taps(netns, { mactap: '52:54:00:00:00:0a' });
  await mactap!.attachTo(br);
  const fixedMac = await macOf(mactap!);
  const fixed = await idWith(br, fixedMac);
  await expect(br).toHaveBridgeId(fixed);

  const { intruder } = await taps(netns, { intruder: '52:54:00:00:00:01' });
  const lowerMac = await macOf(intruder!);
  expect(lowestMac([fixedMac, lowerMac])).toBe(lowerMac);
  await intruder!.attachTo(br);
  const taken = await idWith(br, lowerMac);
  await expect(br).toHaveBridgeId(taken);
  await expect(br).toHaveMac(lowerMac);
  const during = await expectOraclesAgree(netns, br);
  c.observe('bridgeIdBefore', fixed);
  c.observe('bridgeIdWithLowerPort', during.bridgeId);

  // The takeover lasts only as long as the lower port stays.
  await intruder!.detach();
  await expect(br).toHaveBridgeId(fixed);
  c.observe('bridgeIdAfterItLeft', (await br.state()).bridgeId);
});

test('X1: a MAC given when the bridge is created pins the bridge ID against lower-MAC ports', async ({
  netns,
  task,
}) => {
  const c = claim(task);
  const explicit = '52:54:00:00:00:50';
  const br = await netns.addBridge('br0', { mac: explicit });
  const before = await br.state();
  const sys = await sysfs(netns, 'br0', ['addr_assign_type']);
  const assigned = sys.addr_assign_type;
  c.observe('addrAssignType', `${assigned} (${assignTypeName[assigned ?? ''] ?? '?'})`);
  c.observe('bridgeIdBeforePorts', before.bridgeId);
  expect(assigned).toBe(String(NET_ADDR_SET));
  await expect(br).toHaveMac(explicit);
  const pinnedId = before.bridgeId;
  if (idMac(pinnedId) === before.mac) {
    // Here the ID is taken from the given MAC right away.
    await expect(br).toHaveBridgeId(await idWith(br, explicit));
  } else {
    c.nuance(
      `the explicit MAC does not reach the bridge ID at creation: it reads ${pinnedId} until something changes it`,
    );
  }

  const { low } = await taps(netns, { low: '52:54:00:00:00:01' });
  const lowMac = await macOf(low!);
  expect(lowestMac([lowMac, explicit])).toBe(lowMac);
  await low!.attachTo(br);
  await expect(br).toHavePorts([low!]);
  await expect(br).toHaveBridgeId(pinnedId!);
  await expect(br).toHaveMac(explicit);
  const during = await expectOraclesAgree(netns, br);
  c.observe('bridgeIdWithLowerPort', during.bridgeId);
  c.observe('macWithLowerPort', during.mac);

  await low!.delete();
  await expect(br).toHavePorts([]);
  await expect(br).toHaveBridgeId(pinnedId!);
  await expect(br).toHaveMac(explicit);
  c.observe('bridgeIdAfterPortLeft', (await br.state()).bridgeId);
});

test('X1: setting the MAC of a bridge that has ports also pins it', async ({ netns, task }) => {
  const c = claim(task);
  const br = await netns.addBridge('br0');
  const { first } = await taps(netns, { first: '52:54:00:00:00:20' });
  await first!.attachTo(br);
  await expect(br).toHaveBridgeId(await idWith(br, await macOf(first!)));

  // `ip link set br0 address ...`, after the bridge already took a port's MAC.
  const explicit = '52:54:00:00:00:30';
  await br.setMac(explicit);
  const pinned = await idWith(br, explicit);
  await expect(br).toHaveMac(explicit);
  await expect(br).toHaveBridgeId(pinned);
  const sys = await sysfs(netns, 'br0', ['addr_assign_type']);
  c.observe('addrAssignTypeAfterSet', sys.addr_assign_type);
  expect(sys.addr_assign_type).toBe(String(NET_ADDR_SET));

  const { low } = await taps(netns, { low: '52:54:00:00:00:01' });
  await low!.attachTo(br);
  await expect(br).toHavePorts([first!, low!]);
  await expect(br).toHaveBridgeId(pinned);
  await expect(br).toHaveMac(explicit);
  const after = await expectOraclesAgree(netns, br);
  c.observe('bridgeIdWithLowerPortAfterSetMac', after.bridgeId);
});

test('X3: the bridge MAC and bridge ID once its last port has left', async ({ netns, task }) => {
  const c = claim(task);
  const br = await netns.addBridge('br0');
  await br.up();
  const randomMac = await macOf(br);
  const t = await taps(netns, { tapa: '52:54:00:00:00:0a', tapb: '52:54:00:00:00:0b' });
  await t.tapa!.attachTo(br);
  await t.tapb!.attachTo(br);
  const lastPortMac = await macOf(t.tapa!);
  await expect(br).toHaveBridgeId(await idWith(br, lastPortMac));
  c.observe('macWhileRandom', randomMac);
  c.observe('bridgeIdWithPorts', (await br.state()).bridgeId);

  await t.tapb!.detach();
  await t.tapa!.delete();
  await expect(br).toHavePorts([]);
  const after = await expectOraclesAgree(netns, br);
  const s = await settledState(br);
  c.observe('macAfterLastPortLeft', after.mac);
  c.observe('bridgeIdAfterLastPortLeft', after.bridgeId);
  c.observe('carrierAfterLastPortLeft', s.carrier);
  c.observe('operstateAfterLastPortLeft', s.operstate);
  // Whatever the kernel chose, the ID and the address stay one and the same MAC.
  expect(idMac(after.bridgeId)).toBe(after.mac);

  const zero = '00:00:00:00:00:00';
  if (after.mac === zero) {
    c.nuance(
      `with no ports left the bridge neither keeps the last port's MAC nor goes back to its random one: address and ID fall to all zeros (${after.bridgeId})`,
    );
  } else if (after.mac === lastPortMac) {
    c.nuance(`with no ports left the bridge keeps the MAC of the last port it had (${after.mac})`);
  } else if (after.mac === randomMac) {
    c.nuance(`with no ports left the bridge goes back to its original random MAC (${after.mac})`);
  }
});
