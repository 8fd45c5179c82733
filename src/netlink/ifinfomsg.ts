// struct ifinfomsg, the fixed header of RTM_*LINK messages; apart from link.ts so that the kinds'
// encoders (a veth's or netkit's peer carries one) need not import the link decoder that uses them.
import * as C from '../sys/constants.ts';

export const IFINFOMSG_LEN = 16;

export interface Ifinfomsg {
  family?: number;
  index?: number;
  flags?: number;
  change?: number;
}

export function encodeIfinfomsg({ family = C.AF_UNSPEC, index = 0, flags = 0, change = 0 }: Ifinfomsg): Buffer {
  const b = Buffer.alloc(IFINFOMSG_LEN);
  b.writeUInt8(family, 0);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags >>> 0, 8);
  b.writeUInt32LE(change >>> 0, 12);
  return b;
}
