// Once per run: refuse to run without the privileges the tests need (saying how to get them),
// sweep pins left by killed runs, and prove afterwards that the host's namespace is untouched.
import { statSync } from 'node:fs';
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

/**
 * The device nodes programs under test are pointed at. A daemon given one as a file to write
 * (dnsmasq --pid-file=/dev/null) replaces it with a regular file, for every program on the host.
 */
export function hostDeviceNodes(): string {
  return JSON.stringify(
    ['/dev/null', '/dev/zero', '/dev/net/tun'].map((path) => {
      const s = statSync(path, { throwIfNoEntry: false });
      return { path, node: s === undefined ? 'missing' : s.isCharacterDevice() ? `char ${s.rdev}` : 'not a device' };
    }),
  );
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
  const nodesBefore = hostDeviceNodes();
  return () => {
    const nodesAfter = hostDeviceNodes();
    if (nodesAfter !== nodesBefore) {
      throw new Error(
        `the host's device nodes changed during the test run: before ${nodesBefore}, after ${nodesAfter}; restore them (mknod -m 666 /dev/null c 1 3)`,
      );
    }
    const after = hostNetwork();
    if (after !== before) {
      throw new Error(`the host's network namespace changed during the test run:\nbefore: ${before}\nafter: ${after}`);
    }
    const changed = sysctlChanges(sysctlsBefore, hostSysctls());
    if (changed.length)
      throw new Error(`the host's sysctls under net.ipv4/net.ipv6 changed during the test run: ${changed.join('; ')}`);
  };
}
