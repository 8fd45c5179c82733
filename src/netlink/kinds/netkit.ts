// IFLA_INFO_DATA of a netkit pair (IFLA_NETKIT_*, include/uapi/linux/if_link.h, Linux 6.7 and
// later). The numbers are written here from that header: the headers scripts/gen-constants.sh
// reads (Debian 12's, Linux 6.1) predate netkit.
import { attrU32, attrU8, parseAttrs } from '../codec.ts';
import { namedCodes } from '../../values/checks.ts';
import type { KindData } from './kind-data.ts';
import { writePeer, type PeerSpec } from './veth.ts';

const IFLA_NETKIT_PEER_INFO = 1;
const IFLA_NETKIT_PRIMARY = 2;
const IFLA_NETKIT_POLICY = 3;
const IFLA_NETKIT_PEER_POLICY = 4;
const IFLA_NETKIT_MODE = 5;

/** A netkit mode by iproute2's name: l3 (the kernel's default) carries packets, l2 Ethernet frames. */
export type NetkitMode = 'l2' | 'l3';
/** What a netkit end does with a packet no BPF program decided on, by iproute2's names (NETKIT_PASS, NETKIT_DROP). */
export type NetkitPolicy = 'forward' | 'blackhole';

export const NETKIT_MODES = namedCodes<NetkitMode>({ l2: 0, l3: 1 }, 'mode');
export const NETKIT_POLICIES = namedCodes<NetkitPolicy>({ forward: 0, blackhole: 2 }, 'policy');

/** What a netkit device reports about itself. */
export interface NetkitDetails {
  /** The kind, which tells the details apart. */
  kind: 'netkit';
  /** IFLA_NETKIT_MODE. */
  mode: NetkitMode | undefined;
  /** IFLA_NETKIT_POLICY: this end's default policy. */
  policy: NetkitPolicy | undefined;
  /** IFLA_NETKIT_PEER_POLICY: the other end's. */
  peerPolicy: NetkitPolicy | undefined;
  /** IFLA_NETKIT_PRIMARY: whether this is the end that was named first (the one BPF programs attach to). */
  primary: boolean;
}

/** The options as codes (NETKIT_MODES, NETKIT_POLICIES), each sent only when given. */
export interface NetkitSpec {
  peer: PeerSpec;
  mode?: number | undefined;
  policy?: number | undefined;
  peerPolicy?: number | undefined;
}

// In the order of the kernel's own selftest (tools/testing/selftests/bpf/prog_tests/tc_netkit.c).
export function netkitData(s: NetkitSpec): KindData {
  const words = [
    s.mode === undefined ? '' : `mode ${NETKIT_MODES.name(s.mode)}`,
    s.policy === undefined ? '' : `${NETKIT_POLICIES.name(s.policy)}`,
    `peer${s.peerPolicy === undefined ? '' : ` ${NETKIT_POLICIES.name(s.peerPolicy)}`} name ${s.peer.name}`,
  ];
  return {
    write: (w) => {
      if (s.policy !== undefined) w.u32(IFLA_NETKIT_POLICY, s.policy);
      if (s.peerPolicy !== undefined) w.u32(IFLA_NETKIT_PEER_POLICY, s.peerPolicy);
      if (s.mode !== undefined) w.u32(IFLA_NETKIT_MODE, s.mode);
      writePeer(w, IFLA_NETKIT_PEER_INFO, s.peer);
    },
    words: words.filter(Boolean).join(' '),
    peerName: s.peer.nsFd === undefined ? s.peer.name : undefined,
  };
}

const ATTRS = new Set([IFLA_NETKIT_PRIMARY, IFLA_NETKIT_POLICY, IFLA_NETKIT_PEER_POLICY, IFLA_NETKIT_MODE]);

export function decodeNetkit(data: Buffer): NetkitDetails {
  const a = parseAttrs(data, 0, ATTRS);
  const named = <K extends string>(codes: { name: (c: number) => K | undefined }, t: number): K | undefined => {
    const v = attrU32(a, t);
    return v === undefined ? undefined : codes.name(v);
  };
  return {
    kind: 'netkit',
    mode: named(NETKIT_MODES, IFLA_NETKIT_MODE),
    policy: named(NETKIT_POLICIES, IFLA_NETKIT_POLICY),
    peerPolicy: named(NETKIT_POLICIES, IFLA_NETKIT_PEER_POLICY),
    primary: attrU8(a, IFLA_NETKIT_PRIMARY) === 1,
  };
}
