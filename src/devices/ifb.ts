import type { NetnsHandle } from '../handle/handle.ts';
import { linkAdd } from '../rtnl/link.ts';
import { parseMacOption } from '../values/mac.ts';
import { parseName } from '../values/name.ts';
import { Link, registerCreated } from './link.ts';

/** Options of addIfb(). */
export interface IfbOptions {
  /** An explicit MAC; a random one when absent. */
  mac?: string;
}

/**
 * `ip link add NAME type ifb`: an intermediate functional block, where tc redirects traffic to
 * shape it on the way in. UnsupportedKindError on kernels without CONFIG_IFB; ModuleLoadError
 * where its module is not loaded and cannot be loaded without creating ifb0 and ifb1 on the host.
 */
export function addIfb(ns: NetnsHandle, name: string, options: IfbOptions = {}): Link {
  const mac = parseMacOption((options ?? {}).mac);
  return registerCreated(new Link(ns, linkAdd(ns.rtnl, { name: parseName(name), kind: 'ifb', mac })));
}
