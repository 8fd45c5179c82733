import type { MatcherState } from 'vitest';
import { DeviceNotFoundError } from '../errors.ts';
import { readVlans, type PortVlan } from '../devices/bridge-vlan.ts';
import type { Link } from '../devices/link.ts';
import { linkFind } from '../rtnl/link.ts';
import { parseVid } from '../values/bridge.ts';
import { describeValue, matchRead, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';

/**
 * A VLAN toHaveVlans expects: a bare id is a tagged VLAN that is not the pvid (`bridge vlan add
 * dev PORT vid 20`); an object says which flags it has (an omitted one is false).
 */
export type VlanExpectation =
  | number
  | {
      /** The VLAN id, 1 to 4094. */
      vid: number;
      /** Whether it is the port's pvid (untagged frames that arrive join it); false when left out. */
      pvid?: boolean;
      /** Whether it leaves the port untagged; false when left out. */
      untagged?: boolean;
    };

/** One VLAN as `bridge vlan show` prints it: "10 PVID Egress Untagged", here "10 pvid untagged". */
const line = (v: PortVlan): string => `${v.vid}${v.pvid ? ' pvid' : ''}${v.untagged ? ' untagged' : ''}`;

function expectation(vlans: unknown): PortVlan[] {
  if (!Array.isArray(vlans)) {
    throw new TypeError(
      `toHaveVlans: expected an array of VLAN ids or { vid, pvid?, untagged? }, received ${describeValue(vlans)}`,
    );
  }
  const out = vlans.map((v: unknown): PortVlan => {
    const spec = (typeof v === 'object' && v !== null ? v : { vid: v }) as Record<string, unknown>;
    for (const flag of ['pvid', 'untagged']) {
      if (spec[flag] !== undefined && typeof spec[flag] !== 'boolean')
        throw new TypeError(`toHaveVlans: ${flag} must be true or false, received ${describeValue(spec[flag])}`);
    }
    return { vid: parseVid('toHaveVlans', spec.vid), pvid: spec.pvid === true, untagged: spec.untagged === true };
  });
  out.sort((a, b) => a.vid - b.vid);
  const twice = out.find((v, i) => i > 0 && out[i - 1]!.vid === v.vid);
  if (twice) throw new TypeError(`toHaveVlans: VLAN ${twice.vid} is listed twice`);
  if (out.filter((v) => v.pvid).length > 1) {
    throw new TypeError('toHaveVlans: a port has one pvid, and more than one VLAN is expected to be it');
  }
  return out;
}

/** The device's VLANs; a device that is gone ends the wait (the dump just leaves it out). */
function vlansNow(link: Link): PortVlan[] {
  const vlans = readVlans(link);
  if (!linkFind(link.ns.rtnl, link.index)) throw new DeviceNotFoundError(link.name);
  return vlans;
}

/**
 * The port (or the bridge itself) has exactly these VLANs, with exactly these flags, in any
 * order: `[{ vid: 10, pvid: true, untagged: true }, 20]`. A port that joined a bridge whose
 * default pvid is 1 has VLAN 1 as pvid untagged too, so it belongs in the list.
 */
export async function toHaveVlans(
  this: MatcherState,
  received: unknown,
  vlans: VlanExpectation[],
  options?: WaitOption,
): Promise<MatcherResult> {
  const expected = expectation(vlans);
  const { timeout } = requireOptions('toHaveVlans', options);
  const want = JSON.stringify(expected);
  return matchRead(this, 'toHaveVlans', received, {
    read: vlansNow,
    holds: (table) => JSON.stringify(table) === want,
    expected: `[${expected.map(line).join(', ')}]`,
    takesExpected: true,
    received: (table) => table.map(line),
    title: (link) => `The VLANs of ${link} (bridge vlan show dev ${link.name})`,
    timeout,
  });
}
