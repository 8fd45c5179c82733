// The device a bridge operation names (bridge.vlan, bridge.fdb, bridge.setPort): the bridge
// itself or one of its ports, checked before anything is written, since the kernel's refusal of
// a device that is not a port is a bare EOPNOTSUPP.
import { InvalidArgumentError, NotABridgePortError } from '../errors.ts';
import { NetlinkError } from '../netlink/errors.ts';
import { linkFind, linkGet } from '../rtnl/link.ts';
import { parseName } from '../values/name.ts';
import { isLink, type Link } from './link.ts';

/** A bridge's port, or the bridge itself (self: its own VLANs and FDB entries). */
export interface Member {
  index: number;
  name: string;
  self: boolean;
  /** A port's STP state (BR_STATE_*), as the read reported it; undefined for the bridge itself. */
  portState: number | undefined;
}

/** A port: a handle of the bridge's namespace, or a device name there. */
export type PortArg = Link | string;

/**
 * The device, read from the kernel and checked to be bridge or one of its ports. Callers check
 * every other option first: this is the one check that asks the kernel.
 */
export function bridgeMember(bridge: Link, where: string, port: unknown): Member {
  if (isLink(port) && port.ns !== bridge.ns) {
    throw new InvalidArgumentError(
      `${where}: ${port} is not in namespace ${bridge.ns.label}, where ${bridge.name} is: pass a port of the bridge, or its name`,
      port,
    );
  }
  const sock = bridge.ns.rtnl;
  const m = linkGet(sock, isLink(port) ? port.index : parseName(port));
  if (m.index === bridge.index) return { index: m.index, name: m.name, self: true, portState: undefined };
  if (m.master !== bridge.index) {
    const master = m.master === undefined ? undefined : (linkFind(sock, m.master)?.name ?? `index ${m.master}`);
    throw new NotABridgePortError(where, m.name, bridge.name, master);
  }
  return { index: m.index, name: m.name, self: false, portState: m.bridgePort?.state };
}

/**
 * A refusal the kernel gives without words (no extack), rethrown with what it means here; any
 * other error as it is.
 */
export function explainRefusal(error: unknown, meanings: Readonly<Record<string, string>>): unknown {
  if (!(error instanceof NetlinkError) || error.extack || !meanings[error.code]) return error;
  return new NetlinkError(error.errno, error.request, undefined, undefined, meanings[error.code]);
}
