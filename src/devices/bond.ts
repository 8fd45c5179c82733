import type { NetnsHandle } from '../handle/handle.ts';
import { linkAdd } from '../rtnl/link.ts';
import { BOND_MODES, bondData, type BondMode } from '../netlink/kinds/bond.ts';
import { optionalInteger } from '../values/checks.ts';
import { parseMacOption } from '../values/mac.ts';
import { parseName } from '../values/name.ts';
import { registerCreated, type Link } from './link.ts';
import type { LinkMessage } from '../netlink/link.ts';
import { IFF_UP } from '../sys/constants.ts';
import { InvalidArgumentError } from '../errors.ts';
import { Master } from './master.ts';

/** A handle on a bond device (`type bond`): enslave() and release() its ports; state().details.activeSlave. */
export class Bond extends Master {
  /**
   * The bonding driver takes only ports that are down ("Device can not be enslaved while up",
   * as EPERM, which reads like a missing capability): refused here with the remedy instead.
   */
  protected override checkPort(port: Link, now: LinkMessage): void {
    if (now.flags & IFF_UP) {
      throw new InvalidArgumentError(
        `enslave: ${port} is up, and the bonding driver takes only ports that are down: call down() first (the bond brings it up)`,
        port,
      );
    }
  }
}

/** Options of addBond(). */
export interface BondOptions {
  /** The bonding mode, by its iproute2 name; the kernel's default is balance-rr. */
  mode?: BondMode;
  /** How often the ports' carrier is checked, in milliseconds; 0 (the kernel's default) never. */
  miimon?: number;
  /** An explicit MAC; else the first port's. */
  mac?: string;
}

/**
 * `ip link add NAME type bond [mode MODE] [miimon MS]`. UnsupportedKindError on kernels without
 * CONFIG_BONDING; ModuleLoadError where its module is not loaded and cannot be loaded without
 * creating bond0 in the host's namespace (see src/sys/kind-module.ts).
 */
export function addBond(ns: NetnsHandle, name: string, options: BondOptions = {}): Bond {
  const where = `addBond ${String(name)}`;
  const ifname = parseName(name);
  const o = options ?? {};
  const mode = o.mode === undefined ? undefined : BOND_MODES.parse(where, o.mode);
  const miimon = optionalInteger(where, 'miimon', o.miimon, 0, 0x7fffffff);
  const mac = parseMacOption(o.mac);
  return registerCreated(
    new Bond(ns, linkAdd(ns.rtnl, { name: ifname, kind: 'bond', mac, data: bondData(mode, miimon) })),
  );
}
