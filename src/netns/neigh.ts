// `ip neigh` on a namespace (ns.neigh): ARP and NDP entries, added, replaced, deleted, listed and
// read one at a time. Every option is checked before anything is sent; the device is resolved
// last, since that is the one step that asks the kernel.
import * as C from '../sys/constants.ts';
import { hasErrno, InvalidArgumentError } from '../errors.ts';
import type { NetnsHandle } from '../handle/handle.ts';
import type { NeighMessage } from '../netlink/neigh.ts';
import { linkList } from '../rtnl/link.ts';
import {
  neighAdd,
  neighDel,
  neighGet,
  neighList,
  neighReplace,
  type NeighEntry,
  type NeighKey,
} from '../rtnl/neigh.ts';
import type { Link } from '../devices/link.ts';
import { formatIp, ipBytes } from '../values/ip.ts';
import { parseMac } from '../values/mac.ts';
import { neighStateName, parseNeighState, type NeighState } from '../values/neigh.ts';
import { deviceOption, resolveDevice } from './inputs.ts';
import { optionalBoolean, requireObject } from '../values/checks.ts';

/** Which entry: its device and the neighbour's address (ns.neigh.del(), ns.neigh.get()). */
export interface NeighbourKey {
  /** The device the entry belongs to: a handle of this namespace, or a device name. */
  dev: Link | string;
  /** The neighbour's IP address: "192.0.2.2" (ARP) or "2001:db8::2" (NDP). */
  to: string;
  /** A proxy entry (`ip neigh add proxy`): this host answers for the address on dev. */
  proxy?: boolean;
}

/** An entry to add or replace, as `ip neigh add TO lladdr LLADDR nud STATE [router] dev DEV`. */
export interface NeighbourSpec extends NeighbourKey {
  /** The neighbour's link-layer address, "52:54:00:00:00:02"; proxy entries have none. */
  lladdr?: string;
  /** The NUD state (default "permanent", as iproute2's); proxy entries have none. */
  state?: NeighState;
  /** NTF_ROUTER: the neighbour is a router (an NDP flag; iproute2's `router`). */
  router?: boolean;
}

/** Which entries ns.neigh.list() returns. */
export interface NeighbourFilter {
  /** Only this device's entries. */
  dev?: Link | string;
  /** The proxy entries instead of the neighbours (`ip neigh show proxy`). */
  proxy?: boolean;
}

/** One entry of a neighbour table, as `ip neigh show nud all` lists it. */
export interface Neighbour {
  /** The device's name (undefined for a proxy entry of no device, or a device gone meanwhile). */
  dev: string | undefined;
  /** The device's ifindex. */
  index: number;
  /** The neighbour's IP address, canonical: "192.0.2.2", "2001:db8::2". */
  to: string;
  /** 4 (ARP) or 6 (NDP). */
  family: 4 | 6;
  /** The link-layer address in lower case, when the entry has one (incomplete, failed and proxy entries do not). */
  lladdr: string | undefined;
  /** The NUD state; undefined if the kernel reported a value that is not exactly one state. */
  state: NeighState | undefined;
  /** NTF_ROUTER is set. */
  router: boolean;
  /** NTF_PROXY: a proxy entry. */
  proxy: boolean;
}

/** The entry a NeighMessage reports, with the device's name where the caller knows it. */
export function neighbourOf(m: NeighMessage, dev: string | undefined): Neighbour {
  return {
    dev,
    index: m.index,
    to: m.address,
    family: m.family,
    lladdr: m.lladdr,
    state: neighStateName(m.state),
    router: (m.flags & C.NTF_ROUTER) !== 0,
    proxy: (m.flags & C.NTF_PROXY) !== 0,
  };
}

/** The namespace's neighbour tables, as ns.neigh: `ip neigh` bound to one namespace. */
export class NeighbourTable {
  readonly #ns: NetnsHandle;

  /** Made by the namespace (ns.neigh). */
  constructor(ns: NetnsHandle) {
    this.#ns = ns;
  }

  /** The device, checked; resolving a name asks the kernel, so callers do it after every other check. */
  #device(where: string, dev: unknown): () => { index: number; name: string } {
    const device = deviceOption(where, this.#ns, dev);
    return () => resolveDevice(this.#ns, device);
  }

  #key(where: string, key: NeighbourKey): { resolve: () => NeighKey } {
    requireObject(where, key, '{ dev, to, proxy? }');
    const address = ipBytes(key.to);
    const proxy = optionalBoolean(where, 'proxy', key.proxy);
    const device = this.#device(where, key.dev);
    return {
      resolve: () => {
        const { index, name } = device();
        return { index, dev: name, address, proxy };
      },
    };
  }

  /**
   * In a namespace nslab did not create (a container's), destroy() removes the entries nslab
   * added, as it does the devices; in its own, destroying the namespace removes everything.
   */
  #undoInAdopted(key: NeighKey): void {
    if (this.#ns.owned) return;
    this.#ns.cleanup.defer(`neigh del ${formatIp(key.address)} dev ${key.dev}`, () => {
      try {
        neighDel(this.#ns.rtnl, key);
      } catch (error) {
        // Deleted by hand already, or with its device.
        if (!hasErrno(error, 'ENOENT') && !hasErrno(error, 'ENODEV')) throw error;
      }
    });
  }

  #entry(where: string, spec: NeighbourSpec): NeighEntry {
    requireObject(where, spec, '{ dev, to, lladdr?, state?, router?, proxy? }');
    const key = this.#key(where, spec);
    const router = optionalBoolean(where, 'router', spec.router);
    if (spec.proxy === true && (spec.lladdr !== undefined || spec.state !== undefined || router)) {
      throw new InvalidArgumentError(
        `${where}: a proxy entry has no lladdr, state or router flag (the kernel keeps only its address and device); leave them out`,
        spec,
      );
    }
    const lladdr = spec.lladdr === undefined ? undefined : parseMac(spec.lladdr);
    const state = parseNeighState(where, spec.state ?? 'permanent');
    return { ...key.resolve(), lladdr, state, router };
  }

  /** `ip neigh add`: a new entry; an existing one is refused (NetlinkError EEXIST). */
  async add(spec: NeighbourSpec): Promise<void> {
    const entry = this.#entry('neigh.add', spec);
    neighAdd(this.#ns.rtnl, entry);
    this.#undoInAdopted(entry);
  }

  /** `ip neigh replace`: the entry, created or overwritten. */
  async replace(spec: NeighbourSpec): Promise<void> {
    const entry = this.#entry('neigh.replace', spec);
    // Only an entry the replace creates is nslab's to remove; one it overwrites was there before.
    const created = this.#ns.owned || !neighGet(this.#ns.rtnl, entry);
    neighReplace(this.#ns.rtnl, entry);
    if (created) this.#undoInAdopted(entry);
  }

  /** `ip neigh del`: a missing entry is refused (NetlinkError ENOENT). */
  async del(key: NeighbourKey): Promise<void> {
    neighDel(this.#ns.rtnl, this.#key('neigh.del', key).resolve());
  }

  /** `ip neigh get`: the one entry, or undefined when there is none. */
  async get(key: NeighbourKey): Promise<Neighbour | undefined> {
    const k = this.#key('neigh.get', key).resolve();
    const m = neighGet(this.#ns.rtnl, k);
    return m && neighbourOf(m, k.dev);
  }

  /** `ip neigh show [proxy] [dev DEV] nud all`: every entry, of both families, whatever its state. */
  async list(filter: NeighbourFilter = {}): Promise<Neighbour[]> {
    requireObject('neigh.list', filter, '{ dev?, proxy? }');
    const proxy = optionalBoolean('neigh.list', 'proxy', filter.proxy);
    const device = filter.dev === undefined ? undefined : this.#device('neigh.list', filter.dev)();
    const sock = this.#ns.rtnl;
    const entries = neighList(sock, { index: device?.index ?? 0, proxy });
    const names = device
      ? new Map([[device.index, device.name]])
      : new Map(linkList(sock).map((l) => [l.index, l.name]));
    return entries.map((m) => neighbourOf(m, names.get(m.index)));
  }
}
