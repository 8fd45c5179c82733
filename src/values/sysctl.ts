// Sysctl keys and values as users write them and /proc/sys holds them. A key becomes a path
// under /proc/sys, so everything that could make that path leave the namespace's net tree is
// refused here, before any file is opened.
import { InvalidArgumentError } from '../errors.ts';

/**
 * A sysctl key under `net.`: dotted, as sysctl(8) writes it (`"net.ipv4.ip_forward"`), or as
 * its segments, for a device whose name has a dot (`['net', 'ipv4', 'conf', 'eth0.100', 'forwarding']`).
 */
export type SysctlKey = string | readonly string[];

/** A sysctl's value: an integer as a number, several integers (`ip_local_port_range`) as number[], anything else as text. */
export type SysctlValue = number | number[] | string;

/** A key that passed the rules: its path under /proc/sys and how messages print it. */
export interface ParsedSysctlKey {
  /** "net/ipv4/ip_forward" */
  path: string;
  /** "net.ipv4.ip_forward", or the segments as JSON when one has a dot. */
  shown: string;
  /** The segments: ["net", "ipv4", "ip_forward"]. */
  segments: readonly string[];
}

const REMEDY =
  'write a key under net. like "net.ipv4.ip_forward", or its segments as an array for a device name with a dot';

function refuse(key: unknown, rule: string): never {
  const shown = typeof key === 'string' ? JSON.stringify(key) : Array.isArray(key) ? JSON.stringify(key) : String(key);
  throw new InvalidArgumentError(`invalid sysctl key ${shown}: ${rule}; ${REMEDY}`, key);
}

/** Checks a key against the rules (under net., no "/", "..", NUL or empty segment) and turns it into a /proc/sys path. */
export function parseSysctlKey(key: unknown): ParsedSysctlKey {
  let segments: readonly unknown[];
  if (typeof key === 'string') {
    if (key.includes('\0')) refuse(key, 'it contains a NUL byte, which would end the path early');
    if (key.includes('/')) refuse(key, 'it contains "/", which would name another path under /proc/sys');
    if (key.includes('..')) refuse(key, 'it contains "..", an empty segment that could climb out of net');
    segments = key.split('.');
  } else if (Array.isArray(key)) {
    segments = key;
  } else {
    refuse(key, `a key is a string or an array of segments, not ${key === null ? 'null' : typeof key}`);
  }
  for (const s of segments) {
    if (typeof s !== 'string') refuse(key, 'every segment must be a string');
    if (s.includes('\0')) refuse(key, 'a segment contains a NUL byte, which would end the path early');
    if (s.includes('/')) refuse(key, 'a segment contains "/", which would name another path under /proc/sys');
    if (s === '.' || s === '..') refuse(key, `a segment is "${s}", which would climb out of net`);
    if (s === '') refuse(key, 'it has an empty segment');
  }
  if (segments[0] !== 'net') refuse(key, 'only keys under net. belong to a network namespace');
  if (segments.length < 2) refuse(key, 'net alone is a directory, not a sysctl');
  const names = segments as readonly string[];
  const dotted = names.some((s) => s.includes('.'));
  return { path: names.join('/'), shown: dotted ? JSON.stringify(names) : names.join('.'), segments: names };
}

/** /proc/sys text as a typed value: "1\n" is 1, "32768\t60999\n" is [32768, 60999], anything else the trimmed text. */
export function parseSysctlValue(text: string): SysctlValue {
  const trimmed = text.replace(/\n$/, '');
  const words = trimmed.trim().split(/\s+/);
  // Beyond 2^53 a number would silently become another one: such values stay text.
  const integers = words.map((w) => (/^-?\d+$/.test(w) ? Number(w) : Number.NaN));
  if (trimmed.trim() === '' || !integers.every(Number.isSafeInteger)) return trimmed;
  return integers.length === 1 ? integers[0]! : integers;
}

/** The text to write for a value, refused before any file is opened when the kernel could only misread it. */
export function formatSysctlValue(shownKey: string, value: unknown): string {
  const bad = (rule: string): never => {
    const shown =
      typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? `[${String(value)}]` : String(value);
    throw new InvalidArgumentError(`invalid value ${shown} for sysctl ${shownKey}: ${rule}`, value);
  };
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) bad('a number must be an integer (write other values as a string)');
    return String(value);
  }
  if (Array.isArray(value)) {
    if (value.length === 0) bad('an array must hold at least one integer');
    if (!value.every((v) => typeof v === 'number' && Number.isSafeInteger(v))) bad('an array must hold integers only');
    return value.join(' ');
  }
  if (typeof value === 'string') {
    if (value.includes('\0')) bad('a NUL byte would end the value early');
    return value;
  }
  return bad('a value is a number, an array of numbers or a string');
}
