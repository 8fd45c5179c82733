// ifb devices against `ip -details`.
import { expect } from 'vitest';
import { createNetns } from '../../src/index.ts';
import { expectDeleted, ipKindOf, kindTest } from '../helpers/kinds.ts';

kindTest(['ifb'], 'created with its MAC, read as ip -details shows it, deleted', async () => {
  await using ns = await createNetns();
  const ifb = await ns.addIfb('ifb0', { mac: '52:54:00:00:00:0b' });
  const plain = await ns.addIfb('ifb1');
  const { ip, kind } = await ipKindOf(ns, 'ifb0');
  const s = await ifb.state();
  expect([s.kind, kind]).toEqual(['ifb', 'ifb']);
  expect([s.index, s.mac, s.mtu]).toEqual([ip.ifindex, ip.address, ip.mtu]);
  expect(s.mac).toBe('52:54:00:00:00:0b');
  // No IFLA_INFO_DATA to decode.
  expect(s.details).toBeUndefined();
  expect((await plain.state()).mac).toBe((await ipKindOf(ns, 'ifb1')).ip.address);
  await expectDeleted(ns, [ifb, plain], ['lo']);
});
