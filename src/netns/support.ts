// Whether the running kernel can create a device kind, found by asking it: a RTM_NEWLINK of that
// kind in a namespace made for the question and destroyed after it, so nothing outside is made
// and nothing is left. The answer is the kernel's own: "Unknown device type" (EOPNOTSUPP) is no;
// any other refusal (EINVAL for a vlan without its parent or id) came from the kind's driver, so
// the kernel has it. The request goes through linkAdd, so a kind whose module makes devices as it
// loads (dummy, bond, ifb) is loaded first with a count of 0, as any creation would.
import { linkAdd } from '../rtnl/link.ts';
import { parseName } from '../values/name.ts';
import { InvalidArgumentError, UnsupportedKindError } from '../errors.ts';
import { NetlinkError } from '../netlink/errors.ts';
import { createNetns } from './netns.ts';

const answers = new Map<string, Promise<boolean>>();
const PROBE = parseName('nslab-probe0');

async function probe(kind: string): Promise<boolean> {
  const ns = await createNetns({ label: `probe-${kind}` });
  try {
    linkAdd(ns.rtnl, { name: PROBE, kind });
    return true;
  } catch (error) {
    if (error instanceof UnsupportedKindError) return false;
    // Refused by the kind's driver. Anything else (ModuleLoadError: nslab cannot load it safely) is no answer.
    if (error instanceof NetlinkError) return true;
    throw error;
  } finally {
    await ns.destroy();
  }
}

/**
 * Whether this kernel (its release: os.release()) can create devices of this kind ("vlan",
 * "macvlan", "bond", ...): asked of the kernel once per process, then remembered. Loading the
 * kind's module on demand counts, as it would for a real creation. Rejects with ModuleLoadError
 * when the module could only be loaded by the kernel with defaults that create devices on the host.
 */
export function kernelSupports(kind: string): Promise<boolean> {
  if (typeof kind !== 'string' || !/^[\w.-]{1,63}$/.test(kind)) {
    return Promise.reject(
      new InvalidArgumentError(
        `kernelSupports: a kind is a word like "vlan" or "macvlan", received ${String(kind)}`,
        kind,
      ),
    );
  }
  let answer = answers.get(kind);
  if (!answer) {
    answer = probe(kind);
    // A failed probe (no CAP_SYS_ADMIN, ModuleLoadError) is not an answer to keep.
    answer.catch(() => answers.delete(kind));
    answers.set(kind, answer);
  }
  return answer;
}
