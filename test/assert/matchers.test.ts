// Every matcher against the kernel, the same four ways: it fails while the kernel says otherwise
// (and its message shows the whole state the kernel reported), it waits for a state that comes
// later, .not fails once the state holds, and .not waits for it to go. Each case arranges a
// device where the matcher does not hold yet, with an iproute2/sysfs oracle and the kernel
// change that makes it hold.
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { describe } from 'vitest';
import { test, expect } from '../../src/vitest.ts';
import type { Link, Netns, TunFile } from '../../src/index.ts';
import {
  comparableState,
  ipAddrs,
  ipBridgeId,
  ipLink,
  ipPorts,
  oracleState,
  type ComparableState,
} from '../helpers/oracle.ts';
import { assertion, explain, failure, parseReport, type MatcherName } from './helpers.ts';

interface Arranged {
  subject: Link;
  /** The matcher's arguments, without options. */
  args: unknown[];
  /** What the message's "Expected:" line shows. */
  expected: string;
  /** The oracle: does the kernel's state satisfy the matcher, read another way than nslab's? */
  holds(): Promise<boolean>;
  /** The kernel change that makes it hold. */
  change(): Promise<void>;
  /** The change that makes it stop holding. */
  revert(): Promise<void>;
}

interface Case {
  name: MatcherName;
  /** The failure's first line, exactly: the received device is shown in the body, not here. */
  hint: string;
  arrange(ns: Netns): Promise<Arranged>;
}

/** A persistent tap nobody holds (so no carrier) whose descriptor is opened and closed on demand. */
async function unheldTap(
  ns: Netns,
  name: string,
): Promise<{ tap: Link; attach(): Promise<void>; detach(): Promise<void> }> {
  const tap = await ns.addTap(name, { owner: 'none' });
  await tap.up();
  let file: TunFile | undefined;
  return {
    tap,
    attach: async () => {
      file = ns.openTun();
      file.attach(name);
    },
    detach: async () => file?.close(),
  };
}

const cases: Case[] = [
  {
    name: 'toHaveCarrier',
    hint: 'expect(received).toHaveCarrier()',
    async arrange(ns) {
      const { tap, attach, detach } = await unheldTap(ns, 'ctap0');
      // Admin up, so iproute2's LOWER_UP is the carrier bit.
      return {
        subject: tap,
        args: [],
        expected: 'carrier',
        holds: async () => (await ipLink(ns, 'ctap0'))!.flags.includes('LOWER_UP'),
        change: attach,
        revert: detach,
      };
    },
  },
  {
    name: 'toBeAdminUp',
    hint: 'expect(received).toBeAdminUp()',
    async arrange(ns) {
      const br = await ns.addBridge('abr0');
      return {
        subject: br,
        args: [],
        expected: 'IFF_UP',
        holds: async () => (await ipLink(ns, 'abr0'))!.flags.includes('UP'),
        change: () => br.up(),
        revert: () => br.down(),
      };
    },
  },
  {
    name: 'toBeRunning',
    hint: 'expect(received).toBeRunning()',
    async arrange(ns) {
      const { tap, attach, detach } = await unheldTap(ns, 'rtap0');
      // iproute2 never prints IFF_RUNNING (nor does sysfs, whose flags are the stored ones); the
      // kernel sets it for an up device whose operstate is up or unknown (netif_oper_up()).
      const holds = async (): Promise<boolean> => {
        const { flags, operstate } = (await ipLink(ns, 'rtap0'))!;
        return flags.includes('UP') && (operstate === 'UP' || operstate === 'UNKNOWN');
      };
      return { subject: tap, args: [], expected: 'IFF_RUNNING', holds, change: attach, revert: detach };
    },
  },
  {
    name: 'toHaveOperstate',
    hint: 'expect(received).toHaveOperstate(expected)',
    async arrange(ns) {
      // A bridge is operationally up once a port has carrier and is up.
      const br = await ns.addBridge('obr0');
      const tap = await ns.addTap('otap0');
      await tap.attachTo(br);
      await br.up();
      return {
        subject: br,
        args: ['up'],
        expected: 'up',
        holds: async () => (await ipLink(ns, 'obr0'))!.operstate === 'UP',
        change: () => tap.up(),
        revert: () => tap.down(),
      };
    },
  },
  {
    name: 'toHaveFlags',
    hint: 'expect(received).toHaveFlags(expected)',
    async arrange(ns) {
      const tap = await ns.addTap('ftap0');
      const holds = async (): Promise<boolean> => {
        const { flags } = (await ipLink(ns, 'ftap0'))!;
        return flags.includes('UP') && flags.includes('LOWER_UP');
      };
      return {
        subject: tap,
        args: [['UP', 'LOWER_UP']],
        expected: 'UP,LOWER_UP',
        holds,
        change: () => tap.up(),
        revert: () => tap.down(),
      };
    },
  },
  {
    name: 'toHaveMac',
    hint: 'expect(received).toHaveMac(expected)',
    async arrange(ns) {
      const tap = await ns.addTap('mtap0');
      const original = (await ipLink(ns, 'mtap0'))!.address!;
      const wanted = original === '52:54:00:ab:cd:01' ? '52:54:00:ab:cd:02' : '52:54:00:ab:cd:01';
      return {
        subject: tap,
        // Upper case on purpose: MACs compare case-insensitively.
        args: [wanted.toUpperCase()],
        expected: wanted,
        holds: async () => (await ipLink(ns, 'mtap0'))!.address === wanted,
        change: () => tap.setMac(wanted),
        revert: () => tap.setMac(original),
      };
    },
  },
  {
    name: 'toHaveBridgeId',
    hint: 'expect(received).toHaveBridgeId(expected)',
    async arrange(ns) {
      // Without an explicit MAC a bridge takes its ID (and MAC) from its lowest port MAC, and
      // falls back to 8000.000000000000 when the last port leaves.
      const br = await ns.addBridge('bbr0');
      const tap = await ns.addTap('btap0', { mac: '52:54:00:00:00:0b' });
      const id = '8000.52540000000b';
      return {
        subject: br,
        args: [id],
        expected: id,
        holds: async () => ipBridgeId((await ipLink(ns, 'bbr0'))?.linkinfo?.info_data?.bridge_id) === id,
        change: () => tap.attachTo(br),
        revert: () => tap.detach(),
      };
    },
  },
  {
    name: 'toHavePorts',
    hint: 'expect(received).toHavePorts(expected)',
    async arrange(ns) {
      const br = await ns.addBridge('pbr0');
      const first = await ns.addTap('ptap1');
      const second = await ns.addTap('ptap2');
      await first.attachTo(br);
      const holds = async (): Promise<boolean> => (await ipPorts(ns, 'pbr0')).sort().join() === 'ptap1,ptap2';
      // A name and a handle, in the reverse order: order does not matter, both forms are accepted.
      return {
        subject: br,
        args: [[second, 'ptap1']],
        expected: '[ptap1, ptap2]',
        holds,
        change: () => second.attachTo(br),
        revert: () => second.detach(),
      };
    },
  },
  {
    name: 'toBeAttachedTo',
    hint: 'expect(received).toBeAttachedTo(expected)',
    async arrange(ns) {
      const br = await ns.addBridge('tbr0');
      const tap = await ns.addTap('ttap0');
      return {
        subject: tap,
        args: [br],
        expected: 'master tbr0',
        holds: async () => (await ipLink(ns, 'ttap0'))!.master === 'tbr0',
        change: () => tap.attachTo(br),
        revert: () => tap.detach(),
      };
    },
  },
  {
    name: 'toHaveAddress',
    hint: 'expect(received).toHaveAddress(expected)',
    async arrange(ns) {
      const tap = await ns.addTap('itap0');
      const holds = async (): Promise<boolean> =>
        (await ipAddrs(ns, 'itap0')).some((a) => a.local === '192.0.2.1' && a.prefixlen === 24);
      return {
        subject: tap,
        args: ['192.0.2.1/24'],
        expected: '192.0.2.1/24',
        holds,
        change: () => tap.addAddress('192.0.2.1/24'),
        revert: () => tap.removeAddress('192.0.2.1/24'),
      };
    },
  },
  {
    name: 'toHaveMtu',
    hint: 'expect(received).toHaveMtu(expected)',
    async arrange(ns) {
      const tap = await ns.addTap('utap0');
      return {
        subject: tap,
        args: [1400],
        expected: '1400',
        holds: async () => (await ipLink(ns, 'utap0'))!.mtu === 1400,
        change: () => tap.setMtu(1400),
        revert: () => tap.setMtu(1500),
      };
    },
  },
  {
    name: 'toHavePortState',
    hint: 'expect(received).toHavePortState(expected)',
    async arrange(ns) {
      // Without STP a port of a bridge that is up forwards once it is up with carrier: its veth peer up.
      const br = await ns.addBridge('sbr0');
      await br.up();
      const [port, peer] = await ns.addVeth('sv0', { peerName: 'sv1' });
      await port!.attachTo(br);
      await port!.up();
      return {
        subject: port!,
        args: ['forwarding'],
        expected: 'forwarding',
        holds: async () => (await ipLink(ns, 'sv0'))!.linkinfo?.info_slave_data?.state === 'forwarding',
        change: () => peer!.up(),
        revert: () => peer!.down(),
      };
    },
  },
];

const FAIL_AFTER = { timeout: 200 };
const SETTLE_ROUNDS = 10;

/**
 * A failure of the assertion, with the oracle's view of the device from just after it. The kernel
 * goes on changing some state by itself for a while (an IPv6 link-local address ends DAD, linkwatch
 * runs), so a round counts only when the oracle saw the same state before and after the matcher's
 * reads; after SETTLE_ROUNDS unsettled rounds the last one is compared anyway, and fails.
 */
async function failureOnSettledState(
  ns: Netns,
  subject: Link,
  fail: () => Promise<Error>,
): Promise<{ error: Error; oracle: ComparableState }> {
  for (let round = 1; ; round++) {
    const before = await oracleState(ns, subject.name);
    const error = await fail();
    const oracle = await oracleState(ns, subject.name);
    if (isDeepStrictEqual(before, oracle) || round === SETTLE_ROUNDS) return { error, oracle };
  }
}

describe.each(cases)('$name', ({ name, hint, arrange }) => {
  test('fails while the kernel says otherwise; the message has the hint, the expectation and the whole state', async ({
    netns,
  }) => {
    const a = await arrange(netns);
    expect(await a.holds()).toBe(false);

    await expect(assertion(a.subject, name, [...a.args, FAIL_AFTER])).rejects.toThrow(/after waiting \d+ ms of 200 ms/);
    const { error, oracle } = await failureOnSettledState(netns, a.subject, () =>
      failure(() => assertion(a.subject, name, [...a.args, FAIL_AFTER])),
    );
    const report = parseReport(error.message);
    expect(report.hint).toBe(hint);
    expect(report.expected).toBe(JSON.stringify(a.expected));
    expect(report.received.length).toBeGreaterThan(0);
    expect(report.device).toBe(String(a.subject));
    // It gave up at its deadline, not before. (How many reads fit in 200 ms is the scheduler's
    // business: that a wait re-reads is shown by the next test, where it must to pass.)
    expect(report.waitedMs).toBeGreaterThanOrEqual(200);
    expect(comparableState(report.state)).toEqual(oracle);
    expect(Object.keys(report.state)).toEqual(
      expect.arrayContaining([
        'name',
        'index',
        'kind',
        'mac',
        'mtu',
        'flags',
        'adminUp',
        'running',
        'operstate',
        'carrier',
        'addresses',
      ]),
    );

    await assertion(a.subject, name, a.args, true);
  });

  test('waits for a state that comes later, and says how long it waited', async ({ netns }) => {
    const a = await arrange(netns);
    expect(await a.holds()).toBe(false);

    const started = performance.now();
    const pending = explain(a.subject, name, ...a.args);
    await a.change();
    const { pass, report } = await pending;
    const wall = performance.now() - started;
    console.log(
      `${name}: held after ${report.waitedMs} ms and ${report.reads} reads (${wall.toFixed(1)} ms wall clock)`,
    );

    expect(pass).toBe(true);
    // The first read came before the change.
    expect(report.reads).toBeGreaterThan(1);
    expect(report.waitedMs).toBeLessThanOrEqual(Math.ceil(wall));
    expect(report.timeoutMs).toBe(5000);
    expect(await a.holds()).toBe(true);
    await assertion(a.subject, name, a.args);
  });

  test('.not fails once the state holds, and waits for it to go', async ({ netns }) => {
    const a = await arrange(netns);
    await a.change();
    await assertion(a.subject, name, a.args);
    expect(await a.holds()).toBe(true);

    const { error, oracle } = await failureOnSettledState(netns, a.subject, () =>
      failure(() => assertion(a.subject, name, [...a.args, FAIL_AFTER], true)),
    );
    const report = parseReport(error.message);
    expect(report.hint).toBe(hint.replace(').', ').not.'));
    expect(report.expected).toBe(`not ${JSON.stringify(a.expected)}`);
    expect(report.waitedMs).toBeGreaterThanOrEqual(200);
    expect(comparableState(report.state)).toEqual(oracle);

    const pending = assertion(a.subject, name, a.args, true);
    await a.revert();
    await pending;
    expect(await a.holds()).toBe(false);
  });
});
