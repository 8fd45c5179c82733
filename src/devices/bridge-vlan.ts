// `bridge vlan` on one bridge (bridge.vlan): the VLANs of its ports and of the bridge itself.
import * as C from '../sys/constants.ts';
import { hasErrno, UnsupportedFeatureError } from '../errors.ts';
import type { LinkMessage } from '../netlink/link.ts';
import { bridgeLinkList, bridgeVlan } from '../rtnl/bridge.ts';
import { parseVid } from '../values/bridge.ts';
import { optionalBoolean, requireObject } from '../values/checks.ts';
import { bridgeMember, explainRefusal, type Member, type PortArg } from './bridge-member.ts';
import type { Link } from './link.ts';

/** A VLAN to add to a port, as `bridge vlan add dev PORT vid VID [pvid] [untagged]`. */
export interface VlanSpec {
  /** The VLAN id, 1 to 4094. */
  vid: number;
  /** Untagged frames received on the port go to this VLAN (a port has one pvid: this moves it). */
  pvid?: boolean;
  /** Frames of this VLAN leave the port untagged. */
  untagged?: boolean;
}

/** One VLAN of a port, as `bridge vlan show` lists it. */
export interface PortVlan {
  /** The VLAN id. */
  vid: number;
  /** It is the port's pvid. */
  pvid: boolean;
  /** Egress untagged. */
  untagged: boolean;
}

/** One VLAN of the bridge's list (bridge.vlan.list()): a port's, or the bridge's own (port is the bridge). */
export interface BridgeVlan extends PortVlan {
  /** The port's name; the bridge's for its own VLANs ("self"). */
  port: string;
}

export const VLAN_FILTERING = 'bridge VLAN filtering';
export const VLAN_FILTERING_OPTION = 'CONFIG_BRIDGE_VLAN_FILTERING';

/** A device's VLANs from its AF_BRIDGE message, in the kernel's order (ascending). */
export const vlansOf = (m: LinkMessage | undefined): PortVlan[] =>
  (m?.vlans ?? []).map((v) => ({
    vid: v.vid,
    pvid: (v.flags & C.BRIDGE_VLAN_INFO_PVID) !== 0,
    untagged: (v.flags & C.BRIDGE_VLAN_INFO_UNTAGGED) !== 0,
  }));

/** The device's VLANs now (`bridge vlan show dev DEV`): none when it is no bridge and no port. */
export function readVlans(link: Link): PortVlan[] {
  return vlansOf(bridgeLinkList(link.ns.rtnl).find((m) => m.index === link.index));
}

/** The VLANs of one bridge: `bridge vlan` bound to it. */
export class BridgeVlans {
  readonly #bridge: Link;

  /** Made by the bridge (bridge.vlan). */
  constructor(bridge: Link) {
    this.#bridge = bridge;
  }

  #request(action: 'add' | 'del', member: Member, vid: number, flags: number, words: string): void {
    const what = `vlan ${action} dev ${member.name} vid ${vid}${words}${member.self ? ' self' : ''}`;
    try {
      bridgeVlan(this.#bridge.ns.rtnl, action, { index: member.index, self: member.self, vid, flags }, what);
    } catch (error) {
      // The device is this bridge or its port (checked first): EOPNOTSUPP is the kernel's lack of VLANs.
      if (hasErrno(error, 'EOPNOTSUPP'))
        throw new UnsupportedFeatureError(VLAN_FILTERING, VLAN_FILTERING_OPTION, `bridge ${what}`, { cause: error });
      throw explainRefusal(error, { ENOENT: `${member.name} has no VLAN ${vid}` });
    }
  }

  /**
   * `bridge vlan add dev PORT vid VID [pvid] [untagged]`; the bridge itself as port adds to its
   * own VLANs (`self`), which decide what reaches the bridge's own interface.
   */
  async add(port: PortArg, spec: VlanSpec): Promise<void> {
    requireObject('vlan.add', spec, '{ vid, pvid?, untagged? }');
    const vid = parseVid('vlan.add', spec.vid);
    const pvid = optionalBoolean('vlan.add', 'pvid', spec.pvid);
    const untagged = optionalBoolean('vlan.add', 'untagged', spec.untagged);
    const member = bridgeMember(this.#bridge, 'vlan.add', port);
    const flags = (pvid ? C.BRIDGE_VLAN_INFO_PVID : 0) | (untagged ? C.BRIDGE_VLAN_INFO_UNTAGGED : 0);
    this.#request('add', member, vid, flags, `${pvid ? ' pvid' : ''}${untagged ? ' untagged' : ''}`);
  }

  /** `bridge vlan del dev PORT vid VID`: a VLAN the port does not have is refused (ENOENT). */
  async del(port: PortArg, spec: { vid: number }): Promise<void> {
    requireObject('vlan.del', spec, '{ vid }');
    const vid = parseVid('vlan.del', spec.vid);
    this.#request('del', bridgeMember(this.#bridge, 'vlan.del', port), vid, 0, '');
  }

  /** `bridge vlan show`: the VLANs of every port of the bridge and of the bridge itself; or of one port. */
  async list(port?: PortArg): Promise<BridgeVlan[]> {
    const member = port === undefined ? undefined : bridgeMember(this.#bridge, 'vlan.list', port);
    const bridge = this.#bridge.index;
    return bridgeLinkList(this.#bridge.ns.rtnl)
      .filter((m) => (member ? m.index === member.index : m.index === bridge || m.master === bridge))
      .flatMap((m) => vlansOf(m).map((v) => ({ port: m.name, ...v })));
  }
}
