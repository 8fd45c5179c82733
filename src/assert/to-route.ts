import type { MatcherState } from 'vitest';
import type { Link } from '../devices/link.ts';
import { NetlinkError } from '../netlink/errors.ts';
import type { RouteLookup } from '../netns/route-view.ts';
import { formatRouteType, parseAddress, parseRouteType, type RouteType } from '../values/route.ts';
import { matchWait, requireOptions, type MatcherResult, type WaitOption } from './match-state.ts';
import { deviceName, namespaceSubject, requireNetns } from './match-namespace.ts';

/** toRoute's options: the packet asked about (from), what the kernel's answer must say, and the wait. */
export interface LookupOptions extends WaitOption {
  /** The packet's source address (`ip route get DST from SRC`). */
  from?: string;
  /** The gateway the kernel must choose. */
  via?: string;
  /** The output device the kernel must choose: a handle or a name. */
  dev?: Link | string;
  /** The type of the deciding route (unicast, local, ...). */
  type?: RouteType;
}

const M = 'toRoute';

/** A lookup's answer, or the kernel's refusal of it (ENETUNREACH: no route; EHOSTUNREACH, EACCES, EINVAL: unreachable, prohibit, blackhole). */
type Answer = RouteLookup | { refused: string };

/**
 * The kernel routes a packet to dst (`ip route get DST`), via this gateway and device if given.
 * Without via, dev or type it holds when the kernel has any route; `.not` then waits for none.
 */
export async function toRoute(
  this: MatcherState,
  received: unknown,
  dst: string,
  options?: LookupOptions,
): Promise<MatcherResult> {
  const ns = requireNetns(M, received);
  const { timeout } = requireOptions(M, options);
  const to = parseAddress(M, 'destination', dst);
  const from = options?.from === undefined ? undefined : parseAddress(M, 'from', options.from).address;
  const via = options?.via === undefined ? undefined : parseAddress(M, 'via', options.via).address;
  const dev = deviceName(M, options?.dev);
  const type = options?.type === undefined ? undefined : formatRouteType(parseRouteType(M, options.type));
  const read = async (): Promise<Answer> => {
    try {
      return await ns.route.get(to.address, { from });
    } catch (error) {
      // The kernel's "no" is an answer to wait on; any other error ends the wait.
      if (error instanceof NetlinkError) return { refused: `${error.code}${error.extack ? `: ${error.extack}` : ''}` };
      throw error;
    }
  };
  const holds = (a: Answer): boolean =>
    !('refused' in a) &&
    (via === undefined || a.via === via) &&
    (dev === undefined || a.dev === dev) &&
    (type === undefined || a.type === type);
  const words = [to.address, from && `from ${from}`, via && `via ${via}`, dev && `dev ${dev}`, type && `type ${type}`];
  const describe = (a: Answer): string =>
    'refused' in a
      ? `refused (${a.refused})`
      : [
          a.type === 'unicast' ? '' : a.type,
          a.dst,
          a.via && `via ${a.via}`,
          a.dev && `dev ${a.dev}`,
          `table ${a.table}`,
          a.src && `src ${a.src}`,
        ]
          .filter(Boolean)
          .join(' ');
  return matchWait(
    this,
    M,
    namespaceSubject(ns, `The kernel's answer to route get ${words.slice(0, 2).filter(Boolean).join(' ')}`, read, (a) =>
      JSON.stringify(a, null, 2),
    ),
    { holds, expected: words.filter(Boolean).join(' '), takesExpected: true, received: describe, timeout },
  );
}
