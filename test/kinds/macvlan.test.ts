// macvlan devices against `ip -details`: each mode, the parent, and the parents the kernel refuses.
import { expect } from 'vitest';
import { createNetns, InvalidArgumentError, type MacvlanMode } from '../../src/index.ts';
import { expectDeleted, ipKindOf, kindTest } from '../helpers/kinds.ts';

kindTest(['macvlan'], 'every mode, as ip -details shows it, on its parent; deleted', async () => {
  await using ns = await createNetns();
  const [p] = await ns.addVeth('p0', { peerName: 'p1' });
  const [q] = await ns.addVeth('q0', { peerName: 'q1' });
  const modes: MacvlanMode[] = ['private', 'vepa', 'bridge', 'source'];
  const made = [];
  for (const mode of modes) made.push(await ns.addMacvlan(`m-${mode}`, { link: p!, mode }));
  // passthru takes the parent over: one to a parent, alone.
  made.push(await ns.addMacvlan('m-passthru', { link: q!, mode: 'passthru' }));
  for (const m of made) {
    const { ip, kind, data } = await ipKindOf(ns, m.name);
    const s = await m.state();
    expect([s.kind, kind]).toEqual(['macvlan', 'macvlan']);
    expect(s.details).toEqual({ kind: 'macvlan', mode: data.mode });
    expect(ip.link).toBe(m.name === 'm-passthru' ? 'q0' : 'p0');
  }
  expect(made.map((m) => m.name)).toEqual([...modes, 'passthru'].map((mode) => `m-${mode}`));
  const defaulted = await ns.addMacvlan('m-default', { link: p!, mac: '52:54:00:00:00:0d' });
  const { ip, data } = await ipKindOf(ns, 'm-default');
  expect((await defaulted.state()).details).toEqual({ kind: 'macvlan', mode: data.mode });
  expect(ip.address).toBe('52:54:00:00:00:0d');
  await expectDeleted(ns, [...made, defaulted], ['lo', 'p0', 'p1', 'q0', 'q1']);
});

kindTest(['macvlan'], 'on a loopback: refused before the request, where the kernel says only EINVAL', async () => {
  await using ns = await createNetns();
  const e = await ns.addMacvlan('m0', { link: await ns.loopback() }).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(InvalidArgumentError);
  expect((e as Error).message).toMatch(/lo .* is a loopback device; the kernel refuses it \(EINVAL\)/);
  // What nslab spares the caller: iproute2 gets the bare errno.
  const r = await ns.exec('ip', ['link', 'add', 'link', 'lo', 'name', 'm1', 'type', 'macvlan'], { reject: false });
  expect(String(r.stderr)).toMatch(/Invalid argument/);
  expect((await ns.links()).map((l) => l.name)).toEqual(['lo']);
});
