import type { NetnsHandle } from '../handle/handle.ts';
import { linkAdd, linkList } from '../rtnl/link.ts';
import { parseMacOption } from '../values/mac.ts';
import { parseName } from '../values/name.ts';
import { Link, registerCreated } from './link.ts';

/** A handle on a bridge device (`type bridge`), as addBridge() returns it. */
export class Bridge extends Link {
  /** The devices attached to this bridge now. */
  async ports(): Promise<Link[]> {
    return linkList(this.ns.rtnl, { master: this.index }).map((m) => new Link(this.ns, m));
  }
}

/** Options of addBridge(). */
export interface BridgeOptions {
  /** An explicit MAC: the bridge then keeps it (and its bridge ID) whatever ports join. */
  mac?: string;
}

/** `ip link add NAME [address MAC] type bridge` */
export function addBridge(ns: NetnsHandle, name: string, options: BridgeOptions = {}): Bridge {
  return registerCreated(
    new Bridge(ns, linkAdd(ns.rtnl, { name: parseName(name), kind: 'bridge', mac: parseMacOption(options.mac) })),
  );
}
