// What a route is made of, as users write it and iproute2 prints it: destinations ("default" or
// a CIDR), and the route type, scope and protocol names of `ip route`, each to and from the
// number the kernel uses.
import * as C from '../sys/constants.ts';
import { InvalidAddressError, InvalidArgumentError } from '../errors.ts';
import { namedCodes, shown } from './checks.ts';
import { formatIp, ipBytes, parseCidr, type Cidr } from './ip.ts';

/** The RTN_* route types by iproute2's names. */
export const ROUTE_TYPES = {
  unicast: C.RTN_UNICAST,
  local: C.RTN_LOCAL,
  broadcast: C.RTN_BROADCAST,
  anycast: C.RTN_ANYCAST,
  multicast: C.RTN_MULTICAST,
  blackhole: C.RTN_BLACKHOLE,
  unreachable: C.RTN_UNREACHABLE,
  prohibit: C.RTN_PROHIBIT,
  throw: C.RTN_THROW,
} as const;

/** A route type as `ip route` names it: unicast, local, blackhole, unreachable, prohibit, ... */
export type RouteType = keyof typeof ROUTE_TYPES;

/** The RT_SCOPE_* values by iproute2's names. */
export const ROUTE_SCOPES = {
  global: C.RT_SCOPE_UNIVERSE,
  site: C.RT_SCOPE_SITE,
  link: C.RT_SCOPE_LINK,
  host: C.RT_SCOPE_HOST,
  nowhere: C.RT_SCOPE_NOWHERE,
} as const;

/** A route scope as `ip route` names it. */
export type RouteScope = keyof typeof ROUTE_SCOPES;

/** The RTPROT_* values the kernel's header names, by iproute2's names. */
export const ROUTE_PROTOCOLS = {
  unspec: C.RTPROT_UNSPEC,
  redirect: C.RTPROT_REDIRECT,
  kernel: C.RTPROT_KERNEL,
  boot: C.RTPROT_BOOT,
  static: C.RTPROT_STATIC,
} as const;

/** A route protocol as `ip route` names it (any other protocol is a number from 0 to 255). */
export type RouteProtocol = keyof typeof ROUTE_PROTOCOLS;

const types = namedCodes(ROUTE_TYPES, 'type');
const scopes = namedCodes(ROUTE_SCOPES, 'scope');
const protocols = namedCodes(ROUTE_PROTOCOLS, 'protocol');

/** The name of an RTN_* value; an unknown one as its number. */
export const formatRouteType = (value: number): RouteType | number => types.name(value) ?? value;
/** The name of an RT_SCOPE_* value; an unknown one as its number. */
export const formatScope = (value: number): RouteScope | number => scopes.name(value) ?? value;
/** The name of an RTPROT_* value; an unknown one as its number. */
export const formatProtocol = (value: number): RouteProtocol | number => protocols.name(value) ?? value;

/** An RTN_* value from its name. */
export const parseRouteType: (where: string, value: unknown) => number = types.parse;
/** An RT_SCOPE_* value from its name. */
export const parseScope: (where: string, value: unknown) => number = scopes.parse;

/** An RTPROT_* value from its name, or any protocol number from 0 to 255 (routing daemons pick their own). */
export function parseProtocol(where: string, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255) return value;
  if (typeof value === 'number') {
    throw new InvalidArgumentError(
      `${where}: protocol must be a name or an integer from 0 to 255, received ${value}`,
      value,
    );
  }
  return protocols.parse(where, value);
}

/** A route destination: a prefix, or "default" whose family the rest of the route decides. */
export type Destination = Cidr | { family: undefined; prefixLength: 0 };

/**
 * "default", or a prefix "198.51.100.0/24" / "2001:db8::/64" without host bits: the kernel
 * refuses those ("Invalid prefix for given prefix length"), and the fix is plain from the text.
 */
export function parseDestination(where: string, value: unknown): Destination {
  if (value === 'default') return { family: undefined, prefixLength: 0 };
  let cidr: Cidr;
  try {
    cidr = parseCidr(value);
  } catch {
    throw new InvalidAddressError(
      `${where}: invalid destination ${JSON.stringify(value)}: write "default" or a prefix with its length, like 198.51.100.0/24 or 2001:db8::/64`,
      value,
    );
  }
  const network = networkOf(cidr);
  if (!network.bytes.equals(cidr.bytes)) {
    throw new InvalidAddressError(
      `${where}: destination ${cidr.address}/${cidr.prefixLength} has host bits set: write the prefix, ${network.address}/${cidr.prefixLength}`,
      value,
    );
  }
  return cidr;
}

/** The prefix with its host bits cleared. */
function networkOf(cidr: Cidr): Cidr {
  // A host prefix has none: the common case of routes by the thousand.
  if (cidr.prefixLength === cidr.bytes.length * 8) return cidr;
  const bytes = Buffer.from(cidr.bytes);
  for (let bit = cidr.prefixLength; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return { ...cidr, bytes, address: formatIp(bytes) };
}

/** A single address (a gateway, a preferred source, a lookup's destination), with its family. */
export interface Address {
  family: 4 | 6;
  address: string;
  bytes: Buffer;
}

/** An address without a prefix length: "192.0.2.1", "2001:db8::1". */
export function parseAddress(where: string, what: string, value: unknown): Address {
  let bytes: Buffer;
  try {
    if (typeof value !== 'string') throw new TypeError();
    bytes = ipBytes(value);
  } catch {
    throw new InvalidAddressError(
      `${where}: invalid ${what} ${shown(value)}: write an address without a prefix length, like 192.0.2.1 or 2001:db8::1`,
      value,
    );
  }
  return { family: bytes.length === 4 ? 4 : 6, address: formatIp(bytes), bytes };
}
