// nslab's side of the fixture-cycle benchmark, in the baselines' format (bench/baselines/README.md):
//   node bench/nslab-cycle.ts N [WARMUP] [--state]  ->  {"name":"nslab","cycles_ms":[...]}
// One cycle: new namespace; bridge br0; tap tap0 with MAC 52:54:00:00:00:01 (persistent, no
// owner, as the baselines make it); attach; both up; read the bridge's flags, operstate, carrier
// and bridge ID; destroy. All in this process, no program spawned.
// The read is Link.read(), one targeted RTM_GETLINK like every baseline does. --state reads
// Bridge.state() instead (ports read first, so operstate/carrier are settled; plus addresses):
// name "nslab-state".
import { performance } from 'node:perf_hooks';
import { createNetns } from '../src/index.ts';

export interface CycleRead {
  flags: string[];
  operstate: string;
  carrier: boolean | undefined;
  bridgeId: string | undefined;
}

export async function fixtureCycle(settled = false): Promise<CycleRead> {
  const ns = await createNetns();
  try {
    const br = await ns.addBridge('br0');
    const tap = await ns.addTap('tap0', { mac: '52:54:00:00:00:01', owner: 'none' });
    await tap.attachTo(br);
    await br.up();
    await tap.up();
    const { flags, operstate, carrier, bridgeId } = settled ? await br.state() : await br.read();
    if (!flags.includes('UP') || bridgeId !== '8000.525400000001') {
      throw new Error(`nslab-cycle: unexpected br0 state ${JSON.stringify({ flags, bridgeId })}`);
    }
    return { flags, operstate, carrier, bridgeId };
  } finally {
    await ns.destroy();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const settled = args.includes('--state');
  const [n = 200, warmup = 0] = args.filter((a) => a !== '--state').map(Number);
  if (!Number.isInteger(n) || !Number.isInteger(warmup) || n < 0 || warmup < 0) {
    process.stderr.write('usage: node bench/nslab-cycle.ts N [WARMUP] [--state]\n');
    process.exit(2);
  }
  // SIGINT/SIGTERM: finish the current cycle (its namespace is destroyed in finally), then stop.
  let stop: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    stop = signal;
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  const seen = new Map<string, number>();
  let last: CycleRead | undefined;
  const cycles: number[] = [];
  for (let i = 0; i < warmup + n && !stop; i++) {
    const t0 = performance.now();
    last = await fixtureCycle(settled);
    const dt = performance.now() - t0;
    if (i >= warmup) cycles.push(Math.round(dt * 1000) / 1000);
    const key = `${last.operstate}/carrier=${last.carrier}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  if (stop) {
    process.stderr.write(`nslab-cycle: stopped by ${stop}\n`);
    process.exit(stop === 'SIGINT' ? 130 : 143);
  }
  if (last)
    process.stderr.write(
      `nslab-cycle: last br0 read ${JSON.stringify(last)}; (operstate/carrier) over ${warmup + n} cycles: ${JSON.stringify(Object.fromEntries(seen))}\n`,
    );
  process.stdout.write(`${JSON.stringify({ name: settled ? 'nslab-state' : 'nslab', cycles_ms: cycles })}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
