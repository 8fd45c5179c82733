import type { NetnsHandle } from '../handle/handle.ts';
import { linkAdd } from '../rtnl/link.ts';
import { vlanData } from '../netlink/kinds/vlan.ts';
import { parseVlanProtocol, type VlanProtocol } from '../values/vlan-protocol.ts';
import { requireInteger } from '../values/checks.ts';
import { parseMacOption } from '../values/mac.ts';
import { parseName } from '../values/name.ts';
import { Link, registerCreated } from './link.ts';
import { parentOf } from './parent.ts';

/** Options of addVlan(). */
export interface VlanOptions {
  /** The parent device the tagged frames go out of (`link DEV`). */
  link: Link;
  /** The VLAN ID, 1 to 4094 (0 means "no VLAN" in a tag and 4095 is reserved). */
  id: number;
  /** The tag's protocol: 802.1Q (the default) or 802.1ad (a service tag, for QinQ). */
  protocol?: VlanProtocol;
  /** An explicit MAC; the parent's when absent. */
  mac?: string;
}

/**
 * `ip link add link PARENT name NAME type vlan id ID [protocol 802.1ad]`. UnsupportedKindError on
 * kernels without CONFIG_VLAN_8021Q.
 */
export function addVlan(ns: NetnsHandle, name: string, options: VlanOptions): Link {
  const where = `addVlan ${String(name)}`;
  const ifname = parseName(name);
  const { link, id, protocol, mac } = options ?? ({} as Partial<VlanOptions>);
  const vid = requireInteger(id, 1, 4094, (v) => `${where}: id must be a VLAN ID from 1 to 4094, received ${v}`);
  const proto = protocol === undefined ? undefined : parseVlanProtocol(where, protocol);
  const macBytes = parseMacOption(mac);
  const parent = parentOf(ns, link, where, false);
  return registerCreated(
    new Link(
      ns,
      linkAdd(ns.rtnl, { name: ifname, kind: 'vlan', mac: macBytes, link: parent.index, data: vlanData(vid, proto) }),
    ),
  );
}
