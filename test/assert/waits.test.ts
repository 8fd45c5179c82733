// The default wait (configureWaits, waitDefaults) and waitForState(), the loop under every matcher.
// Each test that changes the default restores it: the setting is per test file module graph,
// but later tests in this file must see 5000 ms again.
import { afterEach } from 'vitest';
import { test, expect, configureWaits, waitDefaults, waitForState } from '../../src/vitest.ts';
import { ipLink } from '../helpers/oracle.ts';
import { explain, failure, parseReport } from './helpers.ts';

const ORIGINAL = waitDefaults.timeout;
afterEach(() => {
  configureWaits({ timeout: ORIGINAL });
});

test('the default is 5000 ms', async ({ netns }) => {
  expect(ORIGINAL).toBe(5000);
  const br = await netns.addBridge('wbr0');
  await br.up();
  const { pass, report } = await explain(br, 'toBeAdminUp');
  expect(pass).toBe(true);
  expect(report.timeoutMs).toBe(5000);
});

test('configureWaits({ timeout }) changes the default of every matcher; an explicit option still wins', async ({
  netns,
}) => {
  const br = await netns.addBridge('wbr1');
  configureWaits({ timeout: 150 });
  expect(waitDefaults.timeout).toBe(150);

  const report = parseReport((await failure(() => expect(br).toBeAdminUp())).message);
  expect(report.timeoutMs).toBe(150);
  expect(report.waitedMs).toBeGreaterThanOrEqual(150);
  expect((await ipLink(netns, 'wbr1'))!.flags).not.toContain('UP');

  expect(parseReport((await failure(() => expect(br).toBeAdminUp({ timeout: 250 }))).message).timeoutMs).toBe(250);
  expect(parseReport((await failure(() => expect(br).not.toHaveOperstate('down'))).message).timeoutMs).toBe(150);

  configureWaits({});
  expect(waitDefaults.timeout).toBe(150);
});

test('waitForState() without a timeout uses the configured default', async ({ netns }) => {
  const br = await netns.addBridge('wbr2');
  configureWaits({ timeout: 120 });
  const waited = await waitForState(br, (s) => s.adminUp);
  expect(waited.met).toBe(false);
  expect(waited.elapsedMs).toBeGreaterThanOrEqual(120);
  expect(waited.value.name).toBe('wbr2');
});

test('waitForState() returns at the first read that meets the condition, woken by the kernel notification', async ({
  netns,
}) => {
  const br = await netns.addBridge('wbr3');
  const pending = waitForState(br, (s) => s.adminUp, { timeout: 5000 });
  await br.up();
  const waited = await pending;
  console.log(`waitForState: admin up seen after ${waited.elapsedMs.toFixed(2)} ms, ${waited.reads} reads`);
  expect(waited.met).toBe(true);
  expect(waited.value.adminUp).toBe(true);
  expect(waited.reads).toBeGreaterThan(1);
  expect((await ipLink(netns, 'wbr3'))!.flags).toContain('UP');
});

test('waitForState() with a timeout of 0 reads exactly once', async ({ netns }) => {
  const br = await netns.addBridge('wbr4');
  let reads = 0;
  const waited = await waitForState(br, (s) => (reads++, s.adminUp), { timeout: 0 });
  expect(waited).toMatchObject({ met: false, reads: 1 });
  expect(reads).toBe(1);
});

test('configureWaits refuses a timeout that is not a number >= 0', () => {
  for (const timeout of [-1, Number.NaN, '100'] as number[]) {
    expect(() => configureWaits({ timeout })).toThrow(TypeError);
    expect(waitDefaults.timeout).toBe(ORIGINAL);
  }
});
