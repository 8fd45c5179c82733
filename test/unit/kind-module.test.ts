// Loading a module that creates devices as it loads, against a stand-in for the kernel's modprobe
// (a script that records how it was called) in a scratch root: which kinds are loaded, with which
// option, and when the kind is refused. The guest (test/kernel/guest.test.ts) runs the real one.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ModuleLoadError } from '../../src/errors.ts';
import { DEVICE_MAKING_MODULES, type ModuleHost, preloadKindModule } from '../../src/sys/kind-module.ts';

let root: string;
let host: ModuleHost;
const calls = (): string[] => {
  try {
    return readFileSync(join(root, 'calls'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

/** A modprobe that logs its arguments, then runs body (sh). */
function modprobe(body: string): void {
  const file = join(root, 'modprobe');
  writeFileSync(file, `#!/bin/sh\necho "$*" >> '${root}/calls'\n${body}\n`, { mode: 0o755 });
  writeFileSync(host.kernelModprobe, `${file}\n`);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'nslab-kmod-'));
  host = {
    sysModule: join(root, 'sys'),
    kernelModprobe: join(root, 'kernel-modprobe'),
    modulesDisabled: join(root, 'modules_disabled'),
    modulesDir: join(root, 'lib'),
  };
  mkdirSync(host.sysModule);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('a kind whose module creates devices as it loads', () => {
  const kinds = Object.entries(DEVICE_MAKING_MODULES);
  test.each(kinds)('%s: its module is loaded with the count 0 when not loaded yet', (kind, { module, count }) => {
    modprobe(`mkdir '${host.sysModule}/${module}'`);
    preloadKindModule(kind, host);
    expect(calls()).toEqual([`${module} ${count}=0`]);
  });

  test('a loaded (or built-in) module is left alone', () => {
    modprobe('exit 1');
    mkdirSync(join(host.sysModule, 'dummy'));
    preloadKindModule('dummy', host);
    expect(calls()).toEqual([]);
  });

  test('when modprobe fails, the kind is refused with the command that loads it safely', () => {
    modprobe(`echo "modprobe: ERROR: could not insert 'dummy': Operation not permitted" >&2; exit 1`);
    let e: unknown;
    try {
      preloadKindModule('dummy', host);
    } catch (error) {
      e = error;
    }
    expect(e).toBeInstanceOf(ModuleLoadError);
    const m = e as ModuleLoadError;
    expect([m.kind, m.module, m.command]).toEqual(['dummy', 'dummy', 'modprobe dummy numdummies=0']);
    expect(m.message).toContain('Operation not permitted');
    expect(m.message).toContain("dummy0 in the host's network namespace");
  });

  test("without the kernel's modprobe in this root, it is refused too: the kernel may find one elsewhere (a container's host)", () => {
    writeFileSync(host.kernelModprobe, join(root, 'no-such-modprobe'));
    expect(() => preloadKindModule('bond', host)).toThrow(
      /bonding is not loaded .*no-such-modprobe does not exist in this root.*modprobe bonding max_bonds=0/,
    );
  });

  test("a module this kernel's module tree does not have is left to the kernel to refuse", () => {
    mkdirSync(host.modulesDir);
    writeFileSync(join(host.modulesDir, 'modules.dep'), 'kernel/drivers/net/veth.ko.xz:\n');
    modprobe(`echo "modprobe: FATAL: Module dummy not found in directory ${host.modulesDir}" >&2; exit 1`);
    preloadKindModule('dummy', host);
    expect(calls()).toEqual(['dummy numdummies=0']);
  });

  test('a kernel that cannot load modules (none built, or loading disabled) is not asked', () => {
    preloadKindModule('dummy', host);
    modprobe('exit 1');
    writeFileSync(host.modulesDisabled, '1\n');
    preloadKindModule('dummy', host);
    expect(calls()).toEqual([]);
  });
});

test('kinds whose modules create nothing as they load are not preloaded', () => {
  modprobe('exit 1');
  for (const kind of ['bridge', 'veth', 'tun', 'vxlan']) preloadKindModule(kind, host);
  expect(calls()).toEqual([]);
});
