import type { NetnsHandle } from '../handle/handle.ts';
import { hasErrno, InvalidArgumentError, UnsupportedFeatureError } from '../errors.ts';
import type { MessageWriter } from '../netlink/codec.ts';
import { writeBridgeSettings, type BridgeSettings } from '../netlink/bridge.ts';
import type { NetlinkSocket } from '../netlink/socket.ts';
import type { LinkMessage } from '../netlink/link.ts';
import { bridgePortSet, bridgeSet } from '../rtnl/bridge.ts';
import { linkAdd, linkDelIfPresent, linkGet, linkList } from '../rtnl/link.ts';
import { requireObject } from '../values/checks.ts';
import { parseMacOption } from '../values/mac.ts';
import { parseName } from '../values/name.ts';
import { BridgeFdb } from './bridge-fdb.ts';
import { bridgeMember, explainRefusal, type PortArg } from './bridge-member.ts';
import { parsePortOptions, type BridgePortOptions } from './bridge-port.ts';
import {
  bridgeWords,
  inOrder,
  needsVlanSupport,
  parseBridgeSettings,
  type BridgeSettingsSpec,
} from './bridge-options.ts';
import { BridgeVlans, VLAN_FILTERING, VLAN_FILTERING_OPTION } from './bridge-vlan.ts';
import { Link, registerCreated } from './link.ts';

/** A handle on a bridge device (`type bridge`), as addBridge() returns it. */
export class Bridge extends Link {
  /** `bridge vlan` on this bridge: add(port, { vid, pvid?, untagged? }), del(port, { vid }), list(port?). */
  readonly vlan: BridgeVlans = new BridgeVlans(this);
  /** `bridge fdb` on this bridge: add({ mac, port, vlan?, state? }), del({ mac, port, vlan? }), list({ vlan?, port? }). */
  readonly fdb: BridgeFdb = new BridgeFdb(this);

  /** The devices attached to this bridge now. */
  async ports(): Promise<Link[]> {
    return linkList(this.ns.rtnl, { master: this.index }).map((m) => new Link(this.ns, m));
  }

  /** `ip link set dev BRIDGE type bridge ...`: changes the options given, leaves the others. */
  async set(options: BridgeSettingsSpec): Promise<void> {
    const settings = parseBridgeSettings('set', options);
    const now = linkGet(this.ns.rtnl, this.index);
    if (needsVlanSupport(settings)) requireVlanSupport(now, `set ${this.name} ${bridgeWords(settings)}`);
    const { defaultPvid } = settings;
    if (
      defaultPvid !== undefined &&
      defaultPvid !== now.bridge?.defaultPvid &&
      now.bridge?.vlanFiltering === true &&
      settings.vlanFiltering !== false
    ) {
      throw new InvalidArgumentError(
        `set: ${this.name} filters by VLAN, and the kernel changes the default pvid only while VLAN filtering is off (EPERM otherwise); ` +
          'pass vlanFiltering: false in the same call (and set it true again afterwards)',
        defaultPvid,
      );
    }
    const [first = {}, ...later] = inOrder(settings);
    setBridge(this.ns.rtnl, this.index, this.name, first);
    try {
      for (const part of later) setBridge(this.ns.rtnl, this.index, this.name, part);
    } catch (error) {
      // A refused later request leaves the options as they were: the first one's are put back.
      const before = Object.fromEntries(
        Object.keys(first).map((k) => [k, now.bridge?.[k as keyof BridgeSettings]]),
      ) as BridgeSettings;
      setBridge(this.ns.rtnl, this.index, this.name, before);
      throw error;
    }
  }

  /** `bridge link set dev PORT ...`: a port's learning, flooding, hairpin, isolation and STP state. */
  async setPort(port: PortArg, options: BridgePortOptions): Promise<void> {
    const info = parsePortOptions('setPort', options);
    const member = bridgeMember(this, 'setPort', port);
    if (member.self) {
      throw new InvalidArgumentError(`setPort: ${this.name} is the bridge itself, not one of its ports`, port);
    }
    const words = Object.entries(options)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => (typeof v === 'boolean' ? `${k} ${v ? 'on' : 'off'}` : `${k} ${String(v)}`));
    try {
      bridgePortSet(this.ns.rtnl, member.index, info, `link set dev ${member.name} ${words.join(' ')}`);
    } catch (error) {
      throw explainRefusal(error, {
        ENETDOWN: `${member.name} is down or has no carrier, and such a port takes no state but "disabled"; bring it up first`,
        EBUSY: `the kernel's STP sets the port states of ${this.name} while stp is on; set({ stp: false }) first`,
      });
    }
  }
}

/** One request of `ip link set dev NAME type bridge ...`; none for no options. */
function setBridge(sock: NetlinkSocket, index: number, name: string, settings: BridgeSettings): void {
  if (!Object.keys(settings).length) return;
  bridgeSet(sock, index, settings, `link set dev ${name} type bridge ${bridgeWords(settings)}`);
}

/** The kernel reports IFLA_BR_VLAN_PROTOCOL only when built with CONFIG_BRIDGE_VLAN_FILTERING. */
function requireVlanSupport(bridge: LinkMessage, operation: string, cause?: unknown): void {
  if (bridge.bridge?.vlanProtocol === undefined) {
    throw new UnsupportedFeatureError(VLAN_FILTERING, VLAN_FILTERING_OPTION, operation, { cause });
  }
}

/** Options of addBridge(): an explicit MAC, and the bridge's own options (see bridge.set()). */
export interface BridgeOptions extends BridgeSettingsSpec {
  /** An explicit MAC: the bridge then keeps it (and its bridge ID) whatever ports join. */
  mac?: string;
}

/**
 * `ip link add NAME [address MAC] type bridge [OPTIONS]`. A kernel without VLAN filtering
 * ignores vlanProtocol and defaultPvid without a word: the bridge it made is then deleted and
 * the call refused, as it refuses vlanFiltering.
 */
export function addBridge(ns: NetnsHandle, name: string, options: BridgeOptions = {}): Bridge {
  requireObject(
    'addBridge',
    options,
    '{ mac?, vlanFiltering?, stp?, forwardDelay?, ageingTime?, vlanProtocol?, defaultPvid? }',
  );
  const { mac, ...rest } = options;
  const settings = parseBridgeSettings('addBridge', rest);
  const [first = {}, ...later] = inOrder(settings);
  const words = bridgeWords(settings);
  const data = Object.keys(first).length
    ? {
        write: (w: MessageWriter) => writeBridgeSettings(w, first),
        words: bridgeWords(first),
      }
    : undefined;
  let created: LinkMessage;
  try {
    created = linkAdd(ns.rtnl, { name: parseName(name), kind: 'bridge', mac: parseMacOption(mac), data });
  } catch (error) {
    if (hasErrno(error, 'EOPNOTSUPP') && needsVlanSupport(first))
      throw new UnsupportedFeatureError(VLAN_FILTERING, VLAN_FILTERING_OPTION, `addBridge ${name} ${words}`, {
        cause: error,
      });
    throw error;
  }
  const bridge = new Bridge(ns, created);
  try {
    if (needsVlanSupport(settings)) requireVlanSupport(created, `addBridge ${name} ${words}`);
    for (const part of later) setBridge(ns.rtnl, bridge.index, name, part);
  } catch (error) {
    // A bridge without the options asked for is not what the caller asked for: nothing is left.
    linkDelIfPresent(ns.rtnl, bridge.index, name);
    throw error;
  }
  return registerCreated(bridge);
}
