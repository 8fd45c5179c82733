// The kill trials' workload: builds and tears down what test runs build — pinned and unpinned
// namespaces, bridges, taps of every owner (holder processes among them), veths between
// namespaces and into a witness namespace, addresses, notification and capture sockets, programs run
// inside (one of which forks) — in a loop, until it is SIGKILLed at a random moment.
// Every namespace is reported (inode, veth peer in the witness) as soon as it exists, with a
// synchronous write, so the harness knows it even when the kill comes right after.
// argv: witness namespace path, "fork" to run the forking program, a container image or "-".
import { fstatSync, writeSync } from 'node:fs';
import { adoptNetns, createNetns, type Netns } from '../../src/index.ts';

const witness = await adoptNetns({ path: process.argv[2]! }, 'witness');
const forking = process.argv[3] === 'fork';
const image = process.argv[4] && process.argv[4] !== '-' ? process.argv[4] : undefined;
const cycles = 1000;
const say = (o: object): void => {
  writeSync(1, `${JSON.stringify(o)}\n`);
};
let peers = 0;

async function namespace(label: string, pin: boolean): Promise<Netns> {
  const ns = await createNetns({ label, pin });
  const peer = `w${++peers}`;
  say({ ns: fstatSync(ns.fd).ino, label, pinned: pin, peer });
  // The witness loses this veth end only when the kernel frees the namespace.
  await ns.addVeth('to-witness', { peerName: peer, peerNs: witness });
  return ns;
}

say({ ready: process.pid });
const live: Netns[] = [];
for (let cycle = 0; cycle < cycles; cycle++) {
  const a = await namespace(`a${cycle}`, true);
  live.push(a);
  const b = await namespace(`b${cycle}`, false);
  live.push(b);
  const br = await a.addBridge('br0');
  const taps = [
    await a.addTap('tap0', { owner: 'holder' }),
    await a.addTap('tap1'),
    await a.addTap('tap2', { owner: 'none' }),
  ];
  for (const tap of taps) {
    await tap.attachTo(br);
    await tap.up();
  }
  await br.up();
  await br.addAddress('192.0.2.1/24');
  await br.addAddress('2001:db8::1/64');
  const [va] = await a.addVeth('va', { peerName: 'vb', peerNs: b });
  await va!.attachTo(br);
  await b.addTap('tapb', { owner: 'holder' });
  void a.events.subscribe(() => undefined);
  // A capture socket pins its namespace until closed: by stop() (every other cycle), by
  // destroy() (the rest), or by the kernel when the kill comes.
  const capture = await a.capture(br, { snaplen: 128 });
  if (cycle % 2) capture.stop();
  void a.exec('sleep', ['600']).catch(() => undefined);
  // A program that forks: its child is not the one setpriv gave a parent-death signal to.
  if (forking) void b.exec('sh', ['-c', 'sleep 600 & wait']).catch(() => undefined);
  if (image && cycle === 0) {
    const { adoptContainer, IDLE_CMD, startContainer } = await import('../../src/container/index.ts');
    const started = await startContainer({ image, cmd: IDLE_CMD });
    say({ container: started.getId() });
    const container = await adoptContainer(started);
    // The container's namespace lives as long as the container: it is not the runner's to free.
    say({ containerNs: fstatSync(container.ns.fd).ino });
    await container.plug(a, { name: 'to-box', peerName: 'eth0' });
  }
  await b.exec('ip', ['-json', 'link', 'show']);
  say({ cycle });
  // Churn: keep at most two cycles alive, so kills land in teardown as often as in set-up.
  while (live.length > 4) await live.shift()!.destroy();
}
for (const ns of live) await ns.destroy();
await witness.destroy();
say({ done: true });
