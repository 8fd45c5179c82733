// One scale run, in a process of its own so that its memory is its own:
//   node --expose-gc bench/scale-worker.ts COUNT REPS [--events]
// Each rep creates COUNT namespaces, each with a bridge and two taps (owned by this process,
// attached, all up), then destroys them all, then waits until the kernel has freed them. The
// last rep also records memory: the process's (RSS, heap) and the kernel's (slab, live struct
// net). --events also starts each namespace's notification stream, as the Vitest fixture does.
// Prints one JSON line.
import { fstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createNetns, type Netns } from '../src/index.ts';
import { netnsBaseline, netnsObjects, slabMemory, waitNetnsFreed, type Drain, type SlabMemory } from './lib/kernel.ts';

export interface ScaleRep {
  createMs: number;
  destroyMs: number;
  /** Per namespace, in creation order. */
  perNsMs: number[];
  drain: Drain;
}

export interface ScaleMemory {
  before: { rssMiB: number; heapUsedMiB: number; externalMiB: number; fds: number; slab: SlabMemory; netns: number };
  peak: { rssMiB: number; heapUsedMiB: number; externalMiB: number; fds: number; slab: SlabMemory; netns: number };
  after: { rssMiB: number; heapUsedMiB: number; externalMiB: number; fds: number; slab: SlabMemory; netns: number };
}

export interface ScaleResult {
  count: number;
  events: boolean;
  reps: ScaleRep[];
  memory: ScaleMemory;
  /** After the last rep: descriptors of this process (after − before), pins, and namespaces still held by anyone. */
  leftovers: { fds: number; pins: string[]; held: string[] };
}

const MiB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const fds = (): number => readdirSync('/proc/self/fd').length;
/**
 * Which of these namespace inodes something still holds: a process (as its namespace or an open
 * descriptor) or a mount (a pin). A namespace nobody holds is being, or has been, torn down.
 */
function stillHeld(inodes: Set<string>): string[] {
  const found = new Set<string>();
  const note = (link: string): void => {
    const ino = /^net:\[(\d+)\]$/.exec(link)?.[1];
    if (ino && inodes.has(ino)) found.add(ino);
  };
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      note(readlinkSync(`/proc/${pid}/ns/net`));
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          note(readlinkSync(`/proc/${pid}/fd/${fd}`));
        } catch {
          // closed meanwhile
        }
      }
    } catch {
      // process gone meanwhile
    }
  }
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) note(line.split(' ')[3] ?? '');
  return [...found];
}

const pins = (): string[] => {
  try {
    return readdirSync('/run/netns').filter((n) => n.startsWith(`nslab-${process.pid}.`));
  } catch {
    return [];
  }
};

function snapshot(): ScaleMemory['before'] {
  const m = process.memoryUsage();
  return {
    rssMiB: m.rss / MiB,
    heapUsedMiB: m.heapUsed / MiB,
    externalMiB: m.external / MiB,
    fds: fds(),
    slab: slabMemory(),
    netns: netnsObjects(),
  };
}

async function populate(ns: Netns, events: boolean): Promise<void> {
  if (events) void ns.events;
  const br = await ns.addBridge('br0');
  for (const name of ['tap0', 'tap1']) {
    const tap = await ns.addTap(name);
    await tap.attachTo(br);
    await tap.up();
  }
  await br.up();
}

async function main(): Promise<void> {
  const [count = 1, reps = 1] = process.argv.slice(2, 4).map(Number);
  const events = process.argv.includes('--events');
  let stop = false;
  process.on('SIGINT', () => (stop = true)).on('SIGTERM', () => (stop = true));

  const baseline = await netnsBaseline();
  // Warm-up (JIT, first-use costs), not measured; then a settled kernel.
  const warm = await Promise.all([0, 1, 2].map(() => createNetns()));
  for (const ns of warm) await populate(ns, events);
  for (const ns of warm) await ns.destroy();
  await waitNetnsFreed(baseline, 60, performance.now());

  const out: ScaleRep[] = [];
  let memory: ScaleMemory | undefined;
  const inodes = new Set<string>();
  for (let rep = 0; rep < reps && !stop; rep++) {
    const last = rep === reps - 1;
    gc();
    const before = last ? snapshot() : undefined;
    const made: Netns[] = [];
    const perNsMs: number[] = [];
    const t0 = performance.now();
    try {
      for (let i = 0; i < count && !stop; i++) {
        const s = performance.now();
        const ns = await createNetns({ label: `scale${i}` });
        made.push(ns);
        if (last) inodes.add(String(fstatSync(ns.fd).ino));
        await populate(ns, events);
        perNsMs.push(performance.now() - s);
      }
    } finally {
      const t1 = performance.now();
      const peak = last && !stop ? snapshot() : undefined;
      for (const ns of made) await ns.destroy();
      const t2 = performance.now();
      const drain = await waitNetnsFreed(baseline, 15 + count * 0.06, t2);
      out.push({ createMs: t1 - t0, destroyMs: t2 - t1, perNsMs, drain });
      gc();
      if (before && peak) memory = { before, peak, after: snapshot() };
    }
  }
  if (stop || !memory) process.exit(130);
  const result: ScaleResult = {
    count,
    events,
    reps: out,
    memory,
    leftovers: { fds: memory.after.fds - memory.before.fds, pins: pins(), held: stillHeld(inodes) },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
