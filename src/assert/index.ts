// The matchers, for expect.extend(); one per file.
import { toBeAdminUp } from './to-be-admin-up.ts';
import { toBeAttachedTo } from './to-be-attached-to.ts';
import { toBeRunning } from './to-be-running.ts';
import { toHaveAddress, type AddressOptions } from './to-have-address.ts';
import { toHaveBridgeId } from './to-have-bridge-id.ts';
import { toHaveCarrier } from './to-have-carrier.ts';
import { toHaveFlags } from './to-have-flags.ts';
import { toHaveMac } from './to-have-mac.ts';
import { toHaveOperstate } from './to-have-operstate.ts';
import { toHavePorts } from './to-have-ports.ts';
import type { WaitOption } from './match-state.ts';
import type { Link } from '../devices/link.ts';
import type { BridgeId } from '../values/bridge-id.ts';
import type { Operstate } from '../values/operstate.ts';


export const matchers = {
  toHaveCarrier,
  toBeAdminUp,
  toBeRunning,
  toHaveOperstate,
  toHaveFlags,
  toHaveMac,
  toHaveBridgeId,
  toHavePorts,
  toBeAttachedTo,
  toHaveAddress,
};

/** The matchers as they read on expect(device): all wait for the kernel, so all are awaited. */
export interface NslabMatchers<R = unknown> {
  toHaveCarrier(options?: WaitOption): Promise<R>;
  toBeAdminUp(options?: WaitOption): Promise<R>;
  toBeRunning(options?: WaitOption): Promise<R>;
  toHaveOperstate(operstate: Operstate, options?: WaitOption): Promise<R>;
  toHaveFlags(flags: string[], options?: WaitOption): Promise<R>;
  toHaveMac(mac: string, options?: WaitOption): Promise<R>;
  toHaveBridgeId(id: string | BridgeId, options?: WaitOption): Promise<R>;
  toHavePorts(ports: Array<Link | string>, options?: WaitOption): Promise<R>;
  toBeAttachedTo(bridge: Link, options?: WaitOption): Promise<R>;
  toHaveAddress(cidr: string, options?: AddressOptions): Promise<R>;
}

export type { WaitOption, AddressOptions, Operstate };
