// Tests that need device kinds the running kernel may lack: each declares its kinds (in the
// task's meta, where the claims reporter reads them for the kinds × kernels table) and skips,
// naming the kind, its kernel option and this kernel's release, where kernelSupports says no.
import { release } from 'node:os';
import { expect, test, type TestContext } from 'vitest';
import { kernelOptionOf, kernelSupports, type Link, type Netns } from '../../src/index.ts';
import { ipLinkNames, ipLinkOf, type IpLink } from './oracle.ts';

declare module 'vitest' {
  interface TaskMeta {
    /** The device kinds the test creates. */
    kinds?: string[];
  }
}

/** A Vitest test() that needs these kinds, skipped with the reason on a kernel without one of them. */
export function kindTest(
  kinds: string[],
  title: string,
  fn: (ctx: TestContext) => Promise<void>,
  timeout?: number,
): void {
  test(title, { meta: { kinds }, ...(timeout === undefined ? {} : { timeout }) }, async (ctx) => {
    for (const kind of kinds) {
      if (!(await kernelSupports(kind))) {
        ctx.skip(
          `kernel ${release()} cannot create "${kind}" devices (${kernelOptionOf(kind)}): ` +
            'run this file under a kernel that has it with the kernel runner (npm run kernels -- run -- npx vitest run FILE)',
        );
      }
    }
    await fn(ctx);
  });
}

/** iproute2's view of a device of a kind: its info_kind and info_data (`ip -json -details link show`). */
export async function ipKindOf(
  ns: Netns,
  dev: string,
): Promise<{ ip: IpLink; kind: string | undefined; data: Record<string, unknown> }> {
  const ip = await ipLinkOf(ns, dev);
  return { ip, kind: ip.linkinfo?.info_kind, data: ip.linkinfo?.info_data ?? {} };
}

/** Deletes the devices through nslab; iproute2 then lists only the names left. */
export async function expectDeleted(ns: Netns, devices: Link[], left: string[]): Promise<void> {
  for (const d of devices) await d.delete();
  expect(await ipLinkNames(ns)).toEqual([...left].sort());
}
