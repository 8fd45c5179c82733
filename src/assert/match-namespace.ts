// What the namespace-level matchers (routes, lookups) share: the receiver is a namespace, and
// their waits re-read on each of its notifications, like the device matchers'.
import { isLink } from '../devices/link.ts';
import { Netns } from '../netns/netns.ts';
import { until } from '../wait/until.ts';
import { describeValue, type WaitSubject } from './match-state.ts';

export function requireNetns(matcher: string, received: unknown): Netns {
  if (!(received instanceof Netns)) {
    throw new TypeError(
      `${matcher}: expected a namespace from nslab (the netns fixture, createNetns(), adoptNetns()), received ${describeValue(received)}`,
    );
  }
  return received;
}

/** A wait on ns that re-reads read() on each of its notifications (and every 10 ms). */
export function namespaceSubject<T>(
  ns: Netns,
  title: string,
  read: () => Promise<T>,
  render: (value: T) => string,
): WaitSubject<T> {
  return {
    title: `${title} in ${ns.label}`,
    wait: (condition, timeout) => until(ns, read, condition, timeout),
    render,
  };
}

/** A device option as the name routes print: a handle's name, or the name given. */
export function deviceName(matcher: string, dev: unknown): string | undefined {
  if (dev === undefined) return undefined;
  if (isLink(dev)) return dev.name;
  if (typeof dev === 'string' && dev !== '') return dev;
  throw new TypeError(`${matcher}: dev must be a device handle or a device name, received ${describeValue(dev)}`);
}
