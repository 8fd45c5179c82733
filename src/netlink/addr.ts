// RTM_*ADDR messages: struct ifaddrmsg followed by IFA_* attributes.
import * as C from '../sys/constants.ts';
import { attrString, attrU32, parseAttrs } from './codec.ts';
import { MalformedMessageError } from '../errors.ts';
import { formatIp } from '../values/ip.ts';

export const IFADDRMSG_LEN = 8;

export interface Ifaddrmsg {
  family: number;
  prefixLength: number;
  flags?: number;
  scope?: number;
  index: number;
}

export function encodeIfaddrmsg({ family, prefixLength, flags = 0, scope = 0, index }: Ifaddrmsg): Buffer {
  const b = Buffer.alloc(IFADDRMSG_LEN);
  b.writeUInt8(family, 0);
  b.writeUInt8(prefixLength, 1);
  b.writeUInt8(flags & 0xff, 2);
  b.writeUInt8(scope, 3);
  b.writeUInt32LE(index, 4);
  return b;
}

export interface AddrMessage {
  family: 4 | 6;
  index: number;
  prefixLength: number;
  scope: number;
  /** The full 32-bit IFA_FLAGS when present (ifa_flags holds only the low 8 bits). */
  flags: number;
  address: string;
  label?: string;
}

const ADDRESS_BYTES = { 4: 4, 6: 16 } as const;

function malformed(what: string, payload: Buffer): never {
  throw new MalformedMessageError(what, 0, payload.length);
}

export function decodeAddr(payload: Buffer): AddrMessage {
  if (payload.length < IFADDRMSG_LEN) {
    malformed(
      `an address message of ${payload.length} bytes, shorter than struct ifaddrmsg (${IFADDRMSG_LEN})`,
      payload,
    );
  }
  const ifaFamily = payload.readUInt8(0);
  const family = ifaFamily === C.AF_INET ? 4 : ifaFamily === C.AF_INET6 ? 6 : undefined;
  if (!family)
    malformed(
      `an address of family ${ifaFamily}; nslab reads AF_INET (${C.AF_INET}) and AF_INET6 (${C.AF_INET6}) addresses`,
      payload,
    );
  const a = parseAttrs(payload, IFADDRMSG_LEN);
  // For IPv4 IFA_LOCAL is the interface's own address (IFA_ADDRESS is the peer on point-to-point
  // links); IPv6 sends only IFA_ADDRESS.
  const raw = a.get(C.IFA_LOCAL) ?? a.get(C.IFA_ADDRESS);
  if (raw && raw.length !== ADDRESS_BYTES[family]) {
    malformed(`an IPv${family} address of ${raw.length} bytes (expected ${ADDRESS_BYTES[family]})`, payload);
  }
  const msg: AddrMessage = {
    family,
    prefixLength: payload.readUInt8(1),
    flags: attrU32(a, C.IFA_FLAGS) ?? payload.readUInt8(2),
    scope: payload.readUInt8(3),
    index: payload.readUInt32LE(4),
    address: raw ? formatIp(raw) : '',
  };
  const label = attrString(a, C.IFA_LABEL);
  if (label) msg.label = label;
  return msg;
}
