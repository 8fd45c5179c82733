// A reply larger than the 64 KiB receive buffer, to a GET. Alone in its file: it must be the
// first such message the process reads, before the shared buffer has grown.
import { expect, test } from 'vitest';
import { createNetns } from '../../src/index.ts';
import { linkGet } from '../../src/rtnl/link.ts';
import { addManyAltnames } from '../helpers/altnames.ts';
import { ipLinks } from '../helpers/oracle.ts';
import { parseName } from '../../src/values/name.ts';

test('a GET whose reply is over 64 KiB (a bridge with ~490 alternative names) returns the link', async () => {
  await using ns = await createNetns();
  const big = await ns.addBridge('br-big');
  expect(await addManyAltnames(ns, big.index)).toBe(490);
  const oracle = (await ipLinks(ns)).find((l) => l.ifname === 'br-big')!;
  const link = linkGet(ns.rtnl, parseName('br-big'));
  expect([link.index, link.name, link.kind]).toEqual([oracle.ifindex, oracle.ifname, 'bridge']);
});
