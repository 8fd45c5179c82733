// Devices as users name them: names checked as the kernel's dev_valid_name() would, and
// indices as ifinfomsg holds them, before anything is sent, with a message that says which
// rule was broken.
import { InvalidNameError } from '../errors.ts';
import { ALTIFNAMSIZ, IFNAMSIZ } from '../sys/constants.ts';
import { requireInteger } from './checks.ts';

declare const checked: unique symbol;
/** A device name that passed validateName(): what the operations in src/rtnl/ take, so they need not check it again. */
export type IfName = string & { readonly [checked]: 'IfName' };

declare const checkedAlt: unique symbol;
/** An alternative name that passed parseAltName(): up to 127 bytes, otherwise a device name's rules. */
export type AltName = string & { readonly [checkedAlt]: 'AltName' };

export function validateName(name: unknown): asserts name is IfName {
  checkName(name, 'device name', IFNAMSIZ);
}

/** An alternative name (`ip link property add dev DEV altname NAME`): like a device name, up to 127 bytes. */
export function parseAltName(name: unknown): AltName {
  checkName(name, 'alternative name', ALTIFNAMSIZ);
  return name as AltName;
}

/** dev_valid_name()'s rules, for a name that must be shorter than size bytes. */
function checkName(name: unknown, what: string, size: number): void {
  const bad = (why: string): never => {
    throw new InvalidNameError(`invalid ${what} ${JSON.stringify(name)}: ${why}`, name);
  };
  if (typeof name !== 'string') bad('a name must be a string');
  const s = name as string;
  if (s.length === 0) bad('it is empty');
  // The kernel reads the name up to its first NUL: it would create a device the handle does not name.
  if (s.includes('\0'))
    bad(`a NUL byte is not allowed (the kernel would end the name at ${JSON.stringify(s.slice(0, s.indexOf('\0')))})`);
  const bytes = Buffer.byteLength(s, 'utf8');
  if (bytes >= size) bad(`it is ${bytes} bytes long; the kernel allows at most ${size - 1}`);
  if (s === '.' || s === '..') bad('"." and ".." are reserved');
  if (s.includes('/')) bad('"/" is not allowed (names become sysfs paths)');
  if (s.includes(':')) bad('":" is not allowed (it marks legacy alias labels)');
  if (s.includes('%')) bad('"%" is not allowed (the kernel would expand it: br%d becomes br0)');
  if (hasSpaceByte(s))
    bad('whitespace is not allowed (nor characters whose UTF-8 encoding contains the byte 0xA0, like "à")');
}

// The kernel's isspace() is byte-wise and also counts 0xA0, a byte inside many UTF-8 characters ("à" is C3 A0).
const isSpaceByte = (b: number): boolean => b === 0x20 || (b >= 0x09 && b <= 0x0d) || b === 0xa0;

/** Whether the name's UTF-8 bytes hold one isspace() counts; an ASCII name is its own bytes, so no encoding is made for it. */
function hasSpaceByte(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return Buffer.from(s, 'utf8').some(isSpaceByte);
    if (isSpaceByte(c)) return true;
  }
  return false;
}

export function parseName(name: unknown): IfName {
  validateName(name);
  return name;
}

/** A device index as ifinfomsg holds it (a positive int). */
export function validateIndex(index: unknown): asserts index is number {
  const refusal = (v: string): string =>
    `invalid device index ${v}: an index is an integer from 1 to 2147483647, as ip link lists them`;
  requireInteger(index, 1, 0x7fffffff, refusal);
}

/** A device as users address it, by name or by index. */
export function parseDevice(device: unknown): IfName | number {
  if (typeof device === 'string') return parseName(device);
  validateIndex(device);
  return device;
}
