// A bridge port's own options (`bridge link set dev PORT ...`): checked for setPort(), and as
// state() reports them (IFLA_INFO_SLAVE_DATA of the port's link message).
import type { BridgePortInfo } from '../netlink/bridge.ts';
import { parsePortState, portStateName, type PortState } from '../values/bridge.ts';
import { optionalBoolean, requireObject } from '../values/checks.ts';

/** A port's options, as `bridge link set dev PORT ...` takes them. */
export interface BridgePortOptions {
  /** Learn the source MACs of frames received on the port (`learning on|off`). */
  learning?: boolean;
  /** Flood unicast frames to unknown MACs out of the port (`flood on|off`). */
  flood?: boolean;
  /** Let frames go back out of the port they came in on (`hairpin on|off`), as a reflective relay. */
  hairpin?: boolean;
  /** Forward only to and from ports that are not isolated (`isolated on|off`). */
  isolated?: boolean;
  /**
   * The port's STP state, set by hand: only while the bridge's STP is off, and (but for disabled)
   * on a port that is up. Without STP the kernel then selects the states again, and a blocking
   * port forwards at once; disabled, listening and learning stay.
   */
  state?: PortState;
}

/** A port's options as state() reports them (undefined where the kernel reported nothing). */
export interface BridgePortState {
  /** The port's STP state: disabled, listening, learning, forwarding or blocking. */
  state: PortState | undefined;
  /** Learns source MACs. */
  learning: boolean | undefined;
  /** Floods unicast frames to unknown MACs. */
  flood: boolean | undefined;
  /** Hairpin mode. */
  hairpin: boolean | undefined;
  /** Isolated. */
  isolated: boolean | undefined;
}

export function bridgePortState(info: BridgePortInfo): BridgePortState {
  return {
    state: info.state === undefined ? undefined : portStateName(info.state),
    learning: info.learning,
    flood: info.flood,
    hairpin: info.hairpin,
    isolated: info.isolated,
  };
}

/** The options, checked, as the attributes to write. */
export function parsePortOptions(where: string, options: BridgePortOptions): BridgePortInfo {
  requireObject(where, options, '{ learning?, flood?, hairpin?, isolated?, state? }');
  const info: BridgePortInfo = {};
  for (const name of ['learning', 'flood', 'hairpin', 'isolated'] as const) {
    if (options[name] !== undefined) info[name] = optionalBoolean(where, name, options[name]);
  }
  if (options.state !== undefined) info.state = parsePortState(where, options.state);
  return info;
}
