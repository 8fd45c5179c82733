// netkit pairs against `ip -details` (an iproute2 that knows netkit: 6.7 and later prints its
// info_data; an older one only the kind).
import { expect } from 'vitest';
import { createNetns } from '../../src/index.ts';
import { expectDeleted, ipKindOf, kindTest } from '../helpers/kinds.ts';

kindTest(
  ['netkit'],
  'a pair across namespaces: mode and policies as ip -details shows them; deleted with its peer',
  async () => {
    await using ns = await createNetns();
    await using other = await createNetns();
    const [nk0, nk1] = await ns.addNetkit('nk0', {
      peerName: 'nk1',
      peerNs: other,
      mode: 'l2',
      policy: 'forward',
      peerPolicy: 'blackhole',
    });
    const { kind, data } = await ipKindOf(ns, 'nk0');
    expect(kind).toBe('netkit');
    expect((await ipKindOf(other, 'nk1')).kind).toBe('netkit');
    const [near, far] = [await nk0.state(), await nk1!.state()];
    expect(near.details).toMatchObject({
      kind: 'netkit',
      mode: 'l2',
      policy: 'forward',
      peerPolicy: 'blackhole',
      primary: true,
    });
    expect(far.details).toMatchObject({ kind: 'netkit', primary: false });
    if (data.mode !== undefined) expect(near.details).toMatchObject({ mode: data.mode, policy: data.policy });
    await expectDeleted(ns, [nk0], ['lo']);
    expect((await other.links()).map((l) => l.name)).toEqual(['lo']);
  },
);
