// The other side of a race: adopts a namespace by path, waits (spinning, not sleeping: the
// point is to start at the same instant as the harness) until a given time, then adds a tap of
// the given name, prints the outcome as JSON, and exits without deleting anything.
// argv: namespace path, tap name, start time (performance.timeOrigin + performance.now(), ms).
import { performance } from 'node:perf_hooks';
import { adoptNetns, NslabError } from '../../src/index.ts';

const [path, name, at] = process.argv.slice(2) as [string, string, string];
const ns = await adoptNetns({ path }, 'racer');
const startAt = Number(at);
while (performance.timeOrigin + performance.now() < startAt);
let outcome: unknown;
try {
  await ns.addTap(name, { owner: 'none' });
  outcome = 'ok';
} catch (error) {
  const e = error as Error & { code?: string };
  outcome = { name: e.name, message: e.message, code: e.code, nslab: error instanceof NslabError };
}
process.stdout.write(`${JSON.stringify(outcome)}\n`);
// Exit without destroy(): the adopted handle would delete the tap it made.
process.exit(0);
