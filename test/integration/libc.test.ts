// The variadic libc calls (open, ioctl) as bound through koffi: the extra argument really reaches
// the kernel. Oracles: stat(2) through Node, iproute2. prctl(PR_SET_PDEATHSIG) is covered by the
// holder processes dying with their parent (leaks.test.ts).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { createNetns } from '../../src/index.ts';
import { linkIndex } from '../../src/rtnl/link.ts';
import { check, sys } from '../../src/sys/libc.ts';
import * as C from '../../src/sys/constants.ts';
import { ipLinks } from '../helpers/oracle.ts';
import { parseName } from '../../src/values/name.ts';

test('open(O_CREAT) passes its variadic mode: the file gets it, less the umask', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nslab-libc-'));
  try {
    const path = join(dir, 'f');
    for (const mode of [0o600, 0o640]) {
      rmSync(path, { force: true });
      sys.close(check(sys.open(path, C.O_CREAT | C.O_RDWR | C.O_CLOEXEC, mode), 'open', path));
      expect(statSync(path).mode & 0o777).toBe(mode & ~process.umask());
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ioctl passes its variadic buffer both ways: SIOCGIFINDEX fills in the index iproute2 reports', async () => {
  await using ns = await createNetns();
  const br = await ns.addBridge('br-ioctl');
  const oracle = (await ipLinks(ns)).find((l) => l.ifname === 'br-ioctl')!;
  expect(linkIndex(ns.rtnl, parseName('br-ioctl'))).toBe(oracle.ifindex);
  expect(br.index).toBe(oracle.ifindex);
  expect(linkIndex(ns.rtnl, parseName('no-such-dev'))).toBeUndefined();
});
