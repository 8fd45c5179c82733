import type { NetnsHandle } from '../handle/handle.ts';
import { linkAdd } from '../rtnl/link.ts';
import { IPVLAN_MODES, ipvlanData, type IpvlanMode } from '../netlink/kinds/ipvlan.ts';
import { parseName } from '../values/name.ts';
import { Link, registerCreated } from './link.ts';
import { parentOf } from './parent.ts';

/** Options of addIpvlan(). */
export interface IpvlanOptions {
  /** The Ethernet parent, in the same namespace (not a loopback); every ipvlan shares its MAC. */
  link: Link;
  /** l2, l3 (the kernel's default) or l3s. */
  mode?: IpvlanMode;
}

/**
 * `ip link add link PARENT name NAME type ipvlan [mode MODE]`. UnsupportedKindError on kernels
 * without CONFIG_IPVLAN. Its MAC is the parent's, so there is no mac option.
 */
export function addIpvlan(ns: NetnsHandle, name: string, options: IpvlanOptions): Link {
  const where = `addIpvlan ${String(name)}`;
  const ifname = parseName(name);
  const { link, mode } = options ?? ({} as Partial<IpvlanOptions>);
  const code = mode === undefined ? undefined : IPVLAN_MODES.parse(where, mode);
  const parent = parentOf(ns, link, where, true);
  return registerCreated(
    new Link(ns, linkAdd(ns.rtnl, { name: ifname, kind: 'ipvlan', link: parent.index, data: ipvlanData(code) })),
  );
}
