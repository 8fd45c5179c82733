// A readable dump of a namespace and its recent kernel events, for failure messages.
import type { Netns } from './netns.ts';
import type { KernelEvent } from '../handle/events.ts';
import type { LinkState } from '../devices/state.ts';
import { decodeFlags } from '../values/flags.ts';
import { operstateOf } from '../values/operstate.ts';
import { neighStateName } from '../values/neigh.ts';
import { performance } from 'node:perf_hooks';
import { AF_BRIDGE } from '../sys/constants.ts';
import { formatRoute } from './route-view.ts';

function describeLink(s: LinkState): string {
  const parts = [
    `${s.index}: ${s.name}${s.kind ? ` (${s.kind})` : ''}`,
    `<${s.flags.join(',')}>`,
    `operstate ${s.operstate}`,
    `carrier ${s.carrier === undefined ? '?' : s.carrier ? 'on' : 'off'}`,
    s.mac ? `mac ${s.mac}` : '',
    s.master ? `master ${s.master.name ?? s.master.index}` : '',
    s.bridgeId ? `bridge_id ${s.bridgeId}` : '',
    s.ports ? `ports [${s.ports.join(', ')}]` : '',
    s.bridge?.stp ? 'stp' : '',
    s.bridge?.vlanFiltering ? 'vlan_filtering' : '',
    s.bridgePort?.state ? `port_state ${s.bridgePort.state}` : '',
    s.tun
      ? `${s.tun.mode}${s.tun.queues === undefined ? '' : ` queues ${s.tun.queues}`}${s.tun.persist ? ' persist' : ''}`
      : '',
  ];
  const addrs = s.addresses.map((a) => `\n      ${a.cidr}${a.flags.length ? ` [${a.flags.join(',')}]` : ''}`);
  return `  ${parts.filter(Boolean).join(' ')}${addrs.join('')}`;
}

function describeEvent(e: KernelEvent, now: number): string {
  const ago = `-${Math.round(now - e.at)} ms`;
  if (e.kind === 'overflow') return `  ${ago} notification overflow (ENOBUFS): some events were lost`;
  if (e.kind === 'link') {
    const l = e.link;
    const bridgeView = l.family === AF_BRIDGE ? ' (as a bridge port)' : '';
    return `  ${ago} ${e.action}link ${l.name}${bridgeView} <${decodeFlags(l.flags).join(',')}> operstate ${operstateOf(l.operstate)} carrier ${l.carrier === undefined ? '?' : l.carrier ? 'on' : 'off'}`;
  }
  if (e.kind === 'route') {
    const r = e.route;
    const dst = r.dst === undefined && r.dstLength === 0 ? 'default' : `${r.dst}/${r.dstLength}`;
    return `  ${ago} ${e.action}route ${dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.index ? ` index ${r.index}` : ''} table ${r.table}`;
  }
  if (e.kind === 'neigh') {
    const n = e.neigh;
    return `  ${ago} ${e.action}neigh ${n.address}${n.lladdr ? ` lladdr ${n.lladdr}` : ''} ${neighStateName(n.state) ?? n.state} index ${n.index}`;
  }
  if (e.kind === 'rule') {
    const r = e.rule;
    return `  ${ago} ${e.action}rule IPv${r.family} priority ${r.priority} table ${r.table} action ${r.action}`;
  }
  return `  ${ago} ${e.action}addr ${e.addr.address}/${e.addr.prefixLength} index ${e.addr.index}`;
}

/** The devices of ns with their state, its routes of table main, then its last link/address/route events (newest last). */
export async function describeTopology(ns: Netns, maxEvents = 30): Promise<string> {
  if (ns.destroyed) return `namespace ${ns.label}: destroyed`;
  const links = await ns.links();
  const routes = await ns.route.list();
  // What the kernel has queued but the reactor has not read yet (it can lag far behind on a
  // loaded machine) belongs in the dump too.
  ns.events.flush();
  const events = ns.events.history.slice(-maxEvents);
  const now = performance.now();
  return [
    `namespace ${ns.label}${ns.pinPath ? ` (pinned at ${ns.pinPath})` : ''}:`,
    ...links.map(describeLink),
    routes.length ? 'routes (table main):' : 'routes (table main): none',
    ...routes.map((r) => `  ${formatRoute(r)}`),
    events.length ? `recent events:` : 'recent events: none',
    ...events.map((e) => describeEvent(e, now)),
  ].join('\n');
}
