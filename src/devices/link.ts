// A handle on one device in one namespace, addressed by its index (names can change, indices
// do not). Methods read like `ip link` / `ip addr` and act at once through rtnetlink.
import type { FacadeNetns, NetnsHandle } from '../handle/handle.ts';
import type { LinkMessage } from '../netlink/link.ts';
import { linkDel, linkDelIfPresent, linkFind, linkGet, linkSet } from '../rtnl/link.ts';
import { addrAdd, addrDel, addrList } from '../rtnl/addr.ts';
import { parseCidr } from '../values/ip.ts';
import { parseMac } from '../values/mac.ts';
import { DeviceNotFoundError, InvalidArgumentError, NotABridgeError } from '../errors.ts';
import { netnsId } from '../handle/switch.ts';
import {
  addressState,
  linkSnapshot,
  mustReadLinkState,
  type AddressState,
  type LinkSnapshot,
  type LinkState,
} from './state.ts';

/** A handle on one device in one namespace, addressed by its ifindex; methods act at once through rtnetlink. */
export class Link {
  /** The namespace the device is in: a Netns, as createNetns() and adoptNetns() made it. */
  readonly ns: FacadeNetns;
  /** The ifindex, fixed for the device's life (`ip link show` prints it first). */
  readonly index: number;
  /** The interface name as read when the handle was made (IFLA_IFNAME). */
  readonly name: string;
  /** IFLA_INFO_KIND: "bridge", "tun", "veth", "dummy", ...; undefined for a device without one, such as lo. */
  readonly kind: string | undefined;

  constructor(ns: NetnsHandle, msg: Pick<LinkMessage, 'index' | 'name' | 'kind'>) {
    this.ns = ns as FacadeNetns;
    this.index = msg.index;
    this.name = msg.name;
    this.kind = msg.kind;
  }

  /** "KIND NAME (index N) in NAMESPACE", as error messages print the device. */
  toString(): string {
    return `${this.kind ?? 'link'} ${this.name} (index ${this.index}) in ${this.ns.label}`;
  }

  /** `ip link set DEV up`: sets IFF_UP. */
  async up(): Promise<void> {
    linkSet(this.ns.rtnl, this.index, { up: true }, this.name);
  }

  /** `ip link set DEV down`: clears IFF_UP. */
  async down(): Promise<void> {
    linkSet(this.ns.rtnl, this.index, { up: false }, this.name);
  }

  /** `ip link set DEV address MAC`; mac is six hex octets, "52:54:00:00:00:01". */
  async setMac(mac: string): Promise<void> {
    linkSet(this.ns.rtnl, this.index, { mac: parseMac(mac) }, this.name);
  }

  /** Makes this device a port of bridge (`ip link set DEV master BRIDGE`). */
  async attachTo(bridge: Link): Promise<void> {
    if (bridge.ns !== this.ns && netnsId(bridge.ns.fd) !== netnsId(this.ns.fd)) {
      throw new InvalidArgumentError(
        `${bridge} is not in the namespace of ${this}: a port must be in its bridge's namespace`,
        bridge,
      );
    }
    const check = (): void => {
      const target = linkGet(bridge.ns.rtnl, bridge.index);
      if (target.kind !== 'bridge') throw new NotABridgeError(target.name, target.kind);
    };
    // A handle read as a bridge skips the read: if the index now names something else (the
    // bridge was deleted), the kernel refuses the master and the read afterwards explains why.
    if (bridge.kind !== 'bridge') check();
    try {
      linkSet(this.ns.rtnl, this.index, { master: bridge.index }, this.name);
    } catch (error) {
      if (bridge.kind === 'bridge') check();
      throw error;
    }
  }

  /** Leaves whatever bridge this device is a port of (`ip link set DEV nomaster`). */
  async detach(): Promise<void> {
    linkSet(this.ns.rtnl, this.index, { master: 0 }, this.name);
  }

  /** `ip link del DEV`; deleting one end of a veth pair deletes the other too. */
  async delete(): Promise<void> {
    linkDel(this.ns.rtnl, this.index, this.name);
  }

  /** `ip addr add`; IPv6 addresses go through duplicate address detection unless dad is false. */
  async addAddress(cidr: string, options: { dad?: boolean } = {}): Promise<void> {
    addrAdd(this.ns.rtnl, this.index, parseCidr(cidr), { nodad: options.dad === false }, this.name);
  }

  /** `ip addr del CIDR dev DEV`. */
  async removeAddress(cidr: string): Promise<void> {
    addrDel(this.ns.rtnl, this.index, parseCidr(cidr), this.name);
  }

  /** `ip addr show dev DEV`: the addresses on the device now, with their flags. */
  async addresses(): Promise<AddressState[]> {
    return addrList(this.ns.rtnl, this.index).map(addressState);
  }

  /** Everything the kernel reports about the device now (waitForState() waits for it to change). */
  async state(): Promise<LinkState> {
    return mustReadLinkState(this.ns.rtnl, this.index, this.name, this.kind);
  }

  /**
   * One targeted read of the device's own state: flags, operstate, carrier, MAC, bridge ID, ...
   * Cheaper than state(): no ports, addresses or master name, and a bridge's ports are not
   * read first, so a bridge's carrier may still lag a port's change by a linkwatch run.
   */
  async read(): Promise<LinkSnapshot> {
    const m = linkFind(this.ns.rtnl, this.index);
    if (!m) throw new DeviceNotFoundError(this.name);
    return linkSnapshot(m);
  }
}

/** True if value is a device handle (a Link or one of its subclasses: Bridge, Tap, ...). */
export function isLink(value: unknown): value is Link {
  return value instanceof Link;
}

/**
 * Registers the undo of a device creation. In a namespace nslab owns, destroying the namespace
 * removes its devices in one kernel step, so only adopted namespaces (a container's, which
 * outlive the handle) get a per-device delete.
 */
export function registerCreated<T extends Link>(link: T): T {
  if (!link.ns.owned) {
    link.ns.cleanup.defer(`delete ${link.name}`, () => linkDelIfPresent(link.ns.rtnl, link.index, link.name));
  }
  return link;
}
