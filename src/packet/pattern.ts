// Patterns over decoded packets, as the capture filter and toHaveSeen take them: a partial
// match. Each layer named must be present, and each field named must be equal; what the pattern
// leaves out can be anything. Addresses compare in canonical form (lower-case MACs, RFC 5952
// IPv6), so "2001:DB8::1" finds 2001:db8::1. Patterns are checked before any wait starts: an
// unknown layer or field would otherwise match nothing, silently, until the deadline.
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../errors.ts';
import { formatIp, ipBytes } from '../values/ip.ts';
import { LAYER_FIELDS, type Layers } from './layers.ts';

/** Which way a packet went through the device: received by it, or sent by it (PACKET_OUTGOING). */
export type Direction = 'in' | 'out';

type Field = string | number | boolean;

/** A partial match over the decoded layers and the direction: `{ udp: { dport: 67 }, direction: 'out' }`. */
export type PacketPattern = {
  /** 'in' (received by the device) or 'out' (sent by it). */
  direction?: Direction;
} & {
  [K in keyof Layers]?: { [F in keyof NonNullable<Layers[K]>]?: NonNullable<Layers[K]>[F] };
};

/** What a pattern is matched against: the packet's decoded layers and its direction. */
export interface Matchable {
  /** Which way the packet went. */
  direction: Direction;
  /** Its decoded headers. */
  layers: Layers;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const canonical = (v: Field): Field =>
  typeof v !== 'string' ? v : MAC.test(v) ? v.toLowerCase() : isIP(v) ? formatIp(ipBytes(v)) : v;

const shownValue = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** The pattern with its addresses in canonical form; throws InvalidArgumentError naming what is wrong. */
export function checkPattern(where: string, pattern: unknown): PacketPattern {
  const fail = (what: string): never => {
    throw new InvalidArgumentError(
      `${where}: ${what}; a pattern names layers (${['direction', ...Object.keys(LAYER_FIELDS)].join(', ')}) ` +
        'and their fields, like { udp: { dport: 67 } }',
      pattern,
    );
  };
  if (typeof pattern !== 'object' || pattern === null || Array.isArray(pattern))
    fail(`the pattern must be an object, received ${shownValue(pattern)}`);
  const out: Record<string, unknown> = {};
  for (const [layer, fields] of Object.entries(pattern as object)) {
    if (layer === 'direction') {
      if (fields !== 'in' && fields !== 'out') fail(`direction must be "in" or "out", received ${shownValue(fields)}`);
      out.direction = fields;
      continue;
    }
    const known = LAYER_FIELDS[layer as keyof Layers];
    if (!known) fail(`unknown layer ${JSON.stringify(layer)}`);
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
      fail(`${layer} must be an object of fields, received ${shownValue(fields)}`);
    const checked: Record<string, Field> = {};
    for (const [name, value] of Object.entries(fields as object)) {
      if (!known!.includes(name))
        fail(`unknown field ${JSON.stringify(name)} of ${layer} (it has ${known!.join(', ')})`);
      if (!['string', 'number', 'boolean'].includes(typeof value))
        fail(`${layer}.${name} must be a string, number or boolean, received ${shownValue(value)}`);
      checked[name] = canonical(value as Field);
    }
    out[layer] = checked;
  }
  return out as PacketPattern;
}

/** Whether the packet matches a pattern that checkPattern() returned. */
export function matchesPattern(packet: Matchable, pattern: PacketPattern): boolean {
  for (const [layer, fields] of Object.entries(pattern)) {
    if (layer === 'direction') {
      if (packet.direction !== fields) return false;
      continue;
    }
    const header = packet.layers[layer as keyof Layers] as Record<string, Field> | undefined;
    if (!header) return false;
    for (const [name, value] of Object.entries(fields as Record<string, Field>))
      if (header[name] !== value) return false;
  }
  return true;
}
