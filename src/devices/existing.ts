// A handle on a device nslab did not just create, as the class of its kind.
import type { NetnsHandle } from '../handle/handle.ts';
import { linkGet } from '../rtnl/link.ts';
import { parseDevice } from '../values/name.ts';
import { Link } from './link.ts';
import { Bridge } from './bridge.ts';
import { Bond } from './bond.ts';
import { Vrf } from './vrf.ts';

// A Map: a kind is the kernel's text, and an object's lookup would find "constructor".
const CLASSES = new Map<string, typeof Link>([
  ['bridge', Bridge],
  ['bond', Bond],
  ['vrf', Vrf],
]);

/** By name or index; a bridge, bond or vrf comes back as its class, so ports() and enslave() are at hand. */
export function existingLink(ns: NetnsHandle, device: string | number): Link {
  const m = linkGet(ns.rtnl, parseDevice(device));
  return new (CLASSES.get(m.kind ?? '') ?? Link)(ns, m);
}
