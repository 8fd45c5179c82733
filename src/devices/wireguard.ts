import type { NetnsHandle } from '../handle/handle.ts';
import { linkAdd } from '../rtnl/link.ts';
import { parseName } from '../values/name.ts';
import { Link, registerCreated } from './link.ts';

/**
 * `ip link add NAME type wireguard`: the link only. Its private key, listen port and peers are
 * set over generic netlink (the "wireguard" family, `wg set`), which nslab does not speak yet:
 * configure them with `ns.exec('wg', [...])`. UnsupportedKindError on kernels without CONFIG_WIREGUARD.
 */
export function addWireguard(ns: NetnsHandle, name: string): Link {
  return registerCreated(new Link(ns, linkAdd(ns.rtnl, { name: parseName(name), kind: 'wireguard' })));
}
