// Once per run: refuse to run without the privileges the tests need (saying how to get them),
// sweep pins left by killed runs, and prove afterwards that the host's namespace is untouched.
import { sweepStalePins } from '../src/handle/pin.ts';
import { hostSysctls, sysctlChanges } from './helpers/host.ts';
import { type IpAddrLink, hostIpJson, hostIpLinks } from './helpers/oracle.ts';

export function hostNetwork(): string {
  // Counters, carrier and operstate change on their own; compare what configuration could change.
  const links = hostIpLinks().map(({ ifindex, ifname, flags, mtu, master, address, linkinfo }) => ({
    ifindex,
    ifname,
    up: flags.includes('UP'),
    mtu,
    master,
    address,
    kind: linkinfo?.info_kind,
  }));
  const addrs = hostIpJson<IpAddrLink[]>(['addr', 'show']).map(({ ifname, addr_info }) => ({
    ifname,
    addr_info: addr_info.map(({ local, prefixlen, scope }) => ({ local, prefixlen, scope })),
  }));
  const routes = hostIpJson<unknown>(['route', 'show', 'table', 'all']);
  return JSON.stringify({ links, addrs, routes }, null, 1);
}

export default function setup(): () => void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'nslab tests need root (CAP_NET_ADMIN and CAP_SYS_ADMIN): run them with sudo, or in a container with --cap-add NET_ADMIN --cap-add SYS_ADMIN --device /dev/net/tun',
    );
  }
  sweepStalePins();
  const before = hostNetwork();
  const sysctlsBefore = hostSysctls();
  return () => {
    const after = hostNetwork();
    if (after !== before) {
      throw new Error(`the host's network namespace changed during the test run:\nbefore: ${before}\nafter: ${after}`);
    }
    const changed = sysctlChanges(sysctlsBefore, hostSysctls());
    if (changed.length)
      throw new Error(`the host's sysctls under net.ipv4/net.ipv6 changed during the test run: ${changed.join('; ')}`);
  };
}
