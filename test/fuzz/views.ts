// One namespace's devices seen two ways, in one shape so they can be compared field by field:
// through nslab (its public state() snapshot and the decoded link messages under it) and through
// iproute2 (`ip -json -details link show` and `ip -json addr show`, run inside the namespace).
import { formatBridgeId } from '../../src/values/bridge-id.ts';
import type { Netns } from '../../src/index.ts';
import { linkList } from '../../src/rtnl/link.ts';
import { iffFromIp, ipAddrLinks, ipBridgeId, ipLinks, SCOPES, type IpAddrInfo } from '../helpers/oracle.ts';

export interface DeviceView {
  index: number;
  name: string;
  kind: string | undefined;
  slaveKind: string | undefined;
  mac: string | undefined;
  mtu: number | undefined;
  flags: string[];
  operstate: string;
  master: string | undefined;
  /** IFLA_LINK (a veth's peer) by index, and the peer namespace's id when it is elsewhere. */
  link: number | undefined;
  linkNetnsId: number | undefined;
  bridge:
    | { bridgeId: string | undefined; rootId: string | undefined; stpState: number; priority: number; ports: string[] }
    | undefined;
  tun: { mode: string; persist: boolean } | undefined;
  addresses: Array<{ cidr: string; scope: number; flags: string[] }>;
}

/** The address flags both sides name: iproute2 prints each set IFA_F_* flag as a boolean, and "dynamic" for not permanent. */
const ADDR_FLAGS = [
  'secondary',
  'nodad',
  'optimistic',
  'dadfailed',
  'deprecated',
  'tentative',
  'noprefixroute',
  'mngtmpaddr',
];
const sortAddrs = (a: DeviceView['addresses']): DeviceView['addresses'] =>
  a.sort((x, y) => x.cidr.localeCompare(y.cidr));

export async function nslabView(ns: Netns): Promise<DeviceView[]> {
  const states = await ns.links();
  const raw = new Map(linkList(ns.rtnl).map((m) => [m.index, m]));
  return states
    .map((s) => {
      const m = raw.get(s.index);
      return {
        index: s.index,
        name: s.name,
        kind: s.kind,
        slaveKind: m?.slaveKind,
        mac: s.mac,
        mtu: s.mtu,
        flags: [...s.flags].sort(),
        operstate: s.operstate,
        master: s.master?.name,
        link: m?.link,
        linkNetnsId: m?.linkNetnsId,
        bridge:
          s.kind === 'bridge'
            ? {
                bridgeId: s.bridgeId,
                rootId: m?.bridge?.rootId ? formatBridgeId(m.bridge.rootId) : undefined,
                stpState: m?.bridge?.stpState ?? -1,
                priority: m?.bridge?.priority ?? -1,
                ports: [...(s.ports ?? [])].sort(),
              }
            : undefined,
        tun: s.tun ? { mode: s.tun.mode, persist: s.tun.persist } : undefined,
        addresses: sortAddrs(
          s.addresses.map((a) => ({ cidr: a.cidr, scope: a.scope, flags: nslabAddrFlags(a.flags) })),
        ),
      };
    })
    .sort((a, b) => a.index - b.index);
}

const nslabAddrFlags = (flags: string[]): string[] =>
  [...flags.filter((f) => ADDR_FLAGS.includes(f)), ...(flags.includes('permanent') ? [] : ['dynamic'])].sort();
const ipAddrFlags = (a: IpAddrInfo): string[] => [...ADDR_FLAGS, 'dynamic'].filter((f) => a[f] === true).sort();

export async function ipView(ns: Netns): Promise<DeviceView[]> {
  const [links, addrs] = await Promise.all([ipLinks(ns), ipAddrLinks(ns)]);
  const byName = new Map(links.map((l) => [l.ifname, l]));
  return links
    .map((l) => {
      const data = l.linkinfo?.info_data;
      const kind = l.linkinfo?.info_kind ?? (l.link_type === 'loopback' ? 'loopback' : undefined);
      return {
        index: l.ifindex,
        name: l.ifname,
        kind,
        slaveKind: l.linkinfo?.info_slave_kind,
        mac: l.address,
        mtu: l.mtu,
        flags: iffFromIp(l.flags),
        operstate: l.operstate.toLowerCase(),
        master: l.master,
        // iproute2 names the peer when it is in this namespace, else gives its index and namespace id.
        link: l.link !== undefined ? byName.get(l.link)?.ifindex : l.link_index,
        linkNetnsId: l.link_netnsid,
        bridge:
          kind === 'bridge'
            ? {
                bridgeId: ipBridgeId(data?.bridge_id),
                rootId: ipBridgeId(data?.root_id),
                stpState: Number(data?.stp_state),
                priority: Number(data?.priority),
                ports: links
                  .filter((p) => p.master === l.ifname)
                  .map((p) => p.ifname)
                  .sort(),
              }
            : undefined,
        tun: kind === 'tun' ? { mode: String(data?.type), persist: data?.persist === true } : undefined,
        addresses: sortAddrs(
          (addrs.find((a) => a.ifindex === l.ifindex)?.addr_info ?? []).map((a) => ({
            cidr: `${a.local}/${a.prefixlen}`,
            scope: SCOPES[a.scope] ?? -1,
            flags: ipAddrFlags(a),
          })),
        ),
      };
    })
    .sort((a, b) => a.index - b.index);
}
