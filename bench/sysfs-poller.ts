// Polls sysfs every millisecond for a tap's carrier and a bridge's operstate; run inside the
// namespace with its own sysfs mounted (sysfs shows the network namespace of the process that
// mounted it, so the host's /sys would show the host's devices):
//   unshare --mount -- sh -c 'mount -t sysfs sysfs /sys && exec node sysfs-poller.ts TAP BRIDGE TIMEOUT_MS'
// Prints "ready" once it has read carrier 1 and operstate "up", then one JSON line with the
// CLOCK_MONOTONIC nanoseconds (process.hrtime, comparable across processes) at which it first
// read carrier 0 and operstate "down", and how many polls it made.
import { readFileSync } from 'node:fs';

const [tap = 'tap0', bridge = 'br0', timeout = '5000'] = process.argv.slice(2);
const carrierPath = `/sys/class/net/${tap}/carrier`;
const operstatePath = `/sys/class/net/${bridge}/operstate`;
const tick = new Int32Array(new SharedArrayBuffer(4));
// A bounded synchronous pause of ~1 ms (no timers: they would add the event loop's latency).
const pause = (): void => void Atomics.wait(tick, 0, 0, 1);

const read = (path: string): string => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    // carrier reads fail with EINVAL while the device is down
    return `error:${(error as NodeJS.ErrnoException).code ?? 'unknown'}`;
  }
};

const now = (): bigint => process.hrtime.bigint();
const deadline = now() + BigInt(Number(timeout)) * 1_000_000n;
let polls = 0;
// Ready once the starting state is there (bounded by the same deadline).
while (!(read(carrierPath) === '1' && read(operstatePath) === 'up')) {
  if (now() > deadline) {
    process.stdout.write(
      `${JSON.stringify({ error: `not ready: carrier ${read(carrierPath)}, operstate ${read(operstatePath)}` })}\n`,
    );
    process.exit(1);
  }
  pause();
}
process.stdout.write('ready\n');
let carrierLostNs: string | undefined;
let operDownNs: string | undefined;
while ((carrierLostNs === undefined || operDownNs === undefined) && now() < deadline) {
  polls++;
  if (carrierLostNs === undefined && read(carrierPath) === '0') carrierLostNs = String(now());
  if (operDownNs === undefined && read(operstatePath) === 'down') operDownNs = String(now());
  pause();
}
process.stdout.write(`${JSON.stringify({ carrierLostNs, operDownNs, polls })}\n`);
