// The device a vlan, macvlan or ipvlan sits on (IFLA_LINK), checked before the request: the
// kernel answers a parent in another namespace with ENODEV (or another device of that index) and
// a loopback parent with a bare EINVAL.
import { NetnsHandle } from '../handle/handle.ts';
import { netnsId } from '../handle/switch.ts';
import { linkGet } from '../rtnl/link.ts';
import type { LinkMessage } from '../netlink/link.ts';
import { ARPHRD_ETHER, IFF_LOOPBACK } from '../sys/constants.ts';
import { InvalidArgumentError } from '../errors.ts';
import { shown } from '../values/checks.ts';
import { Link } from './link.ts';

/** Whether two handles hold the same namespace (two adoptions of one namespace do). */
export const sameNamespace = (a: NetnsHandle, b: NetnsHandle): boolean => a === b || netnsId(a.fd) === netnsId(b.fd);

/**
 * The parent as the kernel describes it now. where: "addMacvlan m0", for messages; ethernet: the
 * kind needs an Ethernet device that is no loopback (macvlan and ipvlan take its MAC or its traffic).
 */
export function parentOf(ns: NetnsHandle, parent: unknown, where: string, ethernet: boolean): LinkMessage {
  if (!(parent instanceof Link)) {
    throw new InvalidArgumentError(
      `${where}: link must be the handle of the parent device (ns.addVeth(), ns.link()), received ${shown(parent)}`,
      parent,
    );
  }
  if (!sameNamespace(parent.ns, ns)) {
    throw new InvalidArgumentError(
      `${where}: the parent ${parent} is in another namespace than ${ns.label}; the kernel looks IFLA_LINK up in the ` +
        `namespace of the request. Create the device in the parent's namespace (parent.ns) and move it with moveTo()`,
      parent,
    );
  }
  const m = linkGet(ns.rtnl, parent.index);
  if (ethernet && (m.type !== ARPHRD_ETHER || (m.flags & IFF_LOOPBACK) !== 0)) {
    const what = m.flags & IFF_LOOPBACK ? 'a loopback device' : `not an Ethernet device (ARPHRD type ${m.type})`;
    throw new InvalidArgumentError(
      `${where}: the parent ${parent} is ${what}; the kernel refuses it (EINVAL) because this kind needs an ` +
        'Ethernet parent whose frames it can share: use a veth, a bond or a physical device',
      parent,
    );
  }
  return m;
}
