// Section 5: routes. 10,000 IPv4 routes added to one namespace, dumped, and 10,000 lookups, by
// nslab (bench/routes-nslab.ts), iproute2 (`ip -batch`, bench/baselines/ip-routes.sh) and
// pyroute2 (bench/baselines/pyroute2_routes.py); the route set is bench/lib/route-set.ts's. Each
// contender runs in a process and a fresh namespace of its own; rounds interleave them in an
// order that rotates, so the machine's noise hits each alike, and before each run the kernel has
// freed the namespaces of the runs before (teardown of 10,000 routes holds RTNL for a while).
// `ip route get` costs a process per lookup, so it gets a smaller sample; lookups compare per
// lookup medians.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { netnsBaseline, waitNetnsFreed } from './lib/kernel.ts';
import { Interrupted, run, stopRequested } from './lib/procs.ts';
import { median, summarize, type Summary } from './lib/stats.ts';
import { lastTable, writeRouteFiles } from './lib/route-set.ts';
import type { RoutesRun } from './routes-nslab.ts';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export interface RoutesOptions {
  rounds: number;
  routes: number;
  lookups: number;
  /** Lookups of `ip route get`, a process each. */
  ipLookups: number;
  log: (line: string) => void;
}

interface RoutesContender {
  name: string;
  what: string;
  file: string;
  args: (o: RoutesOptions, routesFile: string, lookupsFile: string) => string[];
}

const CONTENDERS: RoutesContender[] = [
  {
    name: 'nslab',
    what: '`ns.route.addAll()` (checked, one link dump, batched sends), `ns.route.list()`, `ns.route.get()` per lookup',
    file: process.execPath,
    args: (o) => ['--expose-gc', here('./routes-nslab.ts'), String(o.routes), String(o.lookups)],
  },
  {
    name: 'ip',
    what: 'one `ip -n NS -batch FILE` for the adds, `ip -n NS -4 route show table all`, one `ip -n NS route get` process per lookup',
    file: 'bash',
    args: (o, routes, lookups) => [here('./baselines/ip-routes.sh'), routes, lookups, String(o.ipLookups)],
  },
  {
    name: 'pyroute2',
    what: '`IPRoute.route("add", ...)` per route (in the namespace by `pushns`), `get_routes(family=AF_INET)`, `route("get", ...)` per lookup',
    file: '/usr/bin/python3',
    args: (_, routes, lookups) => [here('./baselines/pyroute2_routes.py'), routes, lookups],
  },
];

export interface RoutesContenderResult {
  name: string;
  what: string;
  /** Per round, ms. */
  addMs: Summary;
  dumpMs: Summary;
  /** Pooled over every lookup of every round, µs. */
  lookupUs: Summary;
  /** Routes of the bench's tables each dump returned (every round's). */
  dumpRoutes: number[];
  errors: string[];
}

export interface RoutesResult {
  rounds: number;
  routes: number;
  tables: string;
  lookups: number;
  ipLookups: number;
  contenders: RoutesContenderResult[];
  /** nslab: the add again into a second namespace, V8 warm, median over rounds. */
  warmAddMs: number;
  /** nslab, warm: the dump of table 1000 alone, its routes, and the whole dump again; medians over rounds. */
  tableDumpMs: number;
  tableRoutes: number;
  warmDumpMs: number;
  /** nslab: heap and RSS growth from reading the dump into JavaScript, medians over rounds, MiB. */
  heapMiB: number;
  rssMiB: number;
  wallS: number;
}

export async function routesSection(options: RoutesOptions): Promise<RoutesResult> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'nslab-bench-routes-'));
  const runs = new Map<string, RoutesRun[]>(CONTENDERS.map((c) => [c.name, []]));
  const errors = new Map<string, string[]>(CONTENDERS.map((c) => [c.name, []]));
  try {
    const routesFile = join(dir, 'routes.txt');
    const lookupsFile = join(dir, 'lookups.txt');
    writeRouteFiles(routesFile, lookupsFile, options.routes, options.lookups);
    for (let round = 0; round < options.rounds; round++) {
      const line: string[] = [];
      for (let k = 0; k < CONTENDERS.length; k++) {
        const c = CONTENDERS[(k + round) % CONTENDERS.length]!;
        if (stopRequested()) throw new Interrupted(stopRequested()!);
        const baseline = await netnsBaseline();
        const r = await run(c.file, c.args(options, routesFile, lookupsFile), { timeoutMs: 600_000 });
        await waitNetnsFreed(baseline, 60, r.endedAt);
        try {
          if (r.code !== 0)
            throw new Error(`exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
          const result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as RoutesRun;
          if (result.dump_routes !== options.routes)
            throw new Error(`its dump had ${result.dump_routes} of the ${options.routes} routes`);
          runs.get(c.name)!.push(result);
          line.push(`${c.name} add ${result.add_ms.toFixed(0)} ms, dump ${result.dump_ms.toFixed(1)} ms`);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          errors.get(c.name)!.push(message);
          options.log(`  ${c.name}: ${message}`);
        }
      }
      options.log(`  round ${round + 1}/${options.rounds}: ${line.join('; ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const nslab = runs.get('nslab')!;
  return {
    rounds: options.rounds,
    routes: options.routes,
    tables: `1000–${lastTable(options.routes)}`,
    lookups: options.lookups,
    ipLookups: options.ipLookups,
    contenders: CONTENDERS.map((c) => {
      const rs = runs.get(c.name)!;
      return {
        name: c.name,
        what: c.what,
        addMs: summarize(rs.map((x) => x.add_ms)),
        dumpMs: summarize(rs.map((x) => x.dump_ms)),
        lookupUs: summarize(rs.flatMap((x) => x.lookup_us)),
        dumpRoutes: rs.map((x) => x.dump_routes),
        errors: errors.get(c.name)!,
      };
    }),
    tableDumpMs: median(nslab.map((x) => x.table_dump_ms!)),
    tableRoutes: median(nslab.map((x) => x.table_routes!)),
    warmDumpMs: median(nslab.map((x) => x.warm_dump_ms!)),
    warmAddMs: median(nslab.map((x) => x.warm_add_ms!)),
    heapMiB: median(nslab.map((x) => x.heap_mib!)),
    rssMiB: median(nslab.map((x) => x.rss_mib!)),
    wallS: (performance.now() - t0) / 1000,
  };
}
