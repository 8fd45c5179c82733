// Matchers given what they cannot work with: something that is not a device, malformed
// values, bad options, a device that is gone, a namespace that is gone. Each must end in an
// error that names the problem (TypeError or nslab's own classes), never a crash, a hang or a
// misleading failure.
import { describe } from 'vitest';
import { test, expect } from '../../src/vitest.ts';
import {
  DeviceNotFoundError,
  InvalidAddressError,
  InvalidArgumentError,
  InvalidMacError,
  NamespaceDestroyedError,
  type Link,
  type Netns,
} from '../../src/index.ts';
import { ipLinks } from '../helpers/oracle.ts';
import { assertion, failure, MATCHER_NAMES, type DeviceMatcherName } from './helpers.ts';

/** Arguments each matcher accepts, for calls whose receiver or options are the thing under test. */
async function validArgs(ns: Netns): Promise<Record<DeviceMatcherName, unknown[]>> {
  const br = await ns.addBridge('vbr0');
  return {
    toHaveCarrier: [],
    toBeAdminUp: [],
    toBeRunning: [],
    toHaveOperstate: ['up'],
    toHaveFlags: [['UP']],
    toHaveMac: ['52:54:00:00:00:01'],
    toHaveBridgeId: ['8000.525400000001'],
    toHavePorts: [[]],
    toBeAttachedTo: [br],
    toHaveAddress: ['192.0.2.1/24'],
    toHaveMtu: [1500],
    toHaveStatsSince: [await br.stats(), { rxPackets: 0 }],
    toHaveNeighbour: ['192.0.2.2'],
    toHaveVlans: [[{ vid: 1, pvid: true, untagged: true }]],
    toHaveFdbEntry: ['52:54:00:00:00:0a'],
    toHavePortState: ['forwarding'],
  };
}

describe('a receiver that is not a device handle', () => {
  const receivers: Array<[string, unknown, RegExp]> = [
    ['a plain object', { name: 'br0', index: 2 }, /received Object \{.*br0.*\}$/],
    ['a device name', 'br0', /received "?br0"?$/],
    ['undefined', undefined, /received undefined$/],
    ['null', null, /received null$/],
  ];
  test.for(receivers)(
    '%s: a TypeError that says a device handle was expected, from every matcher',
    async ([, receiver, shown], { netns }) => {
      const args = await validArgs(netns);
      for (const name of MATCHER_NAMES) {
        const error = await failure(() => assertion(receiver, name, args[name]));
        expect(error).toBeInstanceOf(TypeError);
        expect(error.message).toMatch(
          new RegExp(
            `^${name}: expected a device handle from nslab \\(ns\\.addBridge\\(\\), ns\\.addTap\\(\\), ns\\.link\\(\\), \\.\\.\\.\\)`,
          ),
        );
        expect(error.message).toMatch(shown);
      }
    },
  );

  test('under .not too', async () => {
    await expect(expect({}).not.toHaveCarrier()).rejects.toThrow(/toHaveCarrier: expected a device handle/);
    await expect(expect('br0').not.toBeAdminUp()).rejects.toThrow(TypeError);
  });

  test('passing the namespace instead of a device gives a short message', async ({ netns }) => {
    const error = await failure(() => expect(netns).toHaveCarrier());
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/expected a device handle/);
    expect(error.message.length).toBeLessThan(1000);
  });

  test('a self-referencing object gives the device-handle message', async () => {
    const looped: Record<string, unknown> = {};
    looped.self = looped;
    const error = await failure(() => expect(looped).toHaveCarrier());
    expect(error.message).toMatch(/expected a device handle/);
  });
});

describe('malformed expectations fail at once, before any wait', () => {
  test.for([['52:54:00:00:00'], ['52-54-00-00-00-01'], ['zz:54:00:00:00:01'], ['52:54:00:00:00:01:02'], [''], [42]])(
    'MAC %j: InvalidMacError',
    async ([mac], { netns }) => {
      const tap = await netns.addTap('btap0');
      const error = await failure(() => expect(tap).toHaveMac(mac as string));
      expect(error).toBeInstanceOf(InvalidMacError);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error.message).toMatch(
        /^invalid MAC address .*: write six hex octets separated by colons, like 52:54:00:00:00:01$/,
      );
      expect((error as InvalidMacError).value).toBe(mac);
    },
  );

  test.for([
    ['8000-525400000001'],
    ['525400000001'],
    ['8000.5254000000'],
    ['10000.525400000001'],
    [{ priority: 0x10000, mac: '52:54:00:00:00:01' }],
    [{ priority: 1 }],
    [42],
  ])('bridge ID %j: InvalidArgumentError', async ([id], { netns }) => {
    const tap = await netns.addTap('btap0');
    const error = await failure(() => expect(tap).toHaveBridgeId(id as string));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(
      /^invalid bridge ID .*: write it as the kernel does, priority\.mac, like "8000\.525400000001"/,
    );
  });

  test.for([['UP'], ['running'], ['Up'], [''], [42]])(
    "operstate %j: TypeError listing the kernel's operstates",
    async ([operstate], { netns }) => {
      const tap = await netns.addTap('btap0');
      await expect((async () => expect(tap).toHaveOperstate(operstate as unknown as 'up'))()).rejects.toThrow(
        `toHaveOperstate: unknown operstate ${JSON.stringify(operstate)}; the kernel reports one of unknown, notpresent, down, lowerlayerdown, testing, dormant, up`,
      );
    },
  );

  test.for([[['FOO']], [[]], [['UP', 'up']], [[42]], ['UP'], [undefined]])(
    'flags %j: TypeError naming the valid flags',
    async ([flags], { netns }) => {
      const tap = await netns.addTap('btap0');
      const error = await failure(() => expect(tap).toHaveFlags(flags as string[]));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(
        /^toHaveFlags: expected a non-empty array of flag names among UP, BROADCAST, .*LOWER_UP.*; unknown: /,
      );
    },
  );

  test('flags named after Object.prototype members ("constructor") are refused like any unknown name', async ({
    netns,
  }) => {
    const tap = await netns.addTap('btap0');
    const error = await failure(() => expect(tap).toHaveFlags(['constructor'], { timeout: 50 }));
    expect(error).toBeInstanceOf(TypeError);
  });

  test.for([['192.0.2.1'], ['192.0.2.1/33'], ['2001:db8::1/129'], ['host/24'], ['192.0.2.256/24'], [''], [42]])(
    'address %j: InvalidAddressError',
    async ([cidr], { netns }) => {
      const tap = await netns.addTap('btap0');
      const error = await failure(() => expect(tap).toHaveAddress(cidr as string));
      expect(error).toBeInstanceOf(InvalidAddressError);
      expect(error.message).toMatch(
        /write an address with its prefix length, like 192\.0\.2\.1\/24 or 2001:db8::1\/64$/,
      );
    },
  );

  test.for([['yes'], [1], [null]])('tentative %j: TypeError', async ([tentative], { netns }) => {
    const tap = await netns.addTap('btap0');
    await expect(
      (async () => expect(tap).toHaveAddress('192.0.2.1/24', { tentative: tentative as unknown as boolean }))(),
    ).rejects.toThrow(`toHaveAddress: tentative must be true or false, received ${JSON.stringify(tentative)}`);
  });

  test.for([['btap0'], [[42]], [[{ name: 'btap0' }]]])('ports %j: TypeError', async ([ports], { netns }) => {
    const tap = await netns.addTap('btap0');
    const error = await failure(() => expect(tap).toHavePorts(ports as unknown as string[]));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/^toHavePorts: expected an array of device handles or names, received /);
  });

  test.for([['vbr0'], [{}], [undefined]])('bridge %j for toBeAttachedTo: TypeError', async ([bridge], { netns }) => {
    const tap = await netns.addTap('btap0');
    const error = await failure(() => expect(tap).toBeAttachedTo(bridge as Link));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/^toBeAttachedTo \(the bridge\): expected a device handle from nslab/);
  });
});

describe('bad wait options', () => {
  const options: Array<[string, unknown]> = [
    ['a negative timeout', { timeout: -1 }],
    ['NaN', { timeout: Number.NaN }],
    ['Infinity', { timeout: Number.POSITIVE_INFINITY }],
    ['a string', { timeout: '100' }],
    ['null', null],
    ['a bare number', 100],
  ];
  test.for(options)('%s: a TypeError from every matcher, at once', async ([, option], { netns }) => {
    const args = await validArgs(netns);
    const tap = await netns.addTap('otap0');
    for (const name of MATCHER_NAMES) {
      const error = await failure(() => assertion(tap, name, [...args[name], option]));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(
        new RegExp(`^${name}: options must be \\{ timeout\\?: milliseconds >= 0 \\}, received `),
      );
    }
  });

  test('a timeout of 0 reads once and decides', async ({ netns }) => {
    const br = await netns.addBridge('zbr0');
    await expect(br).not.toBeAdminUp({ timeout: 0 });
    const error = await failure(() => expect(br).toBeAdminUp({ timeout: 0 }));
    expect(error.message).toMatch(/after waiting \d+ ms of 0 ms \(1 reads\)/);
  });
});

describe('a device or namespace that is gone', () => {
  test('a device deleted before the matcher: DeviceNotFoundError, from every matcher', async ({ netns }) => {
    const args = await validArgs(netns);
    const tap = await netns.addTap('gtap0');
    await tap.delete();
    expect((await ipLinks(netns)).map((l) => l.ifname)).not.toContain('gtap0');
    for (const name of MATCHER_NAMES) {
      for (const not of [false, true]) {
        const error = await failure(() => assertion(tap, name, args[name], not));
        expect(error).toBeInstanceOf(DeviceNotFoundError);
        expect(error.message).toBe('no device named "gtap0" in this namespace; it was deleted or never created');
      }
    }
  });

  test('a device deleted while the matcher waits: DeviceNotFoundError ends the wait', async ({ netns }) => {
    const tap = await netns.addTap('wtap0', { owner: 'none' });
    await tap.up();
    const pending = failure(() => expect(tap).toHaveCarrier());
    await tap.delete();
    const error = await pending;
    expect(error).toBeInstanceOf(DeviceNotFoundError);
    expect(error.message).toMatch(/^no device named "wtap0"/);
  });

  test('a namespace destroyed before the matcher: NamespaceDestroyedError, from every matcher', async ({
    netns,
    makeNetns,
  }) => {
    const args = await validArgs(netns);
    const gone = await makeNetns({ label: 'gone' });
    const br = await gone.addBridge('dbr0');
    await gone.destroy();
    for (const name of MATCHER_NAMES) {
      const error = await failure(() => assertion(br, name, args[name]));
      expect(error).toBeInstanceOf(NamespaceDestroyedError);
      expect(error.message).toMatch(/: namespace gone was already destroyed; create a new one \(createNetns\(\)\)$/);
    }
  });

  test('a namespace destroyed while the matcher waits: NamespaceDestroyedError ends the wait', async ({
    makeNetns,
  }) => {
    const gone = await makeNetns({ label: 'going' });
    const br = await gone.addBridge('dbr1');
    const pending = failure(() => expect(br).toBeAdminUp());
    await gone.destroy();
    const error = await pending;
    expect(error).toBeInstanceOf(NamespaceDestroyedError);
    expect(error.message).toMatch(/namespace going was already destroyed/);
  });
});
