// The namespace as users hold it: the handle (src/handle/) plus one method per device kind.
// A new kind is a file in src/devices/ and a method here.
import { SysError, sys } from '../sys/libc.ts';
import { NetlinkSocket } from '../netlink/socket.ts';
import { asPermissionError, InvalidArgumentError, NslabError } from '../errors.ts';
import { NetnsHandle } from '../handle/handle.ts';
import { openNetnsFile } from '../handle/ns-file.ts';
import { shown } from '../values/checks.ts';
import { homeNetns, netnsId, withNetns, withNewNetns } from '../handle/switch.ts';
import { isLink, type Link } from '../devices/link.ts';
import { existingLink } from '../devices/existing.ts';
import { addBridge, type Bridge, type BridgeOptions } from '../devices/bridge.ts';
import { addDummy, type DummyOptions } from '../devices/dummy.ts';
import { addTap, openTun, type Tap, type TapOptions } from '../devices/tap.ts';
import { addVeth, type VethOptions } from '../devices/veth.ts';
import type { TunFile } from '../devices/tun-file.ts';
import { addVlan, type VlanOptions } from '../devices/vlan.ts';
import { addMacvlan, type MacvlanOptions } from '../devices/macvlan.ts';
import { addIpvlan, type IpvlanOptions } from '../devices/ipvlan.ts';
import { addVxlan, type VxlanOptions } from '../devices/vxlan.ts';
import { addBond, type Bond, type BondOptions } from '../devices/bond.ts';
import { addVrf, type Vrf, type VrfOptions } from '../devices/vrf.ts';
import { addIfb, type IfbOptions } from '../devices/ifb.ts';
import { addWireguard } from '../devices/wireguard.ts';
import { addNetkit, type NetkitOptions } from '../devices/netkit.ts';
import { readAllLinkStates, type LinkState } from '../devices/state.ts';
import { RouteTable } from './route.ts';
import { NeighbourTable } from './neigh.ts';
import { RuleTable } from './rule.ts';
import { listen, type Listener, type ListenSpec } from '../traffic/listen.ts';
import { Capture, type CaptureOptions } from '../capture/capture.ts';

let counter = 0;

/** Options of createNetns(). */
export interface CreateNetnsOptions {
  /** A short label for messages and for the pin name. */
  label?: string;
  /** Also bind-mount the namespace on /run/netns/nslab-<pid>.<start>.<pidns>-<label>, for `ip netns exec` while debugging. */
  pin?: boolean;
}

/** A network namespace as createNetns() and adoptNetns() return it: the handle plus one method per device kind. */
export class Netns extends NetnsHandle {
  /** `ip route` here: `ns.route.add({ dst: 'default', via: '192.0.2.254' })`, list(), get(dst), ... */
  readonly route: RouteTable = new RouteTable(this);
  /** The neighbour tables (ARP, NDP): `ip neigh` add, replace, del, get, list. */
  readonly neigh: NeighbourTable = new NeighbourTable(this);
  /** The policy rules (IPv4, IPv6): `ip rule` add, del, list. */
  readonly rule: RuleTable = new RuleTable(this);

  /** Use createNetns() or adoptNetns(). */
  constructor(fd: number, socket: NetlinkSocket, label: string, owned: boolean) {
    super(fd, socket, label, owned);
  }

  /** `ip link add NAME type bridge` */
  async addBridge(name: string, options?: BridgeOptions): Promise<Bridge> {
    return addBridge(this, name, options);
  }

  /** A tap (or tun) whose descriptor is owned by this process, a holder process, or nobody. */
  async addTap(name: string, options?: TapOptions): Promise<Tap> {
    return addTap(this, name, options);
  }

  /** A veth pair; the peer may live in another namespace. */
  async addVeth(name: string, options: VethOptions): Promise<[Link, Link]> {
    return addVeth(this, name, options);
  }

  /** `ip link add NAME type dummy` */
  async addDummy(name: string, options?: DummyOptions): Promise<Link> {
    return addDummy(this, name, options);
  }

  /** `ip link add link PARENT name NAME type vlan id ID [protocol 802.1ad]` */
  async addVlan(name: string, options: VlanOptions): Promise<Link> {
    return addVlan(this, name, options);
  }

  /** `ip link add link PARENT name NAME type macvlan [mode MODE]` */
  async addMacvlan(name: string, options: MacvlanOptions): Promise<Link> {
    return addMacvlan(this, name, options);
  }

  /** `ip link add link PARENT name NAME type ipvlan [mode MODE]` */
  async addIpvlan(name: string, options: IpvlanOptions): Promise<Link> {
    return addIpvlan(this, name, options);
  }

  /** `ip link add NAME type vxlan id VNI [remote IP | group IP dev DEV] [local IP] [dstport PORT]` */
  async addVxlan(name: string, options: VxlanOptions): Promise<Link> {
    return addVxlan(this, name, options);
  }

  /** `ip link add NAME type bond [mode MODE] [miimon MS]`; enslave() its ports. */
  async addBond(name: string, options?: BondOptions): Promise<Bond> {
    return addBond(this, name, options);
  }

  /** `ip link add NAME type vrf table N`; enslave() its devices. */
  async addVrf(name: string, options: VrfOptions): Promise<Vrf> {
    return addVrf(this, name, options);
  }

  /** `ip link add NAME type ifb` */
  async addIfb(name: string, options?: IfbOptions): Promise<Link> {
    return addIfb(this, name, options);
  }

  /** `ip link add NAME type wireguard`: the link only (no keys or peers, which take generic netlink). */
  async addWireguard(name: string): Promise<Link> {
    return addWireguard(this, name);
  }

  /** A netkit pair (`type netkit ... peer name PEER`); the peer may live in another namespace. */
  async addNetkit(name: string, options: NetkitOptions): Promise<[Link, Link]> {
    return addNetkit(this, name, options);
  }

  /** The namespace's loopback device. */
  async loopback(): Promise<Link> {
    return this.link('lo');
  }

  /** A handle on an existing device, by name or index. */
  async link(device: string | number): Promise<Link> {
    return existingLink(this, device);
  }

  /** The state of every device in the namespace. */
  async links(): Promise<LinkState[]> {
    return readAllLinkStates(this.rtnl);
  }

  /**
   * A TCP or UDP server here that records what arrives (`srv.received`, `await srv.next()`), and
   * echoes it if asked: `await ns.listen({ udp: 5353, echo: true })`. Closed by close() or destroy().
   */
  async listen(spec: ListenSpec): Promise<Listener> {
    return listen(this, spec);
  }

  /**
   * Starts capturing on a device of this namespace (a handle or a name): an AF_PACKET socket
   * bound to it, read as packets arrive. `await expect(capture).toHaveSeen({ arp: { op: 'request' } })`;
   * capture.writePcap(path) for tcpdump -r; stop() ends it, and destroy() stops it too.
   */
  async capture(device: Link | string, options?: CaptureOptions): Promise<Capture> {
    const link = typeof device === 'string' ? await this.link(device) : device;
    if (!isLink(link)) {
      throw new InvalidArgumentError(
        `capture: device must be a device handle or a name, received ${shown(device)}`,
        device,
      );
    }
    if (link.ns !== this) {
      throw new InvalidArgumentError(
        `capture: ${link} is not in ${this.label}; capture it from its own namespace (link.ns.capture(link))`,
        device,
      );
    }
    return new Capture(link, options);
  }

  /** Opens /dev/net/tun here without attaching it to a device (TunFile.attach does that). */
  openTun(): TunFile {
    return openTun(this);
  }
}

declare module '../handle/handle.ts' {
  interface NamespaceFacade {
    netns: Netns;
  }
}

/** A fresh, empty network namespace (only a loopback, down), without moving the caller. */
export async function createNetns(options: CreateNetnsOptions = {}): Promise<Netns> {
  const label: unknown = options.label ?? `ns${++counter}`;
  // A pattern test would turn a number into text and let it through.
  if (typeof label !== 'string') {
    const type = label === null ? 'null' : typeof label;
    throw new InvalidArgumentError(`invalid namespace label of type ${type}: a label must be a string`, label);
  }
  if (!/^[\w.-]{1,64}$/.test(label))
    throw new NslabError(`invalid namespace label ${JSON.stringify(label)}: use letters, digits, ".", "_" or "-"`);
  let ns: Netns;
  try {
    ns = withNewNetns((fd) => new Netns(fd, new NetlinkSocket(), label, true));
  } catch (error) {
    throw asPermissionError(error, 'CAP_SYS_ADMIN', 'creating a network namespace');
  }
  if (options.pin) {
    try {
      ns.pin();
    } catch (error) {
      await ns.destroy();
      throw asPermissionError(error, 'CAP_SYS_ADMIN', 'pinning a namespace on /run/netns');
    }
  }
  return ns;
}

/** What adoptNetns() opens: a namespace file, or the network namespace of a process. */
export type AdoptTarget =
  | {
      /** A network namespace file: /proc/PID/ns/net, or a pin under /run/netns. */
      path: string;
    }
  | {
      /** A process whose network namespace to adopt (its /proc/PID/ns/net). */
      pid: number;
    };

/** The namespace file of target, refused before anything is opened when it cannot name one. */
function namespacePath(target: AdoptTarget): string {
  if (typeof target === 'object' && target !== null && 'pid' in target) {
    const { pid } = target;
    if (!Number.isSafeInteger(pid) || pid < 1) {
      throw new InvalidArgumentError(
        `adoptNetns: pid must be a process id (an integer from 1), received ${shown(pid)}`,
        pid,
      );
    }
    return `/proc/${pid}/ns/net`;
  }
  if (typeof target === 'object' && target !== null && 'path' in target) {
    const { path } = target;
    // open() would stop at a NUL and open another file than the one named.
    if (typeof path !== 'string' || path === '' || path.includes('\0')) {
      throw new InvalidArgumentError(
        `adoptNetns: path must be a non-empty string without NUL bytes, received ${shown(path)}`,
        path,
      );
    }
    return path;
  }
  const received = target === null ? 'null' : JSON.stringify(target);
  throw new InvalidArgumentError(`adoptNetns: pass { pid } or { path }, received ${received}`, target);
}

/**
 * A handle on an existing namespace: a container's (by pid) or a pinned one (by path).
 * destroy() removes what nslab created in it and releases the handle; the namespace stays.
 * The namespace this process started in is refused: nslab never changes the host's network.
 */
export async function adoptNetns(target: AdoptTarget, label?: string): Promise<Netns> {
  const path = namespacePath(target);
  if (label !== undefined && typeof label !== 'string') {
    throw new InvalidArgumentError(`adoptNetns: a label must be a string, received ${String(label)}`, label);
  }
  let fd: number;
  try {
    fd = openNetnsFile(path);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    const why = error instanceof SysError ? error.code : String(error);
    throw new NslabError(
      `cannot open the namespace at ${path} (${why}): ${'pid' in target ? 'is the process still running, and are you root?' : 'does the path exist?'}`,
      { cause: error },
    );
  }
  try {
    if (netnsId(fd) === netnsId(homeNetns())) {
      throw new NslabError(
        `${path} is the namespace this process runs in (the host's); nslab only works in namespaces it created or a container's`,
      );
    }
    return withNetns(fd, () => new Netns(fd, new NetlinkSocket(), label ?? `adopted:${path}`, false));
  } catch (error) {
    sys.close(fd);
    throw asPermissionError(error, 'CAP_SYS_ADMIN', `entering the namespace at ${path}`);
  }
}
