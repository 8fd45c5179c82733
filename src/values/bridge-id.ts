// Bridge IDs in the kernel's own notation (sysfs bridge_id: "8000.525400000001"): the
// 16-bit priority in hex, a dot, the MAC without separators.
import { InvalidArgumentError } from '../errors.ts';
import { normalizeMac } from './mac.ts';

/** struct ifla_bridge_id: two bytes of priority, then the MAC that identifies the bridge. */
export interface BridgeId {
  /** The bridge priority, 0 to 65535 (0x8000 by default). */
  priority: number;
  /** The bridge address, lowercase and colon-separated. */
  mac: string;
}

/** The ID in sysfs notation, as /sys/class/net/BRIDGE/bridge/bridge_id shows it: "8000.525400000001". */
export function formatBridgeId(id: BridgeId): string {
  const { priority, mac } = parseBridgeId(id);
  return `${priority.toString(16).padStart(4, '0')}.${mac.replaceAll(':', '')}`;
}

/** Accepts "8000.525400000001", "8000.52:54:00:00:00:01" or { priority, mac }. */
export function parseBridgeId(value: unknown): BridgeId {
  if (value && typeof value === 'object' && 'priority' in value && 'mac' in value) {
    const { priority, mac } = value as { priority: unknown; mac: unknown };
    if (
      Number.isInteger(priority) &&
      (priority as number) >= 0 &&
      (priority as number) <= 0xffff &&
      typeof mac === 'string'
    ) {
      return { priority: priority as number, mac: normalizeMac(mac) };
    }
  }
  if (typeof value === 'string') {
    const m = /^([0-9a-f]{4})\.([0-9a-f]{12}|[0-9a-f]{2}(?::[0-9a-f]{2}){5})$/i.exec(value);
    if (m) {
      const hex = m[2]!.replaceAll(':', '');
      return { priority: Number.parseInt(m[1]!, 16), mac: normalizeMac(hex.match(/../g)!.join(':')) };
    }
  }
  throw new InvalidArgumentError(
    `invalid bridge ID ${JSON.stringify(value)}: write it as the kernel does, priority.mac, like "8000.525400000001" (or { priority: 0x8000, mac: "52:54:00:00:00:01" })`,
    value,
  );
}
