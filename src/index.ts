// nslab: isolated network namespaces, rtnetlink devices and kernel-state reads.
export { createNetns, adoptNetns, Netns, type CreateNetnsOptions, type AdoptTarget } from './netns/netns.ts';
export { sweepStalePins } from './handle/pin.ts';
export type { KernelEvent } from './handle/events.ts';
export type { BindResult } from './handle/bind-probe.ts';
export { Link, isLink } from './devices/link.ts';
export { Bridge, type BridgeOptions } from './devices/bridge.ts';
export { Tap, type TapOptions, type TapOwner } from './devices/tap.ts';
export { TapHolder, type HolderExit } from './devices/holder.ts';
export { TunFile, type TunMode } from './devices/tun-file.ts';
export type { VethOptions } from './devices/veth.ts';
export type { LinkState, LinkSnapshot, AddressState } from './devices/state.ts';
export { formatBridgeId, parseBridgeId } from './values/bridge-id.ts';
export type { BridgeId, TunInfo } from './netlink/link.ts';
export { NetlinkError, type RequestSummary } from './netlink/errors.ts';
export { SysError } from './sys/libc.ts';
export * from './errors.ts';
