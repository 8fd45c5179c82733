// A handle on one device in one namespace, addressed by its index (names can change, indices
// do not). Methods read like `ip link` / `ip addr` and act at once through rtnetlink.
import { NetnsHandle, type FacadeNetns } from '../handle/handle.ts';
import type { LinkMessage, LinkStats } from '../netlink/link.ts';
import { linkDel, linkDelIfPresent, linkFind, linkGet, linkProperty, linkSet } from '../rtnl/link.ts';
import { addrAdd, addrDel, addrList } from '../rtnl/addr.ts';
import { parseCidr } from '../values/ip.ts';
import { parseMac } from '../values/mac.ts';
import { parseAltName, type IfName } from '../values/name.ts';
import { requireInteger } from '../values/checks.ts';
import { IFALIASZ } from '../sys/constants.ts';
import {
  DeviceNotFoundError,
  InvalidArgumentError,
  MtuOutOfRangeError,
  NamespaceDestroyedError,
  NotABridgeError,
  NslabError,
} from '../errors.ts';
import { netnsId } from '../handle/switch.ts';
import {
  addressState,
  linkSnapshot,
  mustReadLinkState,
  type AddressState,
  type LinkSnapshot,
  type LinkState,
} from './state.ts';

const INT_MAX = 0x7fffffff;

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

  /**
   * `ip link set DEV mtu N`. An MTU outside the device's own range (IFLA_MIN_MTU to
   * IFLA_MAX_MTU, read first) is a MtuOutOfRangeError naming the range, before any change is
   * requested; what the kernel still refuses arrives as its NetlinkError, with its extack.
   */
  async setMtu(mtu: number): Promise<void> {
    // The kernel holds an MTU in an int: a larger u32 would arrive negative.
    requireInteger(mtu, 0, INT_MAX, (v) => `setMtu: an MTU is a whole number of bytes up to ${INT_MAX}, received ${v}`);
    const { minMtu = 0, maxMtu = 0 } = this.message();
    // A max of 0 is the kernel's "no upper limit" (dev_validate_mtu).
    if (mtu < minMtu || (maxMtu > 0 && mtu > maxMtu))
      throw new MtuOutOfRangeError(this.toString(), mtu, minMtu, maxMtu || INT_MAX);
    linkSet(this.ns.rtnl, this.index, { mtu }, this.name);
  }

  /** `ip link set DEV txqueuelen N`: the transmit queue's length, in packets. */
  async setTxQueueLen(length: number): Promise<void> {
    requireInteger(
      length,
      0,
      0xffffffff,
      (v) => `setTxQueueLen: a queue length is a whole number of packets from 0 to 4294967295, received ${v}`,
    );
    linkSet(this.ns.rtnl, this.index, { txQueueLen: length }, this.name);
  }

  /** `ip link set DEV alias TEXT`: the device's description (IFLA_IFALIAS); an empty text clears it. */
  async setAlias(text: string): Promise<void> {
    const bad = (rule: string): never => {
      throw new InvalidArgumentError(`setAlias: ${rule}, received ${JSON.stringify(text)}`, text);
    };
    if (typeof text !== 'string') bad('an alias is a string (empty clears it)');
    if (text.includes('\0')) bad('a NUL byte would end the alias early');
    if (Buffer.byteLength(text, 'utf8') >= IFALIASZ) bad(`an alias is at most ${IFALIASZ - 1} bytes`);
    linkSet(this.ns.rtnl, this.index, { alias: text }, this.name);
  }

  /** `ip link property add dev DEV altname NAME`: another name the device answers to (up to 127 bytes). */
  async addAltName(name: string): Promise<void> {
    linkProperty(this.ns.rtnl, this.index, 'add', parseAltName(name), this.name);
  }

  /** `ip link property del dev DEV altname NAME`. */
  async delAltName(name: string): Promise<void> {
    linkProperty(this.ns.rtnl, this.index, 'del', parseAltName(name), this.name);
  }

  /**
   * `ip link set DEV netns NS`: moves the device into another namespace, keeping its name, and
   * returns a handle on it there (a plain Link). This handle then names nothing. In an adopted
   * target (a container's), destroy() deletes the device, as it does the devices made there.
   */
  async moveTo(target: NetnsHandle): Promise<Link> {
    if (!(target instanceof NetnsHandle)) {
      throw new InvalidArgumentError(
        `moveTo: the target must be a namespace handle (createNetns(), adoptNetns()), received ${String(target)}`,
        target,
      );
    }
    if (target.destroyed) throw new NamespaceDestroyedError(target.label, `moving ${this} into it`);
    if (target === this.ns || netnsId(target.fd) === netnsId(this.ns.fd)) {
      throw new InvalidArgumentError(`moveTo: ${this} is already in namespace ${target.label}`, target);
    }
    linkSet(this.ns.rtnl, this.index, { nsFd: target.fd }, this.name);
    // Moved in by nslab, it is nslab's to delete when an adopted target is released, like a device made there.
    return registerCreated(new Link(target, linkGet(target.rtnl, this.name as IfName)));
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
    return linkSnapshot(this.message());
  }

  /**
   * The device's counters now (IFLA_STATS64: packets, bytes, errors, drops), one read; a mark
   * for `expect(link).toHaveStatsSince(mark, { rxPackets: 3 })`.
   */
  async stats(): Promise<LinkStats> {
    const { stats } = this.message({ stats: true });
    // Every kernel since 2.6.35 sends it unless asked not to: its absence is a decoder bug.
    if (!stats) throw new NslabError(`the kernel sent no IFLA_STATS64 for ${this}; report it with uname -r`);
    return stats;
  }

  /** The device's own message, read now. */
  private message(options: { stats?: boolean } = {}): LinkMessage {
    const m = linkFind(this.ns.rtnl, this.index, options);
    if (!m) throw new DeviceNotFoundError(this.name);
    return m;
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
