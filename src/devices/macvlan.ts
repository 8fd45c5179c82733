import type { NetnsHandle } from '../handle/handle.ts';
import { linkAdd } from '../rtnl/link.ts';
import { MACVLAN_MODES, macvlanData, type MacvlanMode } from '../netlink/kinds/macvlan.ts';
import { parseMacOption } from '../values/mac.ts';
import { parseName } from '../values/name.ts';
import { Link, registerCreated } from './link.ts';
import { parentOf } from './parent.ts';

/** Options of addMacvlan(). */
export interface MacvlanOptions {
  /** The Ethernet parent, in the same namespace (a veth, a bond; not a loopback). */
  link: Link;
  /** How macvlans of one parent reach each other; the kernel's default is vepa. */
  mode?: MacvlanMode;
  /** An explicit MAC; a random one when absent. */
  mac?: string;
}

/**
 * `ip link add link PARENT name NAME type macvlan [mode MODE]`. UnsupportedKindError on kernels
 * without CONFIG_MACVLAN. A parent in another namespace, or a loopback, is refused before the
 * request (the kernel says only EINVAL): create the macvlan beside its parent and moveTo() it.
 */
export function addMacvlan(ns: NetnsHandle, name: string, options: MacvlanOptions): Link {
  const where = `addMacvlan ${String(name)}`;
  const ifname = parseName(name);
  const { link, mode, mac } = options ?? ({} as Partial<MacvlanOptions>);
  const code = mode === undefined ? undefined : MACVLAN_MODES.parse(where, mode);
  const macBytes = parseMacOption(mac);
  const parent = parentOf(ns, link, where, true);
  return registerCreated(
    new Link(
      ns,
      linkAdd(ns.rtnl, { name: ifname, kind: 'macvlan', mac: macBytes, link: parent.index, data: macvlanData(code) }),
    ),
  );
}
