import type { NetnsHandle } from '../handle/handle.ts';
import { linkAdd } from '../rtnl/link.ts';
import { vrfData } from '../netlink/kinds/vrf.ts';
import { parseName } from '../values/name.ts';
import { parseTable, type TableName } from '../values/table.ts';
import { registerCreated } from './link.ts';
import { Master } from './master.ts';

/** A handle on a vrf device (`type vrf`): the routes of the devices it enslave()s go to its table. */
export class Vrf extends Master {}

/** Options of addVrf(). */
export interface VrfOptions {
  /** The routing table of the VRF (required by the kernel): an id from 1, or a reserved table's name. */
  table: number | TableName;
}

/** `ip link add NAME type vrf table N`. UnsupportedKindError on kernels without CONFIG_NET_VRF. */
export function addVrf(ns: NetnsHandle, name: string, options: VrfOptions): Vrf {
  const where = `addVrf ${String(name)}`;
  const ifname = parseName(name);
  const table = parseTable(where, (options ?? ({} as Partial<VrfOptions>)).table);
  return registerCreated(new Vrf(ns, linkAdd(ns.rtnl, { name: ifname, kind: 'vrf', data: vrfData(table) })));
}
