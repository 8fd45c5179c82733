// nslab's side of the fixture-cycle benchmark, in the baselines' format (bench/baselines/README.md):
//   node bench/nslab-cycle.ts N [WARMUP]  ->  {"name":"nslab","cycles_ms":[...]}
// One cycle: new namespace; bridge br0; tap tap0 with MAC 52:54:00:00:00:01 (persistent, no
// owner, as the baselines make it); attach; both up; read the bridge's flags, operstate, carrier
// and bridge ID; destroy. All in this process, no program spawned.
import { performance } from 'node:perf_hooks';
import { createNetns } from '../src/index.ts';

export async function fixtureCycle(): Promise<{ flags: string[]; operstate: string; carrier: boolean | undefined; bridgeId: string | undefined }> {
  const ns = await createNetns();
  try {
    const br = await ns.addBridge('br0');
    const tap = await ns.addTap('tap0', { mac: '52:54:00:00:00:01', owner: 'none' });
    await tap.attachTo(br);
    await br.up();
    await tap.up();
    const { flags, operstate, carrier, bridgeId } = await br.state();
    return { flags, operstate, carrier, bridgeId };
  } finally {
    await ns.destroy();
  }
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 200);
  const warmup = Number(process.argv[3] ?? 0);
  if (!Number.isInteger(n) || !Number.isInteger(warmup) || n < 1 || warmup < 0) {
    process.stderr.write('usage: node bench/nslab-cycle.ts N [WARMUP]\n');
    process.exit(2);
  }
  process.stderr.write(`${JSON.stringify(await fixtureCycle())}\n`);
  for (let i = 1; i < warmup; i++) await fixtureCycle();
  const cycles: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fixtureCycle();
    cycles.push(performance.now() - t0);
  }
  process.stdout.write(`${JSON.stringify({ name: 'nslab', cycles_ms: cycles })}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
