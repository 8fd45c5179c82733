// The matchers, for expect.extend(); one per file.
import { toBeAdminUp } from './to-be-admin-up.ts';
import { toBeAttachedTo } from './to-be-attached-to.ts';
import { toBeRunning } from './to-be-running.ts';
import { toHaveAddress, type AddressOptions } from './to-have-address.ts';
import { toHaveNeighbour, type NeighbourOptions } from './to-have-neighbour.ts';
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
  toHaveNeighbour,
};

/** The matchers as they read on expect(device): all wait for the kernel, so all are awaited. */
export interface NslabMatchers<R = unknown> {
  /** Waits until the device has carrier (IFLA_CARRIER). */
  toHaveCarrier(options?: WaitOption): Promise<R>;
  /** Waits until the device is administratively up (IFF_UP). */
  toBeAdminUp(options?: WaitOption): Promise<R>;
  /** Waits until IFF_RUNNING is set. */
  toBeRunning(options?: WaitOption): Promise<R>;
  /** Waits until the device's operstate is this one. */
  toHaveOperstate(operstate: Operstate, options?: WaitOption): Promise<R>;
  /** Waits until all these IFF_* flags ("UP", "LOWER_UP", ...) are set; others may be too. */
  toHaveFlags(flags: string[], options?: WaitOption): Promise<R>;
  /** Waits until the device has this MAC address (any case). */
  toHaveMac(mac: string, options?: WaitOption): Promise<R>;
  /** Waits until the bridge has this bridge ID ("8000.525400000001", or priority and MAC). */
  toHaveBridgeId(id: string | BridgeId, options?: WaitOption): Promise<R>;
  /** Waits until the bridge's ports are exactly these (handles or names, any order). */
  toHavePorts(ports: Array<Link | string>, options?: WaitOption): Promise<R>;
  /** Waits until the device is a port of this bridge. */
  toBeAttachedTo(bridge: Link, options?: WaitOption): Promise<R>;
  /** Waits until the device has this address ("192.0.2.1/24"), in the DAD state asked for if any. */
  toHaveAddress(cidr: string, options?: AddressOptions): Promise<R>;
  /** Waits until the device has a neighbour entry for this address ("192.0.2.2"), with the lladdr and state asked for if any. */
  toHaveNeighbour(to: string, options?: NeighbourOptions): Promise<R>;
}

export type { WaitOption, AddressOptions, NeighbourOptions, Operstate };
