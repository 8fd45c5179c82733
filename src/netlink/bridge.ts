// What the bridge driver adds to link messages: the bridge's options (IFLA_BR_* in
// IFLA_INFO_DATA), a port's options (IFLA_BRPORT_* in IFLA_INFO_SLAVE_DATA, or in IFLA_PROTINFO
// of AF_BRIDGE messages) and VLANs (IFLA_BRIDGE_VLAN_INFO in IFLA_AF_SPEC), both ways.
import * as C from '../sys/constants.ts';
import { attrU16, attrU32, attrU8, parseAttrList, parseAttrs, type MessageWriter } from './codec.ts';
import { MalformedMessageError } from '../errors.ts';
import { formatMac } from '../values/mac.ts';
import type { BridgeId } from '../values/bridge-id.ts';

/** A bridge's IFLA_INFO_DATA, as the kernel reports it; times in centiseconds (clock_t), as on the wire. */
export interface BridgeInfo {
  bridgeId?: BridgeId;
  rootId?: BridgeId;
  /** IFLA_BR_STP_STATE: 0 off, 1 the kernel's STP, 2 a user-space daemon's. */
  stpState?: number;
  priority?: number;
  /** IFLA_BR_FORWARD_DELAY, in centiseconds. */
  forwardDelay?: number;
  /** IFLA_BR_AGEING_TIME: how long a learned FDB entry lives, in centiseconds. */
  ageingTime?: number;
  /** IFLA_BR_VLAN_FILTERING. */
  vlanFiltering?: boolean;
  /** IFLA_BR_VLAN_PROTOCOL: ETH_P_8021Q or ETH_P_8021AD; kernels without CONFIG_BRIDGE_VLAN_FILTERING send none. */
  vlanProtocol?: number;
  /** IFLA_BR_VLAN_DEFAULT_PVID: the VLAN a new port joins untagged as its pvid, 0 for none; absent like vlanProtocol. */
  defaultPvid?: number;
}

const decodeBridgeId = (b: Buffer | undefined): BridgeId | undefined =>
  b && b.length >= 8 ? { priority: b.readUInt16BE(0), mac: formatMac(b.subarray(2, 8)) } : undefined;

const BRIDGE_ATTRS = new Set([
  C.IFLA_BR_BRIDGE_ID,
  C.IFLA_BR_ROOT_ID,
  C.IFLA_BR_STP_STATE,
  C.IFLA_BR_PRIORITY,
  C.IFLA_BR_FORWARD_DELAY,
  C.IFLA_BR_AGEING_TIME,
  C.IFLA_BR_VLAN_FILTERING,
  C.IFLA_BR_VLAN_PROTOCOL,
  C.IFLA_BR_VLAN_DEFAULT_PVID,
]);

/** The only attribute in network byte order here (a __be16 EtherType). */
function attrBe16(b: Buffer | undefined): number | undefined {
  if (b && b.length < 2) throw new MalformedMessageError(`IFLA_BR_VLAN_PROTOCOL of ${b.length} bytes`, 0, b.length);
  return b?.readUInt16BE(0);
}

/** Only what the kernel sent: a field it did not send stays absent, not undefined. */
function present<T extends object>(values: { [K in keyof T]: T[K] | undefined }): T {
  const out = {} as T;
  for (const [k, v] of Object.entries(values)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

export function decodeBridge(data: Buffer): BridgeInfo {
  const a = parseAttrs(data, 0, BRIDGE_ATTRS);
  const filtering = attrU8(a, C.IFLA_BR_VLAN_FILTERING);
  return present<BridgeInfo>({
    bridgeId: decodeBridgeId(a.get(C.IFLA_BR_BRIDGE_ID)),
    rootId: decodeBridgeId(a.get(C.IFLA_BR_ROOT_ID)),
    stpState: attrU32(a, C.IFLA_BR_STP_STATE),
    priority: attrU16(a, C.IFLA_BR_PRIORITY),
    forwardDelay: attrU32(a, C.IFLA_BR_FORWARD_DELAY),
    ageingTime: attrU32(a, C.IFLA_BR_AGEING_TIME),
    vlanFiltering: filtering === undefined ? undefined : filtering !== 0,
    vlanProtocol: attrBe16(a.get(C.IFLA_BR_VLAN_PROTOCOL)),
    defaultPvid: attrU16(a, C.IFLA_BR_VLAN_DEFAULT_PVID),
  });
}

/** Bridge options to write, already checked and in wire units. */
export type BridgeSettings = Omit<BridgeInfo, 'bridgeId' | 'rootId' | 'priority'>;

const u16 = (value: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value);
  return b;
};
const be16 = (value: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
};

/** The IFLA_BR_* attributes of IFLA_INFO_DATA, in iproute2's order (the kernel applies them in its own). */
export function writeBridgeSettings(w: MessageWriter, s: BridgeSettings): void {
  if (s.stpState !== undefined) w.u32(C.IFLA_BR_STP_STATE, s.stpState);
  if (s.forwardDelay !== undefined) w.u32(C.IFLA_BR_FORWARD_DELAY, s.forwardDelay);
  if (s.ageingTime !== undefined) w.u32(C.IFLA_BR_AGEING_TIME, s.ageingTime);
  if (s.vlanFiltering !== undefined) w.u8(C.IFLA_BR_VLAN_FILTERING, s.vlanFiltering ? 1 : 0);
  if (s.vlanProtocol !== undefined) w.bytes(C.IFLA_BR_VLAN_PROTOCOL, be16(s.vlanProtocol));
  if (s.defaultPvid !== undefined) w.bytes(C.IFLA_BR_VLAN_DEFAULT_PVID, u16(s.defaultPvid));
}

/** A bridge port's options (IFLA_BRPORT_*), as the kernel reports them and as they are written. */
export interface BridgePortInfo {
  /** IFLA_BRPORT_STATE: a BR_STATE_* value. */
  state?: number;
  /** IFLA_BRPORT_LEARNING: source MACs of frames received on the port go into the FDB. */
  learning?: boolean;
  /** IFLA_BRPORT_UNICAST_FLOOD: unicast frames to unknown MACs are flooded out of the port. */
  flood?: boolean;
  /** IFLA_BRPORT_MODE: hairpin, frames may go back out of the port they came in on. */
  hairpin?: boolean;
  /** IFLA_BRPORT_ISOLATED: the port forwards to and from non-isolated ports only. */
  isolated?: boolean;
}

const flag = (v: number | undefined): boolean | undefined => (v === undefined ? undefined : v !== 0);

const PORT_ATTRS = new Set([
  C.IFLA_BRPORT_STATE,
  C.IFLA_BRPORT_MODE,
  C.IFLA_BRPORT_LEARNING,
  C.IFLA_BRPORT_UNICAST_FLOOD,
  C.IFLA_BRPORT_ISOLATED,
]);

export function decodeBridgePort(data: Buffer): BridgePortInfo {
  const a = parseAttrs(data, 0, PORT_ATTRS);
  return present<BridgePortInfo>({
    state: attrU8(a, C.IFLA_BRPORT_STATE),
    learning: flag(attrU8(a, C.IFLA_BRPORT_LEARNING)),
    flood: flag(attrU8(a, C.IFLA_BRPORT_UNICAST_FLOOD)),
    hairpin: flag(attrU8(a, C.IFLA_BRPORT_MODE)),
    isolated: flag(attrU8(a, C.IFLA_BRPORT_ISOLATED)),
  });
}

/** The IFLA_BRPORT_* attributes, in the order `bridge link set` writes them. */
export function writeBridgePort(w: MessageWriter, p: BridgePortInfo): void {
  const bit = (v: boolean): number => (v ? 1 : 0);
  if (p.hairpin !== undefined) w.u8(C.IFLA_BRPORT_MODE, bit(p.hairpin));
  if (p.flood !== undefined) w.u8(C.IFLA_BRPORT_UNICAST_FLOOD, bit(p.flood));
  if (p.learning !== undefined) w.u8(C.IFLA_BRPORT_LEARNING, bit(p.learning));
  if (p.state !== undefined) w.u8(C.IFLA_BRPORT_STATE, p.state);
  if (p.isolated !== undefined) w.u8(C.IFLA_BRPORT_ISOLATED, bit(p.isolated));
}

/** One VLAN of a port (or of the bridge itself): struct bridge_vlan_info. */
export interface VlanInfo {
  vid: number;
  /** BRIDGE_VLAN_INFO_* bits (PVID, UNTAGGED, ...), without the range markers. */
  flags: number;
}

const RANGE = C.BRIDGE_VLAN_INFO_RANGE_BEGIN | C.BRIDGE_VLAN_INFO_RANGE_END;

/**
 * The VLANs of an IFLA_AF_SPEC, one entry a VLAN. Asked for with RTEXT_FILTER_BRVLAN_COMPRESSED,
 * the kernel sends runs of VLANs with the same flags as a RANGE_BEGIN entry and a RANGE_END one.
 */
export function decodeVlans(afSpec: Buffer): VlanInfo[] {
  const out: VlanInfo[] = [];
  let begin: number | undefined;
  for (const b of parseAttrList(afSpec, C.IFLA_BRIDGE_VLAN_INFO)) {
    if (b.length < 4) throw new MalformedMessageError(`IFLA_BRIDGE_VLAN_INFO of ${b.length} bytes`, 0, b.length);
    const flags = b.readUInt16LE(0);
    const vid = b.readUInt16LE(2);
    if (flags & C.BRIDGE_VLAN_INFO_RANGE_BEGIN) {
      begin = vid;
      continue;
    }
    const first = flags & C.BRIDGE_VLAN_INFO_RANGE_END ? begin : vid;
    if (first === undefined || first > vid)
      throw new MalformedMessageError(`a VLAN range that ends at ${vid} without a beginning`, 0, afSpec.length);
    for (let v = first; v <= vid; v++) out.push({ vid: v, flags: flags & ~RANGE });
    begin = undefined;
  }
  return out;
}

/** The IFLA_AF_SPEC of `bridge vlan add|del`: SELF for the bridge device's own VLANs, then one bridge_vlan_info. */
export function writeVlanSpec(w: MessageWriter, vlan: VlanInfo & { self: boolean }): void {
  const info = Buffer.alloc(4);
  info.writeUInt16LE(vlan.flags, 0);
  info.writeUInt16LE(vlan.vid, 2);
  // Without NLA_F_NESTED, as iproute2 sends it: the kernel walks it without a policy either way.
  w.nest(
    C.IFLA_AF_SPEC,
    (spec) => {
      if (vlan.self) spec.bytes(C.IFLA_BRIDGE_FLAGS, u16(C.BRIDGE_FLAGS_SELF));
      spec.bytes(C.IFLA_BRIDGE_VLAN_INFO, info);
    },
    { flagged: false },
  );
}
