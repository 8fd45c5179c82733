// Errors users can catch by class. Each message says what happened and what to do about it;
// the fields carry the same facts for programs.
import { release } from 'node:os';

/** The base of every error nslab throws on purpose: `catch (e) { if (e instanceof NslabError) ... }`. */
export class NslabError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A refusal that carries an errno: a failed libc call (SysError) or a netlink request the kernel refused (NetlinkError). */
export class ErrnoError extends NslabError {
  /** The errno value. */
  readonly errno: number;
  /** The errno name, EPERM, ENODEV, ...: what nslab compares, so that a check reads like the man page. */
  readonly code: string;
  constructor(message: string, errno: number, code: string, options?: ErrorOptions) {
    super(message, options);
    this.errno = errno;
    this.code = code;
  }
}

/** Whether error is a refusal with this errno name. */
export function hasErrno(error: unknown, code: string): error is ErrnoError {
  return error instanceof ErrnoError && error.code === code;
}

/** The process lacks a capability the kernel demands for this operation. */
export class PermissionError extends NslabError {
  /** The capability that was missing. */
  readonly capability: 'CAP_NET_ADMIN' | 'CAP_SYS_ADMIN' | 'CAP_NET_RAW';
  constructor(
    capability: 'CAP_NET_ADMIN' | 'CAP_SYS_ADMIN' | 'CAP_NET_RAW',
    operation: string,
    options?: ErrorOptions,
  ) {
    super(
      `${operation} needs ${capability}, which this process does not have. Run as root, or grant it ` +
        `(docker run --cap-add ${capability.slice(4)}, or setcap ${capability.toLowerCase()}+ep on the node binary).`,
      options,
    );
    this.capability = capability;
  }
}

/** EPERM, from a libc call or the kernel, as the capability the operation needs; any other error as it is. */
export function asPermissionError(
  error: unknown,
  capability: PermissionError['capability'],
  operation: string,
): unknown {
  return hasErrno(error, 'EPERM') ? new PermissionError(capability, operation, { cause: error }) : error;
}

const kernelOptionOfKind: Record<string, string> = {
  bridge: 'CONFIG_BRIDGE',
  dummy: 'CONFIG_DUMMY',
  veth: 'CONFIG_VETH',
  tun: 'CONFIG_TUN',
  vlan: 'CONFIG_VLAN_8021Q',
  macvlan: 'CONFIG_MACVLAN',
  macvtap: 'CONFIG_MACVTAP',
  ipvlan: 'CONFIG_IPVLAN',
  vxlan: 'CONFIG_VXLAN',
  geneve: 'CONFIG_GENEVE',
  bond: 'CONFIG_BONDING',
  team: 'CONFIG_NET_TEAM',
  vrf: 'CONFIG_NET_VRF',
  wireguard: 'CONFIG_WIREGUARD',
  netkit: 'CONFIG_NETKIT',
  ifb: 'CONFIG_IFB',
  gre: 'CONFIG_NET_IPGRE',
  gretap: 'CONFIG_NET_IPGRE',
  ipip: 'CONFIG_NET_IPIP',
  sit: 'CONFIG_IPV6_SIT',
  nlmon: 'CONFIG_NLMON',
};

/** The kernel option that provides devices of this kind (CONFIG_VLAN_8021Q for "vlan"), or a phrase naming it. */
export const kernelOptionOf = (kind: string): string =>
  Object.hasOwn(kernelOptionOfKind, kind) ? kernelOptionOfKind[kind]! : `the kernel option providing "${kind}"`;

/** The running kernel cannot create devices of this kind (driver not built, module missing). */
export class UnsupportedKindError extends NslabError {
  /** The device kind asked for ("dummy", "bridge", ...). */
  readonly kind: string;
  /** The kernel option that provides it (CONFIG_DUMMY, ...). */
  readonly kernelOption: string;
  /** The running kernel's release (uname -r). */
  readonly release: string;
  constructor(kind: string, kernelText: string | undefined, options?: ErrorOptions) {
    const option = kernelOptionOf(kind);
    const running = release();
    super(
      `this kernel (${running}) cannot create "${kind}" devices${kernelText ? ` (kernel: "${kernelText}")` : ''}: it was built ` +
        `without ${option} or its module is not installed. Run the test under a kernel that has it, with nslab's ` +
        'kernel runner: `npm run kernels -- run -- npx vitest run FILE` boots a Debian kernel, which has most kinds as modules ' +
        '(kernelSupports(kind) tells a test whether to skip).',
      options,
    );
    this.kind = kind;
    this.kernelOption = option;
    this.release = running;
  }
}

/**
 * A driver that creates devices in the initial namespace as it loads (dummy0, bond0, ...) is not
 * loaded, and nslab could not load it with a count of 0; left to the kernel's autoload, it would
 * create them in the host's namespace.
 */
export class ModuleLoadError extends NslabError {
  /** The device kind asked for. */
  readonly kind: string;
  /** The kernel module that provides it. */
  readonly module: string;
  /** What to run as root before the test, e.g. `modprobe dummy numdummies=0`. */
  readonly command: string;
  constructor(kind: string, module: string, option: string, reason: string, options?: ErrorOptions) {
    const command = `modprobe ${module} ${option}`;
    super(
      `cannot create "${kind}" devices safely: the module ${module} is not loaded and nslab could not load it (${reason}); ` +
        `loaded by the kernel on demand, it would create ${kind}0 in the host's network namespace. Load it first as root ` +
        `on the host: ${command} (or add "options ${module} ${option}" to /etc/modprobe.d/nslab.conf)`,
      options,
    );
    this.kind = kind;
    this.module = module;
    this.command = command;
  }
}

/** A value was rejected before anything was sent to the kernel. */
export class InvalidArgumentError extends NslabError {
  /** The value as it was passed. */
  readonly value: unknown;
  constructor(message: string, value: unknown) {
    super(message);
    this.value = value;
  }
}

export class InvalidNameError extends InvalidArgumentError {}

/** setMtu() was asked for an MTU outside the range the device reports (IFLA_MIN_MTU to IFLA_MAX_MTU). */
export class MtuOutOfRangeError extends InvalidArgumentError {
  /** The smallest MTU the device takes. */
  readonly min: number;
  /** The largest MTU the device takes. */
  readonly max: number;
  constructor(device: string, mtu: number, min: number, max: number) {
    super(
      `setMtu: ${device} takes an MTU from ${min} to ${max} bytes (its IFLA_MIN_MTU and IFLA_MAX_MTU), received ${mtu}; pick one in that range`,
      mtu,
    );
    this.min = min;
    this.max = max;
  }
}
export class InvalidMacError extends InvalidArgumentError {}
export class InvalidAddressError extends InvalidArgumentError {}

/** A sysctl key names no file under /proc/sys in the namespace (ENOENT). */
export class SysctlNotFoundError extends NslabError {
  /** The key as it was checked: "net.ipv6.conf.eth9.accept_dad". */
  readonly key: string;
  constructor(key: string, segments: readonly string[], namespace: string, options?: ErrorOptions) {
    // net.ipv4.conf.DEV.x, net.ipv6.conf.DEV.x, net.ipv4.neigh.DEV.x: the fourth segment is a device.
    const device = ['conf', 'neigh'].includes(segments[2] ?? '') ? segments[3] : undefined;
    const why =
      device && !['all', 'default'].includes(device)
        ? `the device "${device}" may not exist in this namespace, or `
        : '';
    super(
      `no sysctl ${key} in namespace ${namespace} (ENOENT): ${why}the key is misspelt or the module that provides it ` +
        '(ipv6, br_netfilter, nf_conntrack, ...) is not loaded; `sysctl -a` inside the namespace lists what exists',
      options,
    );
    this.key = key;
  }
}

/**
 * A sysctl cannot be written because /proc/sys is mounted read-only in this process's mount
 * namespace (EROFS): Docker does that in every container that is not privileged. The mount
 * refuses, not the network namespace, so it happens in namespaces nslab created too; reads work.
 */
export class SysctlReadOnlyError extends NslabError {
  /** The key that was to be written: "net.ipv4.ip_forward". */
  readonly key: string;
  constructor(key: string, namespace: string, options?: ErrorOptions) {
    super(
      `cannot write sysctl ${key} in namespace ${namespace} (EROFS): /proc/sys is mounted read-only in this ` +
        "process's mount namespace, as Docker does in a container, so no sysctl can be written from here, in any " +
        'network namespace (reading works). Start the container with `--security-opt systempaths=unconfined` ' +
        '(and `--cap-add NET_ADMIN`, which the write needs as well), or remount it from inside, with CAP_SYS_ADMIN: ' +
        '`mount -o remount,rw /proc/sys` (an AppArmor profile may forbid that). A `-v /proc/sys:/proc/sys` volume ' +
        "is no way round it: Docker's runtime (runc) refuses any mount inside /proc",
      options,
    );
    this.key = key;
  }
}

/** A device name is already used in the namespace. */
export class NameTakenError extends NslabError {
  /** The name asked for. */
  readonly deviceName: string;
  /** The device that has it. */
  readonly existing: {
    /** Its ifindex. */
    index: number;
    /** Its kind, if it has one. */
    kind: string | undefined;
  };
  constructor(name: string, existing: { index: number; kind: string | undefined }, options?: ErrorOptions) {
    super(
      `a device named "${name}" already exists in this namespace (index ${existing.index}, kind ${existing.kind ?? 'unknown'}); ` +
        'pick another name or delete that device first',
      options,
    );
    this.deviceName = name;
    this.existing = existing;
  }
}

/** No device of this name or index is in the namespace. */
export class DeviceNotFoundError extends NslabError {
  /** The name or index looked for. */
  readonly device: string | number;
  constructor(device: string | number, options?: ErrorOptions) {
    super(
      `no device ${typeof device === 'number' ? `with index ${device}` : `named "${device}"`} in this namespace; it was deleted or never created`,
      options,
    );
    this.device = device;
  }
}

/** attachTo() was given a device that is no bridge: only bridges take ports. */
export class NotABridgeError extends NslabError {
  /** The device's name. */
  readonly deviceName: string;
  /** Its kind, if it has one. */
  readonly kind: string | undefined;
  constructor(name: string, kind: string | undefined) {
    super(`"${name}" is a ${kind ?? 'device without a kind'}, not a bridge: only bridges take ports`);
    this.deviceName = name;
    this.kind = kind;
  }
}

/** enslave() was given a device that already has a master (a bridge, a bond, a vrf). */
export class AlreadyEnslavedError extends NslabError {
  /** The device that was to be enslaved. */
  readonly device: string;
  /** The name of its master now. */
  readonly master: string;
  constructor(device: string, master: string, into: string) {
    super(
      `cannot enslave ${device} to ${into}: it is already a port of ${master}, which the kernel would take it out ` +
        `of without a word. Release it from ${master} first (release(), detach(), \`ip link set DEV nomaster\`)`,
    );
    this.device = device;
    this.master = master;
  }
}

/** A bridge operation named a device that is not a port of that bridge (bridge.vlan, bridge.fdb, bridge.setPort). */
export class NotABridgePortError extends NslabError {
  /** The device's name. */
  readonly deviceName: string;
  /** The bridge the operation was for. */
  readonly bridge: string;
  /** The device's master now, if it has one. */
  readonly master: string | undefined;
  constructor(operation: string, name: string, bridge: string, master: string | undefined) {
    super(
      `${operation}: "${name}" is not a port of bridge "${bridge}" (${master ? `its master is "${master}"` : 'it has no master'}); ` +
        `attach it first (${name}.attachTo(${bridge})), or pass the bridge itself for its own entries`,
    );
    this.deviceName = name;
    this.bridge = bridge;
    this.master = master;
  }
}

/** The running kernel was built without a feature the operation needs (a kernel option of a kind it has). */
export class UnsupportedFeatureError extends NslabError {
  /** What was asked for: "bridge VLAN filtering", ... */
  readonly feature: string;
  /** The kernel option that provides it: CONFIG_BRIDGE_VLAN_FILTERING, ... */
  readonly kernelOption: string;
  constructor(feature: string, kernelOption: string, operation: string, options?: ErrorOptions) {
    super(
      `${operation}: this kernel has no ${feature}: it was built without ${kernelOption}. Use a kernel that has it, ` +
        "for example through nslab's kernel runner (npm run kernels), whose Debian kernels have it",
      options,
    );
    this.feature = feature;
    this.kernelOption = kernelOption;
  }
}

/** The namespace handle was used after destroy(). */
export class NamespaceDestroyedError extends NslabError {
  constructor(label: string, operation: string) {
    super(`${operation}: namespace ${label} was already destroyed; create a new one (createNetns())`);
  }
}

/** destroy() could not kill every process that held on to what it tore down; it went on without them. */
export class ProcessesSurvivedError extends NslabError {
  /** The namespace's label. */
  readonly namespace: string;
  /** The processes still running. */
  readonly survivors: ReadonlyArray<{
    /** Its pid. */
    pid: number;
    /** Its command line. */
    command: string;
  }>;
  constructor(namespace: string, survivors: ReadonlyArray<{ pid: number; command: string }>, why: string) {
    const list = survivors.map((s) => `pid ${s.pid} (${s.command})`).join(', ');
    super(`namespace ${namespace}: destroy() left ${list} running, ${why}`);
    this.namespace = namespace;
    this.survivors = survivors;
  }
}

/**
 * Bytes that do not form the message they claim to be: a length that runs past its buffer, a
 * fixed header or attribute too short for its type. The kernel does not send such messages; the
 * error stops the decoder from reading past the end or returning a guess.
 */
export class MalformedMessageError extends NslabError {
  /** Offset of the part that does not fit, within the bytes being decoded. */
  readonly offset: number;
  /** How many bytes there were. */
  readonly length: number;

  constructor(what: string, offset: number, length: number) {
    super(
      `malformed netlink message: ${what} at offset ${offset} of ${length}; ` +
        "the kernel does not send this, so report it (with uname -r) as a bug in nslab's decoder",
    );
    this.offset = offset;
    this.length = length;
  }
}
