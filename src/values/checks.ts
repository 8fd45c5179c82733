// Options checked before they are written into a request, where a wrong value would silently
// become another one.
import { InvalidArgumentError } from '../errors.ts';

/** How a received value reads in a refusal: a string quoted (so "" and " " show), anything else as String() writes it. */
export const shown = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/**
 * An integer from min to max, for a fixed-size field: a Buffer write would turn NaN into 0 and
 * truncate a fraction, so a bad number would silently become another one.
 */
export function requireInteger(
  value: unknown,
  min: number,
  max: number,
  refusal: (received: string) => string,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(refusal(shown(value)), value);
  }
  return value;
}

/** One of a few words, where anything else would silently mean one of them. */
export function requireOneOf<T extends string>(value: unknown, choices: readonly T[], what: string): T {
  if (!choices.includes(value as T)) {
    throw new InvalidArgumentError(
      `${what} must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, received ${shown(value)}`,
      value,
    );
  }
  return value as T;
}

/** An optional integer option from min to max (undefined when left out), refused in words that name where, name and range. */
export function optionalInteger(
  where: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
): number | undefined {
  const refusal = (v: string): string => `${where}: ${name} must be an integer from ${min} to ${max}, received ${v}`;
  return value === undefined ? undefined : requireInteger(value, min, max, refusal);
}

/**
 * Names for a set of kernel numbers, both ways: parse turns a name users wrote into its number
 * (anything else is refused with the list of names), name turns a number the kernel reported
 * into its name (undefined for one without a name).
 */
export function namedCodes<K extends string>(
  codes: Readonly<Record<K, number>>,
  what: string,
): { parse: (where: string, value: unknown) => number; name: (code: number) => K | undefined } {
  const names = Object.keys(codes) as K[];
  // Made once: every route or neighbour read names its codes, and a search of the names per
  // code was a tenth of decoding a dump of 10,000 routes. The first name of a code wins.
  const byCode = new Map<number, K>();
  for (const n of names) if (!byCode.has(codes[n])) byCode.set(codes[n], n);
  return {
    parse: (where, value) => codes[requireOneOf(value, names, `${where}: ${what}`)],
    name: (code) => byCode.get(code),
  };
}

/** The options must be an object: anything else would read as "no options". */
export function requireObject(where: string, value: unknown, shape: string): void {
  if (typeof value !== 'object' || value === null)
    throw new InvalidArgumentError(`${where}: pass ${shape}, received ${shown(value)}`, value);
}

export function optionalBoolean(where: string, name: string, value: unknown): boolean {
  if (value !== undefined && typeof value !== 'boolean')
    throw new InvalidArgumentError(`${where}: ${name} must be true or false, received ${shown(value)}`, value);
  return value === true;
}
