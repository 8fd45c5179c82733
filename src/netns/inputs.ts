// Checks that the namespace's tables (ns.route, ns.neigh, ns.rule) make on their options before any
// request, and the lookup of a device argument once they have passed.
import { InvalidArgumentError } from '../errors.ts';
import type { NetnsHandle } from '../handle/handle.ts';
import { isLink, type Link } from '../devices/link.ts';
import { linkGet } from '../rtnl/link.ts';
import { parseName, type IfName } from '../values/name.ts';

/**
 * A device option: a handle of this namespace (one of another namespace would name, by its
 * index or name, whatever device has it here), or a valid device name, not looked up.
 */
export function deviceOption(where: string, ns: NetnsHandle, dev: unknown): Link | IfName {
  if (isLink(dev)) {
    if (dev.ns !== ns) {
      throw new InvalidArgumentError(
        `${where}: ${dev} is not in namespace ${ns.label}: pass a device of this namespace, or its name`,
        dev,
      );
    }
    return dev;
  }
  return parseName(dev);
}

/** A device argument before it is looked up: a checked name, or a handle of this namespace. */
export type DeviceArg = IfName | Link;

/** The device by index: a handle's own, or the name's, read from the kernel (DeviceNotFoundError if none). */
export function resolveDevice(ns: NetnsHandle, dev: DeviceArg): { index: number; name: string } {
  if (isLink(dev)) return { index: dev.index, name: dev.name };
  return { index: linkGet(ns.rtnl, dev).index, name: dev };
}
