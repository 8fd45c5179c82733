// Link messages larger than a 64 KiB receive buffer, made by the kernel itself: alternative
// names, added with RTM_NEWLINKPROP (IFLA_PROP_LIST of IFLA_ALT_IFNAME; linux/rtnetlink.h and
// if_link.h). The kernel caps the list below 64 KiB; every RTM_NEWLINK for the link then
// carries the list plus the rest of the link, over 64 KiB (66.5 KiB for a bridge on 6.18).
import type { Netns } from '../../src/index.ts';
import { MessageWriter } from '../../src/netlink/codec.ts';
import { encodeIfinfomsg } from '../../src/netlink/link.ts';
import { rtnlRequest } from '../../src/rtnl/request.ts';
import * as C from '../../src/sys/constants.ts';
import { ipLinks } from './oracle.ts';

/** Close to the cap: 490 names of 127 characters. */
const COUNT = 490;

/** Gives the device 490 long alternative names, checked with iproute2; returns how many it has. */
export async function addManyAltnames(ns: Netns, index: number): Promise<number> {
  const names = Array.from({ length: COUNT }, (_, i) => `alt${String(i).padStart(124, '0')}`);
  const w = new MessageWriter(C.RTM_NEWLINKPROP, C.NLM_F_REQUEST | C.NLM_F_ACK, 70_000).header(
    encodeIfinfomsg({ index }),
  );
  w.nest(C.IFLA_PROP_LIST, (list) => names.forEach((n) => list.string(C.IFLA_ALT_IFNAME, n)));
  rtnlRequest(ns.rtnl, w, { type: 'RTM_NEWLINKPROP', what: `link property add index ${index} altname x${COUNT}` });
  return (await ipLinks(ns)).find((l) => l.ifindex === index)?.altnames?.length ?? 0;
}
