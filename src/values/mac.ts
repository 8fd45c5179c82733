// MAC addresses as users write them (52:54:00:00:00:01) and as the kernel sends them (6 bytes).
import { InvalidMacError } from '../errors.ts';

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

// Every link message decoded formats one to three of these: a table lookup, no arrays.
export function formatMac(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += i ? `:${HEX[bytes[i]!]}` : HEX[bytes[i]!];
  return out;
}

const MAC_TEXT = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const formatError = (mac: unknown): InvalidMacError =>
  new InvalidMacError(
    `invalid MAC address ${JSON.stringify(mac)}: write six hex octets separated by colons, like 52:54:00:00:00:01`,
    mac,
  );

/** Parses and checks a unicast Ethernet address; the kernel would refuse the others with a bare EADDRNOTAVAIL. */
export function parseMac(mac: unknown): Buffer {
  if (typeof mac !== 'string' || !MAC_TEXT.test(mac)) throw formatError(mac);
  const bytes = Buffer.from(mac.split(':').map((h) => Number.parseInt(h, 16)));
  if (bytes[0]! & 1) {
    throw new InvalidMacError(
      `invalid MAC address ${mac}: the low bit of the first octet marks a multicast address, which a device cannot use; use e.g. 52:54:00:xx:xx:xx`,
      mac,
    );
  }
  if (bytes.every((b) => b === 0)) {
    throw new InvalidMacError(`invalid MAC address ${mac}: the all-zero address is not a valid device address`, mac);
  }
  return bytes;
}

/** An optional MAC option as bytes: absent (or empty) leaves the kernel's choice. */
export const parseMacOption = (mac: string | undefined): Buffer | undefined => (mac ? parseMac(mac) : undefined);

/**
 * Canonical lower-case form, for comparing addresses from different sources. Any six octets:
 * the kernel itself reports all-zero ones (a bridge that never had a port).
 */
export function normalizeMac(mac: unknown): string {
  if (typeof mac !== 'string' || !MAC_TEXT.test(mac)) throw formatError(mac);
  return mac.toLowerCase();
}
