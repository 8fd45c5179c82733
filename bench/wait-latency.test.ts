// Section 3: wait latency (run by bench/run.ts through bench/vitest.config.ts, not by npm test).
// A bridge whose only port is a tap held open by a holder process; the holder closes its
// descriptor; how long until (a) the tap's carrier loss and (b) the bridge's operstate "down"
// are seen by each observer, timed from just before closeFd():
//   matchers: `await expect(tap).not.toHaveCarrier()` then `await expect(br).toHaveOperstate('down')`,
//             as a test writes them (they start after closeFd() has returned);
//   listener: a notification socket alone (ns.events after flush()), no request at all;
//   sysfs:    a process inside the namespace with its own sysfs mount, reading
//             /sys/class/net/{tap0/carrier,br0/operstate} every millisecond.
// One observer per repetition (a matcher's reads flush linkwatch, which would hand the others
// their notifications early), observers rotating, a fresh namespace each time.
// Records timings only; a run fails only if the kernel never shows the change.
import { writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { expect, test } from '../src/vitest.ts';
import type { Netns } from '../src/index.ts';
import { operstateOf } from '../src/values/operstate.ts';
import { AF_UNSPEC } from '../src/sys/constants.ts';

const POLLER = fileURLToPath(new URL('./sysfs-poller.ts', import.meta.url));
const OBSERVERS = ['matchers', 'listener', 'sysfs'] as const;
type Observer = (typeof OBSERVERS)[number];
const DEADLINE_MS = 8_000;

export interface LatencySample {
  observer: Observer;
  rep: number;
  /** From just before closeFd() until the observer saw carrier off / operstate down (ms); null: not seen. */
  carrierMs: number | null;
  operDownMs: number | null;
  /** How long closeFd() took (the holder's round trip). */
  closeFdMs: number;
  /** sysfs only: how many polls the poller made. */
  polls?: number;
}

async function setUp(
  ns: Netns,
): Promise<{ br: Awaited<ReturnType<Netns['addBridge']>>; tap: Awaited<ReturnType<Netns['addTap']>> }> {
  const br = await ns.addBridge('br0');
  const tap = await ns.addTap('tap0', { owner: 'holder' });
  await tap.attachTo(br);
  for (const link of [br, tap]) await link.up();
  // Settled before the clock starts: no linkwatch work left over from the setup.
  await Promise.all([expect(tap).toHaveCarrier(), expect(br).toHaveOperstate('up')]);
  return { br, tap };
}

/** Resolves after ms unless cancelled: the deadline of a wait for notifications, not a sleep. */
function deadline(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return { promise, cancel: () => clearTimeout(timer) };
}

async function withMatchers(ns: Netns): Promise<Omit<LatencySample, 'observer' | 'rep'>> {
  const { br, tap } = await setUp(ns);
  const t0 = performance.now();
  await tap.close();
  const closed = performance.now();
  await expect(tap).not.toHaveCarrier({ timeout: DEADLINE_MS });
  const carrier = performance.now();
  await expect(br).toHaveOperstate('down', { timeout: DEADLINE_MS });
  const down = performance.now();
  return { carrierMs: carrier - t0, operDownMs: down - t0, closeFdMs: closed - t0 };
}

async function withListener(ns: Netns): Promise<Omit<LatencySample, 'observer' | 'rep'>> {
  const { br, tap } = await setUp(ns);
  ns.events.flush();
  let carrierAt: number | undefined;
  let downAt: number | undefined;
  let seenBoth: () => void = () => undefined;
  const both = new Promise<void>((resolve) => (seenBoth = resolve));
  const unsubscribe = ns.events.subscribe((e) => {
    // AF_BRIDGE messages are the bridge's view of its port and carry no carrier.
    if (e.kind !== 'link' || e.action !== 'new' || e.link.family !== AF_UNSPEC) return;
    if (carrierAt === undefined && e.link.index === tap.index && e.link.carrier === false) carrierAt = e.at;
    if (downAt === undefined && e.link.index === br.index && operstateOf(e.link.operstate) === 'down') downAt = e.at;
    if (carrierAt !== undefined && downAt !== undefined) seenBoth();
  });
  const t0 = performance.now();
  await tap.close();
  const closed = performance.now();
  const limit = deadline(DEADLINE_MS);
  await Promise.race([both, limit.promise]);
  limit.cancel();
  unsubscribe();
  return {
    carrierMs: carrierAt === undefined ? null : carrierAt - t0,
    operDownMs: downAt === undefined ? null : downAt - t0,
    closeFdMs: closed - t0,
  };
}

async function withSysfs(ns: Netns): Promise<Omit<LatencySample, 'observer' | 'rep'>> {
  const { tap } = await setUp(ns);
  // sysfs shows the devices of the namespace of whoever mounted it: mount one inside the namespace, in a mount namespace of the poller's own.
  const poller = ns.exec(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      'mount -t sysfs nslab-bench /sys && exec "$@"',
      'sh',
      process.execPath,
      POLLER,
      'tap0',
      'br0',
      String(DEADLINE_MS + 5_000),
    ],
    { buffer: false, stderr: 'inherit' },
  );
  const lines = createInterface({ input: poller.stdout! });
  const [first] = (await once(lines, 'line')) as [string];
  if (first !== 'ready') throw new Error(`sysfs poller: ${first}`);
  const t0ns = process.hrtime.bigint();
  const t0 = performance.now();
  await tap.close();
  const closed = performance.now();
  const [result] = (await once(lines, 'line')) as [string];
  const r = JSON.parse(result) as { carrierLostNs?: string; operDownNs?: string; polls: number };
  await poller.catch(() => undefined);
  const since = (ns: string | undefined): number | null => (ns === undefined ? null : Number(BigInt(ns) - t0ns) / 1e6);
  return { carrierMs: since(r.carrierLostNs), operDownMs: since(r.operDownNs), closeFdMs: closed - t0, polls: r.polls };
}

const observe: Record<Observer, (ns: Netns) => Promise<Omit<LatencySample, 'observer' | 'rep'>>> = {
  matchers: withMatchers,
  listener: withListener,
  sysfs: withSysfs,
};

test('wait latency: matchers, a passive listener and sysfs polling, after a tap holder closes its descriptor', async ({
  makeNetns,
}) => {
  const out = process.env.NSLAB_BENCH_OUT;
  const reps = Number(process.env.NSLAB_BENCH_REPS ?? 20);
  const samples: LatencySample[] = [];
  for (let rep = 0; rep < reps; rep++) {
    for (let i = 0; i < OBSERVERS.length; i++) {
      const observer = OBSERVERS[(i + rep) % OBSERVERS.length]!;
      const ns = await makeNetns({ label: `lat${rep}-${observer}` });
      try {
        samples.push({ observer, rep, ...(await observe[observer](ns)) });
      } finally {
        await ns.destroy();
      }
    }
  }
  if (out) writeFileSync(out, JSON.stringify(samples));
  // The kernel must have shown each change to every observer (no time limit on how fast).
  expect(samples.filter((s) => s.carrierMs === null || s.operDownMs === null)).toEqual([]);
});
