// vlan devices against `ip -details`: id, protocol and parent.
import { expect } from 'vitest';
import { createNetns } from '../../src/index.ts';
import { expectDeleted, ipKindOf, kindTest } from '../helpers/kinds.ts';

kindTest(
  ['vlan'],
  '802.1Q and 802.1ad on a veth: id, protocol and parent as ip -details shows them; deleted',
  async () => {
    await using ns = await createNetns();
    const [p] = await ns.addVeth('p0', { peerName: 'p1' });
    const q = await ns.addVlan('p0.10', { link: p!, id: 10 });
    const ad = await ns.addVlan('p0.4094', { link: p!, id: 4094, protocol: '802.1ad', mac: '52:54:00:00:0f:fe' });
    for (const v of [q, ad]) {
      const { ip, kind, data } = await ipKindOf(ns, v.name);
      const s = await v.state();
      expect([s.kind, kind]).toEqual(['vlan', 'vlan']);
      expect(s.details).toEqual({ kind: 'vlan', id: data.id, protocol: data.protocol });
      expect(ip.link).toBe('p0');
      expect(s.mac).toBe(ip.address);
    }
    expect([(await q.state()).details, (await ad.state()).details]).toEqual([
      { kind: 'vlan', id: 10, protocol: '802.1Q' },
      { kind: 'vlan', id: 4094, protocol: '802.1ad' },
    ]);
    expect((await ad.state()).mac).toBe('52:54:00:00:0f:fe');
    await expectDeleted(ns, [q, ad], ['lo', 'p0', 'p1']);
  },
);

kindTest(['vlan'], 'QinQ: an 802.1Q vlan on an 802.1ad one', async () => {
  await using ns = await createNetns();
  const [p] = await ns.addVeth('p0', { peerName: 'p1' });
  const outer = await ns.addVlan('s100', { link: p!, id: 100, protocol: '802.1ad' });
  const inner = await ns.addVlan('c200', { link: outer, id: 200 });
  const { ip, data } = await ipKindOf(ns, 'c200');
  expect(ip.link).toBe('s100');
  expect((await inner.state()).details).toEqual({ kind: 'vlan', id: data.id, protocol: data.protocol });
  // Deleting the parent takes its vlans with it.
  await expectDeleted(ns, [outer], ['lo', 'p0', 'p1']);
});
