// nslab's side of the routes bench (bench/routes.ts), in a process of its own so that its memory
// is its own:
//   node --expose-gc bench/routes-nslab.ts ROUTES LOOKUPS  ->  one JSON line (RoutesRun)
// In a fresh namespace: veth v0/v1 up, 192.0.2.1/24 on v0, the rule `pref 100 lookup 1000`
// (bench/lib/route-set.ts); then timed: ns.route.addAll() of ROUTES routes (the first call in the
// process, and again into a second namespace once V8 has compiled the code), ns.route.list() of
// every IPv4 route (then, warm, of table 1000 alone and of all again, to see whether the dump's
// cost per route grows with the count), LOOKUPS ns.route.get()s. The memory the routes take once read into JavaScript: the
// V8 heap and the RSS after a full GC, with the list's result kept, minus before the list.
import { performance } from 'node:perf_hooks';
import { createNetns, type Netns, type Route } from '../src/index.ts';
import { FIRST_TABLE, GATEWAY, LOCAL, lookupTargets, routeSet, RULE_PRIORITY } from './lib/route-set.ts';

/** One contender's run, as every routes worker prints it (snake case, like the baselines'). */
export interface RoutesRun {
  name: string;
  add_ms: number;
  /** nslab only: the same add into a second namespace, V8 warm. */
  warm_add_ms?: number;
  dump_ms: number;
  /** Routes of the tables the bench filled that the dump returned. */
  dump_routes: number;
  /** Each lookup's time, µs. */
  lookup_us: number[];
  /** nslab only: after the first dump, the dump of table 1000 alone, the routes in it, and the whole dump again. */
  table_dump_ms?: number;
  table_routes?: number;
  warm_dump_ms?: number;
  /** nslab only: heap and RSS growth from reading the dump into JavaScript, MiB. */
  heap_mib?: number;
  rss_mib?: number;
}

const MiB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;
const ours = (r: Route): boolean => typeof r.table === 'number' && r.table >= FIRST_TABLE;

const WARM_DUMPS = 5;

/** The shortest time of WARM_DUMPS calls of list, ms. */
async function fastest(list: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < WARM_DUMPS; i++) {
    const t0 = performance.now();
    await list();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** A fresh namespace as every contender's: veth v0/v1 up, 192.0.2.1/24 on v0, the rule `pref 100 lookup 1000`. */
async function wired(): Promise<Netns> {
  const ns = await createNetns();
  const [v0, v1] = await ns.addVeth('v0', { peerName: 'v1' });
  await v0!.up();
  await v1!.up();
  await v0!.addAddress(LOCAL);
  await ns.rule.add({ family: 4, priority: RULE_PRIORITY, table: FIRST_TABLE });
  return ns;
}

async function main(): Promise<void> {
  const [count, lookups] = process.argv.slice(2).map(Number);
  if (!Number.isInteger(count) || !Number.isInteger(lookups) || !gc) {
    process.stderr.write('usage: node --expose-gc bench/routes-nslab.ts ROUTES LOOKUPS\n');
    process.exit(2);
  }
  const specs = routeSet(count!).map((r) => ({ dst: r.dst, via: GATEWAY, dev: 'v0', table: r.table }));
  const ns = await wired();
  try {
    let t0 = performance.now();
    await ns.route.addAll(specs);
    const addMs = performance.now() - t0;

    gc();
    const before = process.memoryUsage();
    t0 = performance.now();
    const routes = await ns.route.list({ family: 4, table: 'all' });
    const dumpMs = performance.now() - t0;
    gc();
    const after = process.memoryUsage();

    // Whether the dump's cost per route grows with the count: one table against all of them,
    // both warm (the first dump above also paid for compiling the decoder), the fastest of
    // WARM_DUMPS each (a GC landing in one is noise here, not the dump's cost).
    const table = await ns.route.list({ family: 4, table: FIRST_TABLE });
    const tableMs = await fastest(() => ns.route.list({ family: 4, table: FIRST_TABLE }));
    const warmMs = await fastest(() => ns.route.list({ family: 4, table: 'all' }));

    const lookupUs: number[] = [];
    for (const dst of lookupTargets(lookups!)) {
      t0 = performance.now();
      const found = await ns.route.get(dst);
      lookupUs.push(Math.round((performance.now() - t0) * 1000 * 10) / 10);
      if (found.via !== GATEWAY) throw new Error(`routes-nslab: ${dst} looked up ${JSON.stringify(found)}`);
    }
    // The same again in a second namespace, once V8 has compiled the code the first add ran.
    const second = await wired();
    t0 = performance.now();
    await second.route.addAll(specs);
    const warmAddMs = performance.now() - t0;
    await second.destroy();
    const run: RoutesRun = {
      name: 'nslab',
      add_ms: addMs,
      warm_add_ms: warmAddMs,
      dump_ms: dumpMs,
      dump_routes: routes.filter(ours).length,
      lookup_us: lookupUs,
      table_dump_ms: tableMs,
      table_routes: table.length,
      warm_dump_ms: warmMs,
      heap_mib: (after.heapUsed - before.heapUsed) / MiB,
      rss_mib: (after.rss - before.rss) / MiB,
    };
    process.stdout.write(`${JSON.stringify(run)}\n`);
  } finally {
    await ns.destroy();
  }
}

await main();
