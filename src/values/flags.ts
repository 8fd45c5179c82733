// The bit sets the kernel reports, by the names iproute2 prints: a device's IFF_* flags
// (ifi_flags) and an address's IFA_F_* flags.
import * as C from '../sys/constants.ts';

export const IFF_FLAGS = {
  UP: C.IFF_UP,
  BROADCAST: C.IFF_BROADCAST,
  DEBUG: C.IFF_DEBUG,
  LOOPBACK: C.IFF_LOOPBACK,
  POINTOPOINT: C.IFF_POINTOPOINT,
  NOTRAILERS: C.IFF_NOTRAILERS,
  RUNNING: C.IFF_RUNNING,
  NOARP: C.IFF_NOARP,
  PROMISC: C.IFF_PROMISC,
  ALLMULTI: C.IFF_ALLMULTI,
  MASTER: C.IFF_MASTER,
  SLAVE: C.IFF_SLAVE,
  MULTICAST: C.IFF_MULTICAST,
  PORTSEL: C.IFF_PORTSEL,
  AUTOMEDIA: C.IFF_AUTOMEDIA,
  DYNAMIC: C.IFF_DYNAMIC,
  LOWER_UP: C.IFF_LOWER_UP,
  DORMANT: C.IFF_DORMANT,
  ECHO: C.IFF_ECHO,
} as const;

/** An IFF_* flag without its prefix: UP, RUNNING, LOWER_UP, ... */
export type LinkFlag = keyof typeof IFF_FLAGS;

export const IFA_FLAG_NAMES = {
  secondary: C.IFA_F_SECONDARY,
  nodad: C.IFA_F_NODAD,
  optimistic: C.IFA_F_OPTIMISTIC,
  dadfailed: C.IFA_F_DADFAILED,
  homeaddress: C.IFA_F_HOMEADDRESS,
  deprecated: C.IFA_F_DEPRECATED,
  tentative: C.IFA_F_TENTATIVE,
  permanent: C.IFA_F_PERMANENT,
  mngtmpaddr: C.IFA_F_MANAGETEMPADDR,
  noprefixroute: C.IFA_F_NOPREFIXROUTE,
  autojoin: C.IFA_F_MCAUTOJOIN,
  stable_privacy: C.IFA_F_STABLE_PRIVACY,
} as const;

/** An IFA_F_* flag in iproute2's spelling: tentative, dadfailed, nodad, ... */
export type AddressFlag = keyof typeof IFA_FLAG_NAMES;

const namesOf = <N extends string>(table: Record<N, number>, bits: number): N[] =>
  (Object.entries(table) as Array<[N, number]>).filter(([, bit]) => (bits & bit) !== 0).map(([name]) => name);

export const decodeFlags = (flags: number): LinkFlag[] => namesOf(IFF_FLAGS, flags);
export const decodeAddrFlags = (flags: number): AddressFlag[] => namesOf(IFA_FLAG_NAMES, flags);
