// Per-namespace sysctls: what nslab reads and writes is checked with `cat` entered into the
// namespace's pin by nsenter, and the host's own value (this process's /proc/sys, only ever
// read here) is checked not to move.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  adoptNetns,
  createNetns,
  InvalidArgumentError,
  SysctlNotFoundError,
  SysError,
  type SysctlKey,
} from '../../src/index.ts';
import { procSysIn } from '../helpers/oracle.ts';
import { skipUnlessSysctlsWritable } from '../helpers/proc.ts';

// Where /proc/sys is mounted read-only (a container's) the tests that write skip, saying so;
// the refusals before any file is opened, and reads, are checked everywhere.
const hostValue = (path: string): string => readFileSync(`/proc/sys/${path}`, 'utf8').trim();

describe('sysctls', () => {
  test('set() writes the namespace value, not the host one; get() reads it back as a number', async (ctx) => {
    skipUnlessSysctlsWritable(ctx);
    await using ns = await createNetns({ label: 'sysctl', pin: true });
    const host = hostValue('net/ipv4/ip_forward');
    // The opposite of the host's: a write that reached the host would show there.
    const wanted = host === '1' ? 0 : 1;
    await ns.sysctl.set('net.ipv4.ip_forward', wanted);
    expect(procSysIn(ns.pinPath!, 'net/ipv4/ip_forward')).toBe(String(wanted));
    expect(await ns.sysctl.get('net.ipv4.ip_forward')).toBe(wanted);
    expect(hostValue('net/ipv4/ip_forward')).toBe(host);
  });

  test('several integers read as number[], text as a string; both written through', async (ctx) => {
    skipUnlessSysctlsWritable(ctx);
    await using ns = await createNetns({ label: 'sysctl-types', pin: true });
    const hostRange = hostValue('net/ipv4/ip_local_port_range');
    const hostCc = hostValue('net/ipv4/tcp_congestion_control');
    const range = [40_001, 50_001];
    await ns.sysctl.set('net.ipv4.ip_local_port_range', range);
    expect(procSysIn(ns.pinPath!, 'net/ipv4/ip_local_port_range').split(/\s+/).map(Number)).toEqual(range);
    expect(await ns.sysctl.get('net.ipv4.ip_local_port_range')).toEqual(range);

    // reno is built into every kernel; the host keeps whatever it has.
    await ns.sysctl.set('net.ipv4.tcp_congestion_control', 'reno');
    expect(procSysIn(ns.pinPath!, 'net/ipv4/tcp_congestion_control')).toBe('reno');
    expect(await ns.sysctl.get('net.ipv4.tcp_congestion_control')).toBe('reno');
    expect(hostValue('net/ipv4/ip_local_port_range')).toBe(hostRange);
    expect(hostValue('net/ipv4/tcp_congestion_control')).toBe(hostCc);
  });

  test('a device key: dotted, or as segments for a name with a dot', async (ctx) => {
    skipUnlessSysctlsWritable(ctx);
    await using ns = await createNetns({ label: 'sysctl-dev', pin: true });
    await ns.addVeth('v0', { peerName: 'v0.100' });
    const before = procSysIn(ns.pinPath!, 'net/ipv6/conf/v0/accept_dad');
    const wanted = before === '0' ? 2 : 0;
    await ns.sysctl.set('net.ipv6.conf.v0.accept_dad', wanted);
    expect(procSysIn(ns.pinPath!, 'net/ipv6/conf/v0/accept_dad')).toBe(String(wanted));

    await ns.sysctl.set(['net', 'ipv6', 'conf', 'v0.100', 'accept_dad'], wanted);
    expect(procSysIn(ns.pinPath!, 'net/ipv6/conf/v0.100/accept_dad')).toBe(String(wanted));
    expect(await ns.sysctl.get(['net', 'ipv6', 'conf', 'v0.100', 'accept_dad'])).toBe(wanted);
    // Dotted, the name splits into two segments: a path that does not exist.
    await expect(ns.sysctl.get('net.ipv6.conf.v0.100.accept_dad')).rejects.toThrow(SysctlNotFoundError);
  });

  test('a key that does not exist is a SysctlNotFoundError naming the key and the device', async () => {
    await using ns = await createNetns({ label: 'sysctl-missing' });
    const error = await ns.sysctl.get('net.ipv6.conf.nosuch0.accept_dad').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SysctlNotFoundError);
    expect((error as SysctlNotFoundError).key).toBe('net.ipv6.conf.nosuch0.accept_dad');
    expect((error as Error).message).toMatch(
      /no sysctl net\.ipv6\.conf\.nosuch0\.accept_dad .*ENOENT.*"nosuch0" may not exist/,
    );
    await expect(ns.sysctl.set('net.ipv4.no_such_key', 1)).rejects.toThrow(/the module that provides it/);
  });

  test("the kernel's refusal of a value is a SysError naming the key; the value stays", async (ctx) => {
    skipUnlessSysctlsWritable(ctx);
    await using ns = await createNetns({ label: 'sysctl-refused', pin: true });
    const before = procSysIn(ns.pinPath!, 'net/ipv4/ip_forward');
    const error = await ns.sysctl.set('net.ipv4.ip_forward', 'yes').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SysError);
    expect(error).toMatchObject({ code: 'EINVAL', call: 'write' });
    expect((error as Error).message).toMatch(/sysctl net\.ipv4\.ip_forward = "yes"/);
    expect(procSysIn(ns.pinPath!, 'net/ipv4/ip_forward')).toBe(before);
  });

  const badKeys: Array<[string, unknown, RegExp]> = [
    ['outside net.', 'kernel.hostname', /only keys under net\./],
    ['a slash', 'net/ipv4/ip_forward', /contains "\/"/],
    ['".."', 'net..ipv4.ip_forward', /contains "\.\."/],
    ['a NUL', 'net.ipv4.ip_forward\0', /NUL byte/],
    ['an empty segment', 'net.ipv4.', /empty segment/],
    ['"net" alone', 'net', /a directory/],
    ['a ".." segment', ['net', '..', 'kernel', 'hostname'], /a segment is "\.\."/],
    ['a slash in a segment', ['net', 'ipv4', 'conf', 'a/b', 'forwarding'], /a segment contains "\/"/],
    ['a number', 42, /a key is a string or an array/],
  ];
  test.each(badKeys)('a key with %s is refused before the namespace is touched', async (_, key, why) => {
    const ns = await createNetns();
    await ns.destroy();
    // A destroyed namespace: any file open or switch would be a NamespaceDestroyedError instead.
    for (const attempt of [() => ns.sysctl.get(key as SysctlKey), () => ns.sysctl.set(key as SysctlKey, 1)]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(/^invalid sysctl key /);
      expect((error as Error).message).toMatch(why);
      expect((error as InvalidArgumentError).value).toEqual(key);
    }
  });

  test.each([
    ['a fraction', 1.5, /must be an integer/],
    ['NaN', Number.NaN, /must be an integer/],
    ['an empty array', [], /at least one integer/],
    ['an array with text', [1, 'x'], /integers only/],
    ['a NUL in text', '1\0', /NUL byte/],
    ['an object', { on: true }, /a value is a number/],
  ])('a value that is %s is refused before the namespace is touched', async (_, value, why) => {
    const ns = await createNetns();
    await ns.destroy();
    const error = await ns.sysctl.set('net.ipv4.ip_forward', value as number).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/^invalid value .* for sysctl net\.ipv4\.ip_forward: /);
    expect((error as Error).message).toMatch(why);
  });

  test("an adopted namespace gets its original values back on destroy(); an owned one's stay until it dies", async (ctx) => {
    skipUnlessSysctlsWritable(ctx);
    await using owner = await createNetns({ label: 'sysctl-owner', pin: true });
    const pin = owner.pinPath!;
    const original = procSysIn(pin, 'net/ipv4/ip_forward');
    const originalRange = procSysIn(pin, 'net/ipv4/ip_local_port_range');
    const flipped = original === '1' ? 0 : 1;
    const adopted = await adoptNetns({ path: pin }, 'sysctl-adopted');
    await adopted.sysctl.set('net.ipv4.ip_forward', flipped);
    // A second write keeps the first original, not the value the first write made.
    await adopted.sysctl.set('net.ipv4.ip_forward', flipped);
    await adopted.sysctl.set('net.ipv4.ip_local_port_range', [40_002, 50_002]);
    expect(procSysIn(pin, 'net/ipv4/ip_forward')).toBe(String(flipped));
    await adopted.destroy();
    expect(procSysIn(pin, 'net/ipv4/ip_forward')).toBe(original);
    expect(procSysIn(pin, 'net/ipv4/ip_local_port_range')).toBe(originalRange);

    // A write-only key (an action) has no value to record, and nothing to restore.
    const again = await adoptNetns({ path: pin }, 'sysctl-adopted-2');
    await again.sysctl.set('net.ipv4.route.flush', 1);
    await expect(again.destroy()).resolves.toBeUndefined();

    // The owner's own write is not undone by anything but the namespace's end.
    await owner.sysctl.set('net.ipv4.ip_forward', flipped);
    expect(procSysIn(pin, 'net/ipv4/ip_forward')).toBe(String(flipped));
  });
});
