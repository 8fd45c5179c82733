// vrf devices against `ip -details`: the table, and the devices enslaved to it.
import { expect } from 'vitest';
import { createNetns, InvalidArgumentError } from '../../src/index.ts';
import { expectDeleted, ipKindOf, kindTest } from '../helpers/kinds.ts';
import { ipPorts } from '../helpers/oracle.ts';

kindTest(['vrf'], 'table as ip -details shows it; enslave and release a veth; deleted', async () => {
  await using ns = await createNetns();
  const vrf = await ns.addVrf('vrf-blue', { table: 100 });
  const [p] = await ns.addVeth('p0', { peerName: 'p1' });
  const { kind, data } = await ipKindOf(ns, 'vrf-blue');
  const s = await vrf.state();
  expect([s.kind, kind]).toEqual(['vrf', 'vrf']);
  expect(s.details).toEqual({ kind: 'vrf', table: data.table });
  expect(s.details).toEqual({ kind: 'vrf', table: 100 });
  await vrf.enslave(p!);
  expect(await ipPorts(ns, 'vrf-blue')).toEqual(['p0']);
  expect((await p!.state()).master).toEqual({ index: vrf.index, name: 'vrf-blue' });
  expect((await vrf.ports()).map((l) => l.name)).toEqual(['p0']);
  await vrf.release(p!);
  expect(await ipPorts(ns, 'vrf-blue')).toEqual([]);
  const e = await vrf.release(p!).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(InvalidArgumentError);
  expect((e as Error).message).toMatch(/is not a port of vrf vrf-blue/);
  await expectDeleted(ns, [vrf], ['lo', 'p0', 'p1']);
});
