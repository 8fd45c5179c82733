// E1: a libvirt host-only network end to end, with the real components: a bridge like virbr0
// with an IPv4 and an IPv6 address, libvirt's MAC tap held open until the IPv6 address has
// passed DAD, Debian's dnsmasq bound to the bridge serving DHCP, and a "VM" (a container on a
// veth, the way a VM sits on a tap) that gets its address from it with busybox's udhcpc.
// libvirt's order (networkStartNetworkVirtual): addresses, bridge up, wait for DAD, start
// dnsmasq, then set the MAC tap down and close it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { test, expect, until } from '../src/vitest.ts';
import type { Netns } from '../src/index.ts';
import { formatIp } from '../src/values/ip.ts';
import { claim } from '../src/report/claim.ts';
import { adoptContainer, startContainer } from '../src/container/index.ts';
import { containerSuite, followOutput } from '../test/containers/helpers.ts';
import { ipLink } from '../test/helpers/oracle.ts';
import { isRunning } from '../test/helpers/proc.ts';
import { NAMESPACE_FREED_MS } from '../test/helpers/poll.ts';
import { shortDadTimers } from './helpers.ts';

const BRIDGE_V4 = '192.0.2.1/24';
const BRIDGE_V6 = '2001:db8::1/64';
const RANGE = ['192.0.2.10', '192.0.2.50'] as const;

/** dnsmasq as libvirt runs it, bound to br0 only, with its files in dir. */
function startDnsmasq(ns: Netns, dir: string) {
  return ns.exec('dnsmasq', [
    '--keep-in-foreground',
    '--log-facility=-',
    '--log-dhcp',
    '--conf-file=/dev/null',
    '--no-resolv',
    '--no-hosts',
    '--strict-order',
    '--bind-interfaces',
    '--interface=br0',
    '--except-interface=lo',
    `--dhcp-range=${RANGE[0]},${RANGE[1]},255.255.255.0,1h`,
    '--dhcp-no-override',
    '--dhcp-authoritative',
    `--dhcp-leasefile=${join(dir, 'leases')}`,
    `--pid-file=${join(dir, 'dnsmasq.pid')}`,
  ]);
}

/**
 * A temporary directory for dnsmasq's files, removed when the test ends (also on a timeout).
 * Its name carries this process's pid, so that the directories of a killed run (whose
 * onTestFinished never ran) are found and removed by the next run.
 */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), `nslab-e1-${process.pid}-`));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function sweepStaleDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    const owner = /^nslab-e1-(\d+)-/.exec(name)?.[1];
    if (owner && !isRunning(Number(owner))) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}
sweepStaleDirs();

interface Lease {
  expiry: number;
  mac: string;
  ip: string;
  hostname: string;
}

function readLeases(file: string): Lease[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [expiry, mac, ip, hostname] = line.split(' ');
      return { expiry: Number(expiry), mac: mac!, ip: ip!, hostname: hostname! };
    });
}

/** UDP sockets bound in the namespace, as `ss -uln` (iproute2) lists them: "address%dev:port". */
async function ssUdp(ns: Netns): Promise<string[]> {
  const { stdout } = await ns.exec('ss', ['-H', '-u', '-l', '-n']);
  return String(stdout)
    .split('\n')
    .filter(Boolean)
    .map((line) => line.trim().split(/\s+/)[3]!);
}

/**
 * The same from procfs, synchronously (for until()): /proc/thread-self/net shows the namespace
 * of the reading thread, which ns.run() has switched. Addresses are hex words in host (little
 * endian) order; no device scope here.
 */
function procUdp(ns: Netns): string[] {
  const read = (file: string): string[] =>
    readFileSync(`/proc/thread-self/net/${file}`, 'utf8').split('\n').slice(1).filter(Boolean);
  const [v4, v6] = ns.run(() => [read('udp'), read('udp6')]);
  const decode = (local: string): string => {
    const [hex, port] = local.split(':') as [string, string];
    const bytes = Buffer.from(hex.match(/.{8}/g)!.flatMap((word) => [...Buffer.from(word, 'hex').reverse()]));
    const address = formatIp(bytes);
    return `${bytes.length === 16 ? `[${address}]` : address}:${parseInt(port, 16)}`;
  };
  return [...v4, ...v6].map((line) => decode(line.trim().split(/\s+/)[1]!));
}

const suite = containerSuite();

/** Why the suite cannot run dnsmasq here, if it cannot. */
const noDnsmasq = (() => {
  try {
    execFileSync('dnsmasq', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return "dnsmasq is not installed (Debian's dnsmasq-base, which npm test's setup installs)";
  }
})();

test(
  'E1: dnsmasq serves DHCP on a libvirt-style bridge once DAD is over, a VM container gets a lease, and its port and the carrier go when it stops',
  { timeout: 90_000 },
  async ({ netns, task, skip }) => {
    if (noDnsmasq) return skip(noDnsmasq);
    if (suite.env.skip !== undefined) return skip(suite.env.skip);
    const c = claim(task);
    const t0 = performance.now();
    const steps: Record<string, number> = {};
    const mark = (step: string): void => {
      steps[step] = Math.round(performance.now() - t0);
    };
    const dir = tempDir();
    // The network: virbr0 with its MAC tap (virbr0-nic), the tap's descriptor held open.
    const br = await netns.addBridge('br0');
    await shortDadTimers(netns, 'br0', c);
    const nic = await netns.addTap('virbr0-nic', { owner: 'holder', mac: '52:54:00:00:00:0a' });
    await nic.attachTo(br);
    await br.addAddress(BRIDGE_V4);
    await br.addAddress(BRIDGE_V6);
    await nic.up();
    await br.up();
    await expect(nic).toBeAttachedTo(br);
    await expect(br).toHaveCarrier();
    await expect(br).toHaveAddress(BRIDGE_V4);
    // DAD needs carrier: the held tap gives the bridge one until the address is usable.
    await expect(br).toHaveAddress(BRIDGE_V6, { tentative: false, timeout: 10_000 });
    mark('dadDone');

    // dnsmasq binds every address of br0 (DNS on port 53), the IPv6 one included.
    const dnsmasq = startDnsmasq(netns, dir);
    const log = followOutput(dnsmasq);
    const startLog = await log.waitFor(/DHCP, IP range 192\.0\.2\.10 -- 192\.0\.2\.50/);
    expect(startLog).not.toMatch(/failed to create listening socket/);
    const pid = Number(readFileSync(join(dir, 'dnsmasq.pid'), 'utf8'));
    expect(pid).toBe(dnsmasq.pid);
    const listeners = await ssUdp(netns);
    expect(listeners).toEqual(expect.arrayContaining(['192.0.2.1:53', '[2001:db8::1]:53', '0.0.0.0%br0:67']));
    expect(netns.tryBind('2001:db8::1', { port: 53 })).toEqual({ bound: false, code: 'EADDRINUSE' });
    mark('dnsmasqListening');

    // DAD is over and dnsmasq has its sockets: libvirt sets the MAC tap down and closes it.
    await nic.down();
    await nic.holder!.closeFd();
    await expect(nic).not.toHaveCarrier();
    await expect(br).not.toHaveCarrier();
    await expect(br).toHaveAddress(BRIDGE_V6, { tentative: false });

    // The VM: a container without a network of Docker's, on a veth whose other end is a port
    // of the bridge (a VM's vnet0 tap, in libvirt's naming).
    const vm = await startContainer({ image: suite.env.image, capabilities: ['NET_ADMIN', 'NET_RAW'] });
    let vmStopped = false;
    onTestFinished(async () => {
      if (!vmStopped) await vm.stop();
    });
    const guest = await adoptContainer(vm);
    expect(guest.running).toBe(true);
    const [vnet0, eth0] = await guest.plug(netns, { name: 'vnet0', peerName: 'eth0' });
    await vnet0.attachTo(br);
    await vnet0.up();
    await expect(vnet0).toBeAttachedTo(br);
    await expect(br).toHavePorts(['virbr0-nic', 'vnet0']);
    // Its end is down until the guest brings its NIC up: no carrier on either side until then.
    await expect(vnet0).not.toHaveCarrier();
    await expect(br).not.toHaveCarrier();
    await eth0.up();
    await expect(eth0).toHaveCarrier();
    await expect(vnet0).toHaveCarrier();
    await expect(br).toHaveCarrier();
    mark('vmPlugged');

    // busybox's timeout bounds the client inside the guest, whatever happens to the exchange.
    // Most of this step's time is dnsmasq's check that nobody answers a ping at the address it is
    // about to offer (about 3 s, meanwhile udhcpc repeats its DISCOVER); libvirt keeps that
    // check, so this does too (--no-ping would make the lease take some 200 ms).
    const dhcp = await vm.exec([
      'timeout',
      '30',
      'udhcpc',
      '-i',
      'eth0',
      '-f',
      '-q',
      '-n',
      '-t',
      '10',
      '-T',
      '1',
      '-x',
      'hostname:vm1',
    ]);
    expect(dhcp.exitCode, dhcp.output).toBe(0);
    const offered = /lease of (192\.0\.2\.\d+) obtained/.exec(dhcp.output)?.[1];
    expect(offered, dhcp.output).toBeDefined();
    const ip = offered!;
    mark('leaseObtained');

    // The guest's side: its interface holds the leased address.
    await expect(eth0).toHaveAddress(`${ip}/24`);
    const { mac } = await eth0.state();
    const lease = await vm.exec(['cat', '/run/udhcpc.lease']);
    expect(lease.output).toContain(`ip=${ip}\nmask=24\nserverid=192.0.2.1\n`);
    const ipInGuest = await vm.exec(['ip', '-4', 'addr', 'show', 'dev', 'eth0']);
    expect(ipInGuest.output).toContain(`inet ${ip}/24`);

    // dnsmasq's side: the lease in its log and in its file (written after the ACK went out).
    await log.waitFor(new RegExp(`DHCPACK\\(br0\\) ${ip.replaceAll('.', '\\.')} ${mac} vm1`));
    const leases = await until(
      netns,
      () => readLeases(join(dir, 'leases')),
      (l) => l.length > 0,
    );
    expect(leases.value).toEqual([{ expiry: expect.any(Number), mac, ip, hostname: 'vm1' }]);
    const [from, to] = RANGE.map((a) => Number(a.split('.')[3]));
    expect(Number(ip.split('.')[3])).toBeGreaterThanOrEqual(from!);
    expect(Number(ip.split('.')[3])).toBeLessThanOrEqual(to!);
    expect(dnsmasq.pid && isRunning(dnsmasq.pid)).toBe(true);
    // And the guest reaches the host side of the network.
    const ping = await vm.exec(['ping', '-c', '1', '-W', '5', '192.0.2.1']);
    expect(ping.exitCode, ping.output).toBe(0);
    mark('leaseChecked');

    // The VM stops: the handle says so and lets go of the namespace; the kernel dismantles it,
    // deleting the veth pair, and the bridge loses the port and, with it, its carrier.
    // SIGTERM gets time before SIGKILL (testcontainers' default is 0 s), so exit status 0 is no race.
    await vm.stop({ timeout: 30_000 });
    vmStopped = true;
    const exit = await guest.exited;
    expect(exit).toMatchObject({ exitCode: 0 });
    expect(guest.running).toBe(false);
    expect(guest.ns.destroyed).toBe(true);
    // The kernel frees the container's namespace, and the veth with it, later, on one workqueue
    // for the whole machine behind every other test's namespaces: allow it the leak tests' time.
    await expect(br).toHavePorts(['virbr0-nic'], { timeout: NAMESPACE_FREED_MS });
    await expect(br).not.toHaveCarrier();
    expect(await ipLink(netns, 'vnet0')).toBeUndefined();
    expect((await netns.links()).map((l) => l.name).sort()).toEqual(['br0', 'lo', 'virbr0-nic']);
    mark('vmStopped');

    // dnsmasq ends on SIGTERM, as libvirt stops it.
    dnsmasq.kill('SIGTERM');
    const ended = await dnsmasq.catch((e: { exitCode?: number; signal?: string }) => e);
    expect({ exitCode: ended.exitCode, signal: ended.signal }).toEqual({ exitCode: 0, signal: undefined });
    expect(isRunning(pid)).toBe(false);
    mark('dnsmasqStopped');

    const wallMs = Math.round(performance.now() - t0);
    c.observe('wallTimeMs', wallMs);
    c.observe('stepsMs', steps);
    c.observe('lease', { ip, mac, hostname: 'vm1' });
    c.observe('udpListeners', listeners);
    console.log(`E1 scenario wall time: ${wallMs} ms (${JSON.stringify(steps)})`);
  },
);

test('E1: dnsmasq started while the IPv6 address is still tentative runs without it, and binds it once DAD is over', async ({
  netns,
  task,
  skip,
}) => {
  if (noDnsmasq) return skip(noDnsmasq);
  const c = claim(task);
  const dir = tempDir();
  const br = await netns.addBridge('br0');
  await shortDadTimers(netns, 'br0', c);
  // A port that cannot forward (a tap nobody holds), settled, so the bridge never gets carrier.
  const vnet0 = await netns.addTap('vnet0', { owner: 'none' });
  await vnet0.up();
  await vnet0.attachTo(br);
  await expect(vnet0).toHaveOperstate('down');
  await br.addAddress(BRIDGE_V4);
  await br.addAddress(BRIDGE_V6);
  await br.up();
  await expect(br).not.toHaveCarrier();
  await expect(br).toHaveAddress(BRIDGE_V6, { tentative: true });

  // The failure libvirt's held tap guards against would be dnsmasq refusing to start
  // ("failed to create listening socket ... Cannot assign requested address").
  const dnsmasq = startDnsmasq(netns, dir);
  const log = await followOutput(dnsmasq).waitFor(/DHCP, IP range/);
  expect(log).not.toMatch(/failed to create listening socket/);
  const before = procUdp(netns);
  expect(before).toContain('192.0.2.1:53');
  expect(before).not.toContain('[2001:db8::1]:53');
  expect(await ssUdp(netns)).not.toContain('[2001:db8::1]:53');
  await expect(br).toHaveAddress(BRIDGE_V6, { tentative: true });

  // Carrier from a held tap: DAD runs, the address becomes usable, and dnsmasq (told by a
  // netlink notification) binds it.
  const nic = await netns.addTap('virbr0-nic', { owner: 'holder' });
  await nic.up();
  await nic.attachTo(br);
  await expect(br).toHaveCarrier();
  await expect(br).toHaveAddress(BRIDGE_V6, { tentative: false, timeout: 10_000 });
  const bound = await until(
    netns,
    () => procUdp(netns),
    (l) => l.includes('[2001:db8::1]:53'),
  );
  expect(bound.met, bound.value.join(' ')).toBe(true);
  expect(await ssUdp(netns)).toContain('[2001:db8::1]:53');
  c.observe('beforeDad', before);
  c.observe('afterDad', bound.value);
  c.nuance(
    `dnsmasq (${/version (\S+)/.exec(log)?.[1]}) starts with a tentative IPv6 address on its interface, serving the others, and binds that address ${Math.round(bound.elapsedMs)} ms after DAD is over: the held tap is what lets DAD finish, not what keeps dnsmasq from failing`,
  );
});
