// bond devices against `ip -details`: every mode, miimon, ports enslaved and released, the active slave.
import { expect } from 'vitest';
import { AlreadyEnslavedError, createNetns, InvalidArgumentError, type BondMode } from '../../src/index.ts';
import { waitForState } from '../../src/wait/state.ts';
import { expectDeleted, ipKindOf, kindTest } from '../helpers/kinds.ts';
import { ipLinkOf, ipPorts } from '../helpers/oracle.ts';

const MODES: BondMode[] = [
  'balance-rr',
  'active-backup',
  'balance-xor',
  'broadcast',
  '802.3ad',
  'balance-tlb',
  'balance-alb',
];

kindTest(['bond'], 'every mode and miimon as ip -details shows them; deleted', async () => {
  await using ns = await createNetns();
  const made = [];
  for (const [i, mode] of MODES.entries()) made.push(await ns.addBond(`bond${i}`, { mode, miimon: 50 + i }));
  for (const [i, b] of made.entries()) {
    const { kind, data } = await ipKindOf(ns, b.name);
    const s = await b.state();
    expect([s.kind, kind]).toEqual(['bond', 'bond']);
    expect(s.details).toEqual({ kind: 'bond', mode: data.mode, miimon: data.miimon, activeSlave: undefined });
    expect(s.details).toMatchObject({ mode: MODES[i], miimon: 50 + i });
  }
  await expectDeleted(ns, made, ['lo']);
});

kindTest(
  ['bond'],
  'active-backup: ports enslaved while down, the active slave as ip names it, one released',
  async () => {
    await using ns = await createNetns();
    const bond = await ns.addBond('bond0', { mode: 'active-backup', miimon: 100 });
    const [p0, p1] = await ns.addVeth('p0', { peerName: 'p1' });
    const [q0, q1] = await ns.addVeth('q0', { peerName: 'q1' });
    await bond.enslave(p0!);
    await bond.enslave(q0!);
    expect(await ipPorts(ns, 'bond0')).toEqual(['p0', 'q0']);
    for (const l of [p1!, q1!, bond]) await l.up();
    const w = await waitForState(bond, (s) => s.details?.kind === 'bond' && s.details.activeSlave !== undefined, {
      timeout: 10_000,
    });
    expect(w.met, `no active slave: ${JSON.stringify(w.value.details)}`).toBe(true);
    const { data } = await ipKindOf(ns, 'bond0');
    const active = w.value.details?.kind === 'bond' ? w.value.details.activeSlave : undefined;
    expect((await ipLinkOf(ns, String(data.active_slave))).ifindex).toBe(active);
    await bond.release(q0!);
    expect(await ipPorts(ns, 'bond0')).toEqual(['p0']);
    expect((await bond.ports()).map((l) => l.name)).toEqual(['p0']);
    await expectDeleted(ns, [bond], ['lo', 'p0', 'p1', 'q0', 'q1']);
  },
);

kindTest(['bond', 'bridge'], 'a port that is up, or already has a master, is refused before the request', async () => {
  await using ns = await createNetns();
  const bond = await ns.addBond('bond0');
  const br = await ns.addBridge('br0');
  const [p] = await ns.addVeth('p0', { peerName: 'p1' });
  const [q] = await ns.addVeth('q0', { peerName: 'q1' });
  await p!.attachTo(br);
  const e = await bond.enslave(p!).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(AlreadyEnslavedError);
  expect(e).toMatchObject({ device: p!.toString(), master: 'br0' });
  expect((await ipLinkOf(ns, 'p0')).master).toBe('br0');
  await q!.up();
  const up = await bond.enslave(q!).catch((err: unknown) => err);
  expect(up).toBeInstanceOf(InvalidArgumentError);
  expect((up as Error).message).toMatch(/is up, and the bonding driver takes only ports that are down/);
  // The refusal nslab replaces: the kernel's own, as iproute2 gets it.
  const r = await ns.exec('ip', ['link', 'set', 'q0', 'master', 'bond0'], { reject: false });
  expect(String(r.stderr)).toMatch(/enslaved while up|Operation not permitted/);
  expect(await ipPorts(ns, 'bond0')).toEqual([]);
});
