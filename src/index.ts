// nslab: isolated network namespaces, rtnetlink devices and kernel-state reads.
export { createNetns, adoptNetns, Netns, type CreateNetnsOptions, type AdoptTarget } from './netns/netns.ts';
export { NetnsHandle } from './handle/handle.ts';
export {
  NeighbourTable,
  type Neighbour,
  type NeighbourFilter,
  type NeighbourKey,
  type NeighbourSpec,
} from './netns/neigh.ts';
export type { NeighState } from './values/neigh.ts';
export { RuleTable, type Rule, type RuleFilter, type RuleSpec } from './netns/rule.ts';
export type { RuleAction } from './values/rule.ts';
export type { Cleanup } from './handle/cleanup.ts';
export type { NetlinkSocket } from './netlink/socket.ts';
export { sweepStalePins } from './handle/pin.ts';
export type { KernelEvent } from './handle/events.ts';
export type { BindResult } from './handle/bind-probe.ts';
export type { Sysctls, SysctlHost } from './handle/sysctl.ts';
export type { SysctlKey, SysctlValue } from './values/sysctl.ts';
export { Link, isLink } from './devices/link.ts';
export { Bridge, type BridgeOptions } from './devices/bridge.ts';
export { BridgeVlans, type VlanSpec, type PortVlan, type BridgeVlan } from './devices/bridge-vlan.ts';
export { BridgeFdb, type FdbEntry, type FdbEntryKey, type FdbEntrySpec, type FdbFilter } from './devices/bridge-fdb.ts';
export type { PortArg } from './devices/bridge-member.ts';
export type { BridgePortOptions, BridgePortState } from './devices/bridge-port.ts';
export type { BridgeSettingsSpec, BridgeOptionsState } from './devices/bridge-options.ts';
export type { PortState, FdbState } from './values/bridge.ts';
export type { VlanProtocol } from './values/vlan-protocol.ts';
export { Tap, type TapOptions, type TapOwner } from './devices/tap.ts';
export { TapHolder, type HolderExit } from './devices/holder.ts';
export { TunFile, type TunMode } from './devices/tun-file.ts';
export type { VethOptions } from './devices/veth.ts';
export type { DummyOptions } from './devices/dummy.ts';
export type { VlanOptions } from './devices/vlan.ts';
export type { MacvlanOptions } from './devices/macvlan.ts';
export type { IpvlanOptions } from './devices/ipvlan.ts';
export type { VxlanOptions } from './devices/vxlan.ts';
export { Master } from './devices/master.ts';
export { Bond, type BondOptions } from './devices/bond.ts';
export { Vrf, type VrfOptions } from './devices/vrf.ts';
export type { IfbOptions } from './devices/ifb.ts';
export type { NetkitOptions } from './devices/netkit.ts';
export { kernelSupports } from './netns/support.ts';
export type { KindDetails } from './netlink/link-kinds.ts';
export type { VlanDetails } from './netlink/kinds/vlan.ts';
export type { MacvlanDetails, MacvlanMode } from './netlink/kinds/macvlan.ts';
export type { IpvlanDetails, IpvlanMode } from './netlink/kinds/ipvlan.ts';
export type { VxlanDetails } from './netlink/kinds/vxlan.ts';
export type { BondDetails, BondMode } from './netlink/kinds/bond.ts';
export type { VrfDetails } from './netlink/kinds/vrf.ts';
export type { NetkitDetails, NetkitMode, NetkitPolicy } from './netlink/kinds/netkit.ts';
export type { LinkState, LinkSnapshot, AddressState } from './devices/state.ts';
export { Listener, type ListenSpec, type Arrival } from './traffic/listen.ts';
export type { Endpoint } from './handle/sockaddr.ts';
export { RouteTable, type RouteListOptions, type RouteGetOptions } from './netns/route.ts';
export type { RouteSpec, NexthopSpec } from './netns/route-spec.ts';
export type { Route, RouteLookup, NexthopState } from './netns/route-view.ts';
export type { RouteType, RouteScope, RouteProtocol } from './values/route.ts';
export type { TableName } from './values/table.ts';
export { formatBridgeId, parseBridgeId, type BridgeId } from './values/bridge-id.ts';
export type { TunInfo, LinkStats } from './netlink/link.ts';
export type { Operstate } from './values/operstate.ts';
export type { AddressFlag, LinkFlag } from './values/flags.ts';
export { BatchRefusalError, NetlinkError, type RequestSummary } from './netlink/errors.ts';
export { SysError } from './sys/libc.ts';
export { waitForState, type WaitForStateOptions } from './wait/state.ts';
export type { Waited } from './sys/poll.ts';
export {
  Capture,
  CapturedPacket,
  MAX_BYTES,
  MAX_PACKETS,
  type CaptureOptions,
  type CaptureStats,
} from './capture/capture.ts';
export type { PacketType, RawPacket } from './capture/packet-socket.ts';
export type { BpfInstruction } from './capture/bpf.ts';
export type { PacketPattern, Direction, Matchable } from './packet/pattern.ts';
export type * from './packet/layers.ts';
export { decodeFrame } from './packet/decode.ts';
export * from './errors.ts';
