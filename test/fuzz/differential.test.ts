// The differential check: random topologies (seeded, see property.ts) built in namespaces nslab
// creates, then read by nslab and by iproute2, which must agree field by field. The kernel keeps
// changing some state for a while after a build (operstate through linkwatch, DAD), so a
// comparison counts only when nslab read the same thing just before and just after iproute2;
// until then it re-reads, up to one deadline.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { pollUntil } from '../helpers/poll.ts';
import { checkProperty, diffTopologies } from './property.ts';
import { build, topology } from './topology.ts';
import { ipView, nslabView, type DeviceView } from './views.ts';
import type { Netns } from '../../src/index.ts';

const SETTLE_MS = 15_000;
let built = 0;

interface Reading {
  before: DeviceView[];
  ip: DeviceView[];
  after: DeviceView[];
}

const read = async (ns: Netns): Promise<Reading> => ({
  before: await nslabView(ns),
  ip: await ipView(ns),
  after: await nslabView(ns),
});
const settled = (r: Reading): boolean => JSON.stringify(r.before) === JSON.stringify(r.after);

test(
  `nslab and ip -json -details agree on ${diffTopologies()} random topologies`,
  async () => {
    await checkProperty(
      'differential: nslab vs ip -json -details',
      fc.asyncProperty(topology, async (t) => {
        await using b = await build(t, `diff${++built}`);
        for (const ns of b.namespaces) {
          const r = await pollUntil(() => read(ns), settled, SETTLE_MS);
          const { before, after } = r.value;
          const moving = `the state kept changing for ${SETTLE_MS} ms: ${JSON.stringify(before)} then ${JSON.stringify(after)}`;
          expect(r.met, moving).toBe(true);
          expect(r.value.before).toEqual(r.value.ip);
        }
      }),
      { runs: diffTopologies(), differential: true },
    );
  },
  60_000 + diffTopologies() * 30_000,
);
