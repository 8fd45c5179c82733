// A bridge's own options (`ip link add|set NAME type bridge ...`), checked and turned into the
// IFLA_BR_* values of IFLA_INFO_DATA; and what the kernel reports of them, for state().
import type { BridgeInfo, BridgeSettings } from '../netlink/bridge.ts';
import { parseSeconds, secondsOf } from '../values/bridge.ts';
import { parseVlanProtocol, vlanProtocolName, type VlanProtocol } from '../values/vlan-protocol.ts';
import { optionalBoolean, optionalInteger, requireObject } from '../values/checks.ts';

/** The options of a bridge that addBridge() takes and bridge.set() changes. */
export interface BridgeSettingsSpec {
  /** IFLA_BR_VLAN_FILTERING: forward by the ports' VLANs (bridge.vlan); needs CONFIG_BRIDGE_VLAN_FILTERING. */
  vlanFiltering?: boolean;
  /** IFLA_BR_STP_STATE: run the kernel's spanning tree (in a namespace, the kernel's: no user-space helper). */
  stp?: boolean;
  /** IFLA_BR_FORWARD_DELAY, in seconds to the hundredth: how long a port listens, then learns, under STP (2 to 30 with STP on). */
  forwardDelay?: number;
  /** IFLA_BR_AGEING_TIME, in seconds to the hundredth: how long a learned FDB entry lives unseen (0: never learned for long). */
  ageingTime?: number;
  /** IFLA_BR_VLAN_PROTOCOL: "802.1Q" (the default) or "802.1ad". */
  vlanProtocol?: VlanProtocol;
  /** IFLA_BR_VLAN_DEFAULT_PVID: the VLAN a new port joins as pvid untagged (default 1; 0 for none). */
  defaultPvid?: number;
}

/** The bridge's options as state() reports them: times in seconds, like the options. */
export interface BridgeOptionsState {
  /** VLAN filtering is on. */
  vlanFiltering: boolean | undefined;
  /** The kernel's STP runs (IFLA_BR_STP_STATE is not 0). */
  stp: boolean | undefined;
  /** Seconds. */
  forwardDelay: number | undefined;
  /** Seconds. */
  ageingTime: number | undefined;
  /** Undefined on a kernel without CONFIG_BRIDGE_VLAN_FILTERING, which reports none. */
  vlanProtocol: VlanProtocol | undefined;
  /** Undefined like vlanProtocol. */
  defaultPvid: number | undefined;
}

/** What state() reports of a bridge's IFLA_INFO_DATA. */
export function bridgeOptionsState(info: BridgeInfo): BridgeOptionsState {
  return {
    vlanFiltering: info.vlanFiltering,
    stp: info.stpState === undefined ? undefined : info.stpState !== 0,
    forwardDelay: info.forwardDelay === undefined ? undefined : secondsOf(info.forwardDelay),
    ageingTime: info.ageingTime === undefined ? undefined : secondsOf(info.ageingTime),
    vlanProtocol: info.vlanProtocol === undefined ? undefined : vlanProtocolName(info.vlanProtocol),
    defaultPvid: info.defaultPvid,
  };
}

/** The options, checked, in wire units. */
export function parseBridgeSettings(where: string, spec: BridgeSettingsSpec): BridgeSettings {
  requireObject(where, spec, '{ vlanFiltering?, stp?, forwardDelay?, ageingTime?, vlanProtocol?, defaultPvid? }');
  const s: BridgeSettings = {};
  if (spec.vlanFiltering !== undefined) s.vlanFiltering = optionalBoolean(where, 'vlanFiltering', spec.vlanFiltering);
  if (spec.stp !== undefined) s.stpState = optionalBoolean(where, 'stp', spec.stp) ? 1 : 0;
  if (spec.forwardDelay !== undefined) s.forwardDelay = parseSeconds(where, 'forwardDelay', spec.forwardDelay);
  if (spec.ageingTime !== undefined) s.ageingTime = parseSeconds(where, 'ageingTime', spec.ageingTime);
  if (spec.vlanProtocol !== undefined) s.vlanProtocol = parseVlanProtocol(where, spec.vlanProtocol);
  // 0 is allowed: no default pvid, so new ports join no VLAN.
  const pvid = optionalInteger(where, 'defaultPvid', spec.defaultPvid, 0, 4094);
  if (pvid !== undefined) s.defaultPvid = pvid;
  return s;
}

/** The options that need CONFIG_BRIDGE_VLAN_FILTERING: without it, the kernel ignores two of them without a word. */
export const needsVlanSupport = (s: BridgeSettings): boolean =>
  s.vlanFiltering !== undefined || s.vlanProtocol !== undefined || s.defaultPvid !== undefined;

/** The words iproute2 takes after `type bridge` for these settings. */
export function bridgeWords(s: BridgeSettings): string {
  const words: string[] = [];
  if (s.stpState !== undefined) words.push(`stp_state ${s.stpState}`);
  if (s.forwardDelay !== undefined) words.push(`forward_delay ${s.forwardDelay}`);
  if (s.ageingTime !== undefined) words.push(`ageing_time ${s.ageingTime}`);
  if (s.vlanFiltering !== undefined) words.push(`vlan_filtering ${s.vlanFiltering ? 1 : 0}`);
  if (s.vlanProtocol !== undefined) words.push(`vlan_protocol ${vlanProtocolName(s.vlanProtocol)}`);
  if (s.defaultPvid !== undefined) words.push(`vlan_default_pvid ${s.defaultPvid}`);
  return words.join(' ');
}

/**
 * The settings in the requests that apply them. The kernel changes the default pvid only while
 * VLAN filtering is off (EPERM otherwise), and it applies IFLA_BR_VLAN_FILTERING before the
 * pvid within one request: so turning filtering on goes in a request of its own, after the rest.
 */
export function inOrder(s: BridgeSettings): BridgeSettings[] {
  if (s.vlanFiltering !== true) return [s];
  const { vlanFiltering, ...rest } = s;
  return Object.keys(rest).length ? [rest, { vlanFiltering }] : [{ vlanFiltering }];
}
