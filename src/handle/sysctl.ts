// Per-namespace sysctls under /proc/sys/net. The kernel resolves /proc/sys/net in the network
// namespace of the task that looks the path up, so the file is opened inside the namespace in
// one synchronous switch; the open descriptor stays bound to that namespace's value, and is
// read or written back home on the main thread. The host's value is never opened.
//
// Where /proc/sys is mounted read-only (a Docker container), a write is refused by the mount
// (EROFS) whatever the namespace, and nslab says so instead of working around it. A fresh procfs
// would be writable, but nslab cannot mount one safely from a Node process. Mounting it in the
// process's own mount namespace changes what every other process there sees, and outlives a
// SIGKILL. A private mount namespace needs an fs_struct (cwd, root, umask) of the caller's own,
// and Node's threads (libuv's pool, V8's) share one: setns() into a mount namespace is refused
// (EINVAL) while it is shared, and unshare(CLONE_NEWNS) gives the calling thread a copy for good,
// so that process.chdir() and process.umask() on the main thread would no longer reach the fs
// calls libuv runs on its pool; nothing re-shares it. (Where the container has its own user
// namespace the kernel refuses a new procfs outright, since Docker hides parts of /proc.) A
// helper process or a detached fsmount() could write anyway, but only by undoing a confinement
// the container's owner chose, which is theirs to lift.
import { check, sys } from '../sys/libc.ts';
import { O_CLOEXEC, O_RDONLY, O_WRONLY } from '../sys/constants.ts';
import { hasErrno, SysctlNotFoundError, SysctlReadOnlyError } from '../errors.ts';
import {
  formatSysctlValue,
  parseSysctlKey,
  parseSysctlValue,
  type ParsedSysctlKey,
  type SysctlKey,
  type SysctlValue,
} from '../values/sysctl.ts';
import type { Cleanup } from './cleanup.ts';
import { withNetns } from './switch.ts';

/** What Sysctls needs of its namespace handle. */
export interface SysctlHost {
  /** The namespace descriptor (throws once the handle is closed). */
  readonly fd: number;
  /** Whether nslab created the namespace: only adopted ones get their values restored. */
  readonly owned: boolean;
  /** Where the restores of an adopted namespace are registered. */
  readonly cleanup: Cleanup;
  /** The namespace's label, for messages. */
  readonly label: string;
}

// Sysctl files are small (the longest under net are a few hundred bytes); one page holds any.
const READ_SIZE = 4096;

/** The sysctls of one namespace: `ns.sysctl.get("net.ipv4.ip_forward")`, `ns.sysctl.set(key, 1)`. */
export class Sysctls {
  private readonly host: SysctlHost;
  /** Keys whose original value an adopted namespace gets back on destroy(). */
  private readonly saved = new Set<string>();

  /** Made by the namespace handle (ns.sysctl). */
  constructor(host: SysctlHost) {
    this.host = host;
  }

  /** The value of a net. sysctl in this namespace: an integer as a number, several as number[], else text. */
  async get(key: SysctlKey): Promise<SysctlValue> {
    return parseSysctlValue(this.readText(parseSysctlKey(key)));
  }

  /**
   * Writes a net. sysctl in this namespace (`sysctl -w`). In an adopted namespace (a container's)
   * the first write of each key records the value it had, and destroy() writes it back.
   */
  async set(key: SysctlKey, value: SysctlValue): Promise<void> {
    const parsed = parseSysctlKey(key);
    const text = formatSysctlValue(parsed.shown, value);
    const first = !this.host.owned && !this.saved.has(parsed.path);
    const original = first ? this.originalText(parsed) : undefined;
    this.writeText(parsed, text);
    // Only a write that happened has something to undo: a refused one (EROFS, EINVAL) changed
    // nothing, and a restore registered for it would fail the same way in destroy().
    if (first) {
      this.saved.add(parsed.path);
      if (original !== undefined) this.registerRestore(parsed, original);
    }
  }

  /** What a key holds before nslab first writes it; undefined for a write-only key (net.ipv4.route.flush), an action with nothing to restore. */
  private originalText(key: ParsedSysctlKey): string | undefined {
    try {
      return this.readText(key);
    } catch (error) {
      if (hasErrno(error, 'EACCES')) return undefined;
      throw error;
    }
  }

  /** destroy() writes the original back; a key gone by then (its device deleted) has nothing to restore. */
  private registerRestore(key: ParsedSysctlKey, original: string): void {
    this.host.cleanup.defer(`restore sysctl ${key.shown} = ${original.trim()}`, () => {
      try {
        this.writeText(key, original);
      } catch (error) {
        if (!(error instanceof SysctlNotFoundError)) throw error;
      }
    });
  }

  private open(key: ParsedSysctlKey, flags: number): number {
    const path = `/proc/sys/${key.path}`;
    try {
      return withNetns(this.host.fd, () => check(sys.open(path, flags | O_CLOEXEC, 0), 'open', path));
    } catch (error) {
      if (hasErrno(error, 'ENOENT'))
        throw new SysctlNotFoundError(key.shown, key.segments, this.host.label, { cause: error });
      if (hasErrno(error, 'EROFS')) throw new SysctlReadOnlyError(key.shown, this.host.label, { cause: error });
      throw error;
    }
  }

  private readText(key: ParsedSysctlKey): string {
    const fd = this.open(key, O_RDONLY);
    try {
      const buf = Buffer.alloc(READ_SIZE);
      const n = check(sys.read(fd, buf, buf.length), 'read', `/proc/sys/${key.path}`);
      return buf.toString('utf8', 0, n);
    } finally {
      sys.close(fd);
    }
  }

  private writeText(key: ParsedSysctlKey, text: string): void {
    const fd = this.open(key, O_WRONLY);
    try {
      const buf = Buffer.from(text, 'utf8');
      // One write: /proc/sys parses each write() on its own, so the value must not be split.
      check(
        sys.write(fd, buf, buf.length),
        'write',
        `sysctl ${key.shown} = ${JSON.stringify(text)} in ${this.host.label}`,
      );
    } finally {
      sys.close(fd);
    }
  }
}
