import type { NetnsHandle } from '../handle/handle.ts';
import { linkAdd } from '../rtnl/link.ts';
import { vxlanData } from '../netlink/kinds/vxlan.ts';
import { optionalInteger, requireInteger, shown } from '../values/checks.ts';
import { ipBytes } from '../values/ip.ts';
import { parseMacOption } from '../values/mac.ts';
import { parseName } from '../values/name.ts';
import { InvalidArgumentError } from '../errors.ts';
import { Link, registerCreated } from './link.ts';
import { sameNamespace } from './parent.ts';

/** Options of addVxlan(). */
export interface VxlanOptions {
  /** The VXLAN network identifier, 0 to 16777215 (`id VNI`). */
  vni: number;
  /** The unicast peer all unknown and broadcast frames go to (`remote IP`); not with group. */
  remote?: string;
  /** The multicast group they go to (`group IP`), joined on dev, which it needs; not with remote. */
  group?: string;
  /** The source address of the tunnel's packets, of the same family as remote or group. */
  local?: string;
  /** The UDP destination port; when absent the kernel's default, 8472 (the IANA port is 4789). */
  dstport?: number;
  /**
   * Fill the FDB from the source addresses of received packets (the kernel's default, true).
   * false is for FDB entries written by hand or by a controller (`bridge fdb append`, as flannel
   * and EVPN do): only then may remote and group both be left out.
   */
  learning?: boolean;
  /** The device the tunnel's packets leave by (`dev DEV`), in the same namespace. */
  dev?: Link;
  /** An explicit MAC; a random one when absent. */
  mac?: string;
}

const MAX_VNI = 0xffffff;
const isMulticast = (ip: Buffer): boolean => (ip.length === 4 ? (ip[0]! & 0xf0) === 0xe0 : ip[0] === 0xff);

/**
 * `ip link add NAME type vxlan id VNI [remote IP | group IP dev DEV] [local IP] [dstport PORT]
 * [[no]learning]`. UnsupportedKindError on kernels without CONFIG_VXLAN.
 */
export function addVxlan(ns: NetnsHandle, name: string, options: VxlanOptions): Link {
  const where = `addVxlan ${String(name)}`;
  const ifname = parseName(name);
  const o = options ?? ({} as Partial<VxlanOptions>);
  const bad = (rule: string, value: unknown): never => {
    throw new InvalidArgumentError(`${where}: ${rule}`, value);
  };
  const vni = requireInteger(
    o.vni,
    0,
    MAX_VNI,
    (v) => `${where}: vni must be an integer from 0 to ${MAX_VNI}, received ${v}`,
  );
  if (o.remote !== undefined && o.group !== undefined)
    bad('pass remote (one peer) or group (multicast), not both', o.group);
  const remote = o.remote === undefined ? undefined : ipBytes(o.remote);
  const group = o.group === undefined ? undefined : ipBytes(o.group);
  if (remote && isMulticast(remote)) bad(`remote ${o.remote} is a multicast address: pass it as group`, o.remote);
  if (group && !isMulticast(group))
    bad(`group ${o.group} is not a multicast address: pass a unicast peer as remote`, o.group);
  if (group && o.dev === undefined) bad(`group ${o.group} needs dev, the device the group is joined on`, o.group);
  const destination = remote ?? group;
  const local = o.local === undefined ? undefined : ipBytes(o.local);
  if (local && destination && local.length !== destination.length)
    bad(`local ${o.local} and ${o.remote ?? o.group} are of different families`, o.local);
  if (!destination && o.learning !== false) {
    bad(
      'a learning vxlan needs remote or group, where it sends the frames it has no FDB entry for; ' +
        'pass learning: false to fill the FDB yourself (bridge fdb append)',
      options,
    );
  }
  if (o.learning !== undefined && typeof o.learning !== 'boolean')
    bad(`learning must be a boolean, received ${shown(o.learning)}`, o.learning);
  const dstport = optionalInteger(where, 'dstport', o.dstport, 1, 65535);
  if (o.dev !== undefined && !(o.dev instanceof Link))
    bad(`dev must be a device handle, received ${shown(o.dev)}`, o.dev);
  if (o.dev && !sameNamespace(o.dev.ns, ns)) bad(`dev ${o.dev} is in another namespace than ${ns.label}`, o.dev);
  const mac = parseMacOption(o.mac);
  const data = vxlanData({ vni, destination, local, dstport, learning: o.learning ?? true, device: o.dev?.index });
  return registerCreated(new Link(ns, linkAdd(ns.rtnl, { name: ifname, kind: 'vxlan', mac, data })));
}
