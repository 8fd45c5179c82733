// nslab for Vitest: `import 'nslab/vitest'` registers the matchers and their types;
// `import { test } from 'nslab/vitest'` adds the namespace fixtures.
import { expect, test as base } from 'vitest';
import { matchers, type NslabMatchers } from './assert/index.ts';
import { NslabError } from './errors.ts';
import { createNetns, type CreateNetnsOptions, type Netns } from './netns/netns.ts';
import { describeTopology } from './netns/topology.ts';
import { appendEvidence } from './assert/error-evidence.ts';
import { captureEvidence } from './capture/evidence.ts';

expect.extend(matchers);

declare module 'vitest' {
  interface Matchers<R extends void | Promise<void> = void | Promise<void>, T = unknown> extends NslabMatchers<void> {}
}

/** The makeNetns fixture: another namespace for this test, destroyed with it. */
export type MakeNetns = (options?: CreateNetnsOptions) => Promise<Netns>;

/**
 * Vitest's test with two fixtures: `makeNetns()` creates as many fresh namespaces as a test
 * needs, and `netns` is one made for you. All are destroyed after the test, whether it passed,
 * failed or timed out; a failed test's error carries a dump of each namespace and its events.
 */
export const test = base
  .extend('makeNetns', async ({ task }, { onCleanup }): Promise<MakeNetns> => {
    const made: Netns[] = [];
    let ended = false;
    onCleanup(async () => {
      ended = true;
      // Fixture cleanup runs before onTestFailed handlers, so the dump is taken here, while
      // the namespaces still exist.
      const error = task.result?.errors?.[0];
      if (error && made.length) {
        const dumps = await Promise.all(
          made.map((ns) =>
            describeTopology(ns).catch((e: unknown) => `namespace ${ns.label}: could not be read (${String(e)})`),
          ),
        );
        // The captures go with it, as pcap files whose paths the message names.
        const captures = captureEvidence(made, task.name);
        appendEvidence(error, `\n\nnslab topology at the failure:\n${dumps.join('\n')}${captures}`);
      }
      const results = await Promise.allSettled(made.map((ns) => ns.destroy()));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    });
    return async (options) => {
      const ns = await createNetns(options);
      // A timed-out test's body runs on after the cleanup (which may also have begun while this
      // one was created): what it makes now would never be destroyed.
      if (ended) {
        await ns.destroy();
        throw new NslabError(
          `makeNetns(): the test had already ended ("${task.name}" timed out, or did not await this call) and its namespaces ` +
            'were destroyed, so this one was destroyed at once; await everything the test starts, or give it a longer timeout',
        );
      }
      made.push(ns);
      // Start listening at once, so a failure report has the events from the beginning.
      void ns.events;
      return ns;
    };
  })
  .extend('netns', async ({ makeNetns }) => makeNetns());

/** test, by its other name. */
export const it = test;
export { expect };
export { configureWaits, waitDefaults, until, pollUntil } from './wait/until.ts';
export { waitForState, type WaitForStateOptions } from './wait/state.ts';
export type {
  NslabMatchers,
  WaitOption,
  AddressOptions,
  RouteOptions,
  LookupOptions,
  ReachOptions,
  NeighbourOptions,
  Operstate,
  StatsIncrease,
  VlanExpectation,
  FdbEntryOptions,
  SeenOptions,
  PacketPattern,
} from './assert/index.ts';
