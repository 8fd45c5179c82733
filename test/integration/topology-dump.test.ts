// The failure dump's "recent events" are the namespace's notifications up to the moment of the
// dump, even those the kernel queued but the event loop has not read yet: on a loaded machine
// the reactor's read can come well after the failure.
import { expect, test } from 'vitest';
import { createNetns } from '../../src/index.ts';
import { describeTopology } from '../../src/netns/topology.ts';

test('the dump reads the notifications already queued before it lists the recent events', async () => {
  await using ns = await createNetns({ label: 'dump-now' });
  void ns.events;
  // No turn of the event loop between the change and the dump: only promise jobs run, so the
  // reactor has not read the bridge's notification yet.
  await ns.addBridge('nowbr0');
  const dump = await describeTopology(ns);
  expect(dump).toMatch(/^recent events:\n {2}-\d+ ms newlink nowbr0 /m);
});
