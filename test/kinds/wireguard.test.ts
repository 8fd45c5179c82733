// wireguard links against `ip -details`: the link only (keys and peers take generic netlink).
import { expect } from 'vitest';
import { createNetns } from '../../src/index.ts';
import { expectDeleted, ipKindOf, kindTest } from '../helpers/kinds.ts';

kindTest(['wireguard'], 'created, read as ip -details shows it, deleted', async () => {
  await using ns = await createNetns();
  const wg = await ns.addWireguard('wg0');
  const { ip, kind } = await ipKindOf(ns, 'wg0');
  const s = await wg.state();
  expect([s.kind, kind]).toEqual(['wireguard', 'wireguard']);
  expect([s.index, s.mtu, s.mac]).toEqual([ip.ifindex, ip.mtu, ip.address]);
  expect(ip.link_type).toBe('none');
  await expectDeleted(ns, [wg], ['lo']);
});
