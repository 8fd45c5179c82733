// vxlan devices against `ip -details`: VNI, remote or group, local, port, learning and the bound device.
import { expect } from 'vitest';
import { createNetns, InvalidArgumentError, type Link } from '../../src/index.ts';
import { expectDeleted, ipKindOf, kindTest } from '../helpers/kinds.ts';

/** nslab's details against iproute2's info_data, field by field (iproute2 names IPv6 ones remote6, group6, local6). */
async function expectAsIproute2(link: Link): Promise<void> {
  const { kind, data } = await ipKindOf(link.ns, link.name);
  const s = await link.state();
  expect([s.kind, kind]).toEqual(['vxlan', 'vxlan']);
  const ports = await link.ns.links();
  expect(s.details).toEqual({
    kind: 'vxlan',
    vni: data.id,
    remote: data.remote ?? data.remote6,
    group: data.group ?? data.group6,
    local: data.local ?? data.local6,
    dstport: data.port,
    learning: data.learning,
    device: data.link === undefined ? undefined : ports.find((p) => p.name === data.link)?.index,
  });
}

kindTest(
  ['vxlan'],
  'unicast IPv4: vni, remote, local, dstport, nolearning and dev as ip -details shows them; deleted',
  async () => {
    await using ns = await createNetns();
    const [p] = await ns.addVeth('p0', { peerName: 'p1' });
    const vx = await ns.addVxlan('vx0', {
      vni: 42,
      remote: '192.0.2.2',
      local: '192.0.2.1',
      dstport: 4789,
      learning: false,
      dev: p!,
      mac: '52:54:00:00:00:42',
    });
    await expectAsIproute2(vx);
    expect((await vx.state()).details).toMatchObject({
      vni: 42,
      remote: '192.0.2.2',
      device: p!.index,
      learning: false,
    });
    expect((await ipKindOf(ns, 'vx0')).ip.address).toBe('52:54:00:00:00:42');
    await expectDeleted(ns, [vx], ['lo', 'p0', 'p1']);
  },
);

kindTest(['vxlan'], 'IPv6 remote and local, the kernel default port, learning', async () => {
  await using ns = await createNetns();
  const vx = await ns.addVxlan('vx6', { vni: 16777215, remote: '2001:db8::2', local: '2001:db8::1' });
  await expectAsIproute2(vx);
  // No dstport given: the kernel's own default, which nslab reads rather than assumes.
  const { data } = await ipKindOf(ns, 'vx6');
  expect((await vx.state()).details).toMatchObject({ learning: true, dstport: data.port });
  await expectDeleted(ns, [vx], ['lo']);
});

kindTest(['vxlan'], 'a multicast group joined on a device, IPv4 and IPv6', async () => {
  await using ns = await createNetns();
  const [p] = await ns.addVeth('p0', { peerName: 'p1' });
  const v4 = await ns.addVxlan('vx4', { vni: 7, group: '239.1.1.1', dev: p!, dstport: 4789 });
  const v6 = await ns.addVxlan('vx6', { vni: 8, group: 'ff05::100', dev: p!, dstport: 4790 });
  await expectAsIproute2(v4);
  await expectAsIproute2(v6);
  expect((await v6.state()).details).toMatchObject({ group: 'ff05::100', remote: undefined });
  await expectDeleted(ns, [v4, v6], ['lo', 'p0', 'p1']);
});

kindTest(
  ['vxlan'],
  'no remote or group with learning off (an FDB filled by hand) is made; with learning on it is refused first',
  async () => {
    await using ns = await createNetns();
    const e = await ns.addVxlan('vx1', { vni: 1 }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as Error).message).toMatch(/a learning vxlan needs remote or group.*learning: false/);
    const vx = await ns.addVxlan('vx0', { vni: 1, learning: false });
    await expectAsIproute2(vx);
    await expectDeleted(ns, [vx], ['lo']);
  },
);
