// C12: the IPv6 duplicate address detection sequence libvirt goes through on a virtual network's
// bridge, and why it keeps a tap's descriptor open meanwhile (dnsmasq must bind the address).
import { test, expect, waitForState } from '../src/vitest.ts';
import type { LinkState, Netns } from '../src/index.ts';
import { claim } from '../src/report/claim.ts';
import { recordLinks, settledState, shortDadTimers } from './helpers.ts';

async function sysctl(ns: Netns, key: string): Promise<number> {
  const { stdout } = await ns.exec('sysctl', ['-n', key]);
  return Number(String(stdout).trim());
}

/** The namespace's IPv6 settings for dev: they decide whether and how long DAD runs. */
async function dadSettings(ns: Netns, dev: string) {
  const s = {
    disableIpv6: await sysctl(ns, `net.ipv6.conf.${dev}.disable_ipv6`),
    acceptDad: await sysctl(ns, `net.ipv6.conf.${dev}.accept_dad`),
    dadTransmits: await sysctl(ns, `net.ipv6.conf.${dev}.dad_transmits`),
    retransTimeMs: await sysctl(ns, `net.ipv6.neigh.${dev}.retrans_time_ms`),
    routerSolicitationDelayS: await sysctl(ns, `net.ipv6.conf.${dev}.router_solicitation_delay`),
  };
  // Longer than DAD takes with carrier: the random start delay plus every probe's wait.
  return { ...s, windowMs: s.routerSolicitationDelayS * 1000 + s.dadTransmits * s.retransTimeMs + 500 };
}

test('C12: an IPv6 address stays tentative without carrier, passes DAD while a tap is held, and stays usable afterwards', async ({
  netns,
  task,
}) => {
  const c = claim(task);
  const cidr = '2001:db8::1/64';
  const address = '2001:db8::1';
  const mine = (s: LinkState) => s.addresses.find((a) => a.address === address);

  // The bridge starts with one port that cannot forward: a VM's tap whose VM is not running.
  const br = await netns.addBridge('br0');
  await shortDadTimers(netns, 'br0', c);
  const vnet0 = await netns.addTap('vnet0', { owner: 'none' });
  await vnet0.up();
  await vnet0.attachTo(br);
  // The bridge enables a port by its operstate, which linkwatch updates up to a second after
  // the carrier: a port whose carrier loss is still pending counts as up and gives the bridge a
  // moment of carrier, in which IPv6 would start DAD. Settle it first (a targeted read runs
  // the pending work) so that the bridge really has no carrier from the start.
  await expect(vnet0).toHaveOperstate('down');

  const dad = await dadSettings(netns, 'br0');
  c.observe('ipv6Settings', dad);
  expect(dad.disableIpv6).toBe(0);
  expect(dad.acceptDad).toBeGreaterThanOrEqual(1);
  expect(dad.dadTransmits).toBeGreaterThanOrEqual(1);
  const dadWindowMs = dad.windowMs;

  // libvirt's order: addresses first, then the bridge comes up.
  const brNotes = recordLinks(netns, ['br0']);
  await br.addAddress(cidr);
  await br.up();
  await expect(br).toBeAdminUp();
  await expect(br).not.toHaveCarrier();
  await expect(br).toHaveAddress(cidr, { tentative: true });
  // Waiting for the address to become usable, and expecting that not to happen.
  const noCarrier = await waitForState(br, (s) => mine(s)?.tentative === false, { timeout: dadWindowMs });
  brNotes.stop();
  expect(noCarrier.met).toBe(false);
  expect(mine(noCarrier.value)).toMatchObject({ tentative: true, dadfailed: false });
  // The premise, from the notifications: the bridge never had carrier while we waited.
  expect(brNotes.overflowed).toBe(false);
  expect(brNotes.notes.filter((n) => n.carrier === true)).toEqual([]);
  const refused = netns.tryBind(address);
  expect(refused.bound).toBe(false);
  c.observe('withoutCarrier', {
    flags: mine(noCarrier.value)?.flags,
    bind: refused.code ?? 'bound',
    bridgeOperstate: noCarrier.value.operstate,
  });
  if (refused.code !== 'EADDRNOTAVAIL')
    c.nuance(`binding the tentative address failed with ${refused.code}, not EADDRNOTAVAIL`);

  // libvirt's MAC tap, its descriptor held open (here by a separate process), joins and is up.
  const mactap = await netns.addTap('virbr0-nic', { owner: 'holder', mac: '52:54:00:00:00:0a' });
  await mactap.up();
  const carrierAt = performance.now();
  await mactap.attachTo(br);
  await expect(br).toHaveCarrier();
  await expect(br).toHaveAddress(cidr, { tentative: false, timeout: dadWindowMs + 5_000 });
  const dadDoneMs = Math.round(performance.now() - carrierAt);
  const withCarrier = mine(await br.state());
  expect(withCarrier?.dadfailed).toBe(false);
  const bound = netns.tryBind(address);
  expect(bound).toEqual({ bound: true });
  c.observe('withHeldTap', { flags: withCarrier?.flags, bind: 'bound', dadDoneAfterAttachMs: dadDoneMs });

  // DAD is over: libvirt sets the tap down and closes its descriptor.
  await mactap.down();
  await mactap.holder!.closeFd();
  await expect(mactap).not.toHaveCarrier();
  await expect(br).not.toHaveCarrier();
  const usable = (s: LinkState): boolean => {
    const a = mine(s);
    return a !== undefined && !a.tentative && !a.dadfailed;
  };
  // Watching for the address to be lost, go tentative or fail DAD again, over the same window.
  const after = await waitForState(br, (s) => !usable(s), { timeout: dadWindowMs });
  expect(after.met).toBe(false);
  await expect(br).toHaveAddress(cidr, { tentative: false });
  const stillBound = netns.tryBind(address);
  expect(stillBound).toEqual({ bound: true });
  const last = await settledState(br);
  c.observe('afterTapDownAndClosed', {
    flags: mine(last)?.flags,
    bind: 'bound',
    bridgeCarrier: last.carrier,
    bridgeOperstate: last.operstate,
  });
});

test('C12: a bridge that had carrier once since coming up runs DAD to the end even after losing it', async ({
  netns,
  task,
}) => {
  const c = claim(task);
  const cidr = '2001:db8::2/64';
  const address = '2001:db8::2';
  const mine = (s: LinkState) => s.addresses.find((a) => a.address === address);

  // Up with no ports: such a bridge has carrier (X4), so IPv6 starts on it (a link-local appears).
  const br = await netns.addBridge('br0');
  await shortDadTimers(netns, 'br0', c);
  await br.up();
  await expect(br).toHaveCarrier();
  const linkLocal = await waitForState(br, (s) => s.addresses.some((a) => a.address.startsWith('fe80:')));
  expect(linkLocal.met).toBe(true);

  // Then its only port is a tap nobody holds (settled, see above): no carrier any more.
  const vnet0 = await netns.addTap('vnet0', { owner: 'none' });
  await vnet0.up();
  await expect(vnet0).toHaveOperstate('down');
  await vnet0.attachTo(br);
  await expect(br).not.toHaveCarrier();

  const { windowMs } = await dadSettings(netns, 'br0');
  const brNotes = recordLinks(netns, ['br0']);
  await br.addAddress(cidr);
  const waited = await waitForState(br, (s) => mine(s)?.tentative === false, { timeout: windowMs });
  brNotes.stop();
  // The premise: no carrier at any point while DAD could run.
  expect(brNotes.overflowed).toBe(false);
  expect(brNotes.notes.filter((n) => n.carrier === true)).toEqual([]);
  expect((await br.state()).carrier).toBe(false);
  const a = mine(waited.value);
  expect(a?.dadfailed).toBe(false);
  const bind = netns.tryBind(address);
  // Binding follows the address's DAD state, whichever it is.
  expect(bind.bound).toBe(waited.met);
  c.observe('addedWithoutCarrierAfterCarrierOnce', {
    flags: a?.flags,
    bind: bind.code ?? 'bound',
    waitedMs: Math.round(waited.elapsedMs),
  });
  if (waited.met) {
    c.nuance(
      `"no carrier, so tentative" needs a bridge that has had no carrier since it came up: this one had carrier before its only port went dead, ` +
        `and an address added afterwards passed DAD within ${Math.round(waited.elapsedMs)} ms and could be bound, with the bridge still without carrier`,
    );
  }
});
