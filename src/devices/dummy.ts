import type { NetnsHandle } from '../handle/handle.ts';
import { linkAdd } from '../rtnl/link.ts';
import { parseMacOption } from '../values/mac.ts';
import { parseName } from '../values/name.ts';
import { Link, registerCreated } from './link.ts';

/** Options of addDummy(). */
export interface DummyOptions {
  /** An explicit MAC (`address MAC`); the kernel picks a random one when absent. */
  mac?: string;
}

/**
 * `ip link add NAME [address MAC] type dummy`; UnsupportedKindError on kernels without CONFIG_DUMMY,
 * ModuleLoadError where its module is not loaded and cannot be loaded without creating dummy0.
 */
export function addDummy(ns: NetnsHandle, name: string, options: DummyOptions = {}): Link {
  return registerCreated(
    new Link(ns, linkAdd(ns.rtnl, { name: parseName(name), kind: 'dummy', mac: parseMacOption(options.mac) })),
  );
}
