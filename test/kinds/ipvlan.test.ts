// ipvlan devices against `ip -details`: each mode on its parent.
import { expect } from 'vitest';
import { createNetns, type IpvlanMode } from '../../src/index.ts';
import { expectDeleted, ipKindOf, kindTest } from '../helpers/kinds.ts';

kindTest(['ipvlan'], 'l2, l3 and l3s, as ip -details shows them, sharing the parent MAC; deleted', async () => {
  await using ns = await createNetns();
  const modes: IpvlanMode[] = ['l2', 'l3', 'l3s'];
  const made = [];
  // One parent each: the mode belongs to the parent's ipvlan port, which every ipvlan on it shares.
  for (const mode of modes) {
    const [p] = await ns.addVeth(`p-${mode}`, { peerName: `q-${mode}` });
    made.push(await ns.addIpvlan(`i-${mode}`, { link: p!, mode }));
  }
  for (const [i, m] of made.entries()) {
    const { ip, kind, data } = await ipKindOf(ns, m.name);
    const s = await m.state();
    expect([s.kind, kind]).toEqual(['ipvlan', 'ipvlan']);
    expect(s.details).toEqual({ kind: 'ipvlan', mode: data.mode });
    expect(s.details).toEqual({ kind: 'ipvlan', mode: modes[i] });
    expect(ip.link).toBe(`p-${modes[i]}`);
    expect(s.mac).toBe((await ipKindOf(ns, `p-${modes[i]}`)).ip.address);
  }
  await expectDeleted(ns, made, modes.flatMap((m) => [`p-${m}`, `q-${m}`]).concat('lo'));
});
