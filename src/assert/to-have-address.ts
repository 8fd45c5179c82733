import type { MatcherState } from 'vitest';
import { parseCidr } from '../values/ip.ts';
import { matchState, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';

/** toHaveAddress's options: the wait, and the DAD state wanted. */
export interface AddressOptions extends WaitOption {
  /** Also require the address to be tentative (true: DAD still running) or not (false: usable). */
  tentative?: boolean;
}

/** The device has this address ("192.0.2.1/24", "2001:db8::1/64"), optionally in a given DAD state. */
export async function toHaveAddress(
  this: MatcherState,
  received: unknown,
  cidr: string,
  options?: AddressOptions,
): Promise<MatcherResult> {
  const want = parseCidr(cidr);
  const key = `${want.address}/${want.prefixLength}`;
  const { timeout } = requireOptions('toHaveAddress', options);
  const tentative = options?.tentative;
  if (tentative !== undefined && typeof tentative !== 'boolean')
    throw new TypeError(`toHaveAddress: tentative must be true or false, received ${JSON.stringify(tentative)}`);
  return matchState(this, 'toHaveAddress', received, {
    holds: (s) => s.addresses.some((a) => a.cidr === key && (tentative === undefined || a.tentative === tentative)),
    expected: tentative === undefined ? key : `${key} (${tentative ? 'tentative' : 'not tentative'})`,
    takesExpected: true,
    received: (s) => s.addresses.map((a) => `${a.cidr}${a.flags.length ? ` [${a.flags.join(',')}]` : ''}`),
    timeout,
  });
}
