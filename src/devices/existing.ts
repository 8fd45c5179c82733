// A handle on a device nslab did not just create, as the class of its kind.
import type { NetnsHandle } from '../handle/handle.ts';
import { linkGet } from '../rtnl/link.ts';
import { parseDevice } from '../values/name.ts';
import { Link } from './link.ts';
import { Bridge } from './bridge.ts';

/** By name or index; a bridge comes back as a Bridge, so its ports() are at hand. */
export function existingLink(ns: NetnsHandle, device: string | number): Link {
  const m = linkGet(ns.rtnl, parseDevice(device));
  return m.kind === 'bridge' ? new Bridge(ns, m) : new Link(ns, m);
}
