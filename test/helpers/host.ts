// The host namespace's sysctls under net.ipv4 and net.ipv6, read through /proc/sys/net by this
// process (which runs in the host's namespace: /proc/sys/net shows the reader's namespace).
import { readdirSync, readFileSync, statSync } from 'node:fs';

/**
 * Values that change by themselves, without anyone configuring anything; none was seen to
 * (every readable file under /proc/sys/net/ipv4 and /proc/sys/net/ipv6 read twice, idle and
 * around full test runs), so none is excluded.
 */
const SELF_CHANGING: RegExp[] = [];

/**
 * Read-only lists of what loaded modules registered, which grow as a device kind's module loads:
 * Debian's bonding needs tls, whose loading adds "tls" to tcp_available_ulp. Loading a kind's
 * module is the kernel's on-demand autoload, not a change to the host's network.
 */
const MODULE_LISTS: RegExp[] = [/^net\.ipv4\.tcp_available_ulp$/];

function walk(dir: string, out: Map<string, string>): void {
  for (const name of readdirSync(dir)) {
    const path = `${dir}/${name}`;
    if (statSync(path).isDirectory()) {
      walk(path, out);
      continue;
    }
    const key = path.slice('/proc/sys/'.length).replaceAll('/', '.');
    if ([...SELF_CHANGING, ...MODULE_LISTS].some((re) => re.test(key))) continue;
    try {
      out.set(key, readFileSync(path, 'utf8').trim());
    } catch {
      // Write-only (route.flush) or unreadable by design (an unset stable_secret: EIO).
    }
  }
}

/** net.ipv4.* and net.ipv6.* of the host namespace: name -> value. */
export function hostSysctls(): Map<string, string> {
  const out = new Map<string, string>();
  walk('/proc/sys/net/ipv4', out);
  walk('/proc/sys/net/ipv6', out);
  return out;
}

/** "name: before -> after" for each sysctl that differs (or appeared, or went). */
export function sysctlChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys]
    .filter((k) => before.get(k) !== after.get(k))
    .map((k) => `${k}: ${before.get(k) ?? '(absent)'} -> ${after.get(k) ?? '(absent)'}`);
}
