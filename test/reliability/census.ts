// What a killed test runner could leave behind, counted from the kernel's side (/proc, the
// mount table, iproute2), never from nslab's own bookkeeping: processes of its process group
// (holders, programs run inside, Vitest workers, qemu), zombies, the network namespaces it made
// (by inode), pins, devices in the host's namespace, and containers.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { hostIpLinks } from '../helpers/oracle.ts';
import { netnsReferences, procStat, type ProcStat } from '../helpers/proc.ts';
import { HOLDER_NAME } from '../../src/devices/holder.ts';

const entries = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

export function allProcesses(): ProcStat[] {
  return entries('/proc')
    .filter((n) => /^\d+$/.test(n))
    .flatMap((n) => procStat(Number(n)) ?? []);
}

const isZombie = (p: ProcStat): boolean => p.state === 'Z' || p.state === 'X';

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** The network namespace inodes a process uses or holds: its threads' namespaces and its descriptors. */
export function netnsInodesOf(pid: number): number[] {
  const found = new Set<number>();
  for (const tid of entries(`/proc/${pid}/task`)) {
    try {
      found.add(statSync(`/proc/${pid}/task/${tid}/ns/net`).ino);
    } catch {
      // The thread ended while we looked.
    }
  }
  for (const fd of entries(`/proc/${pid}/fd`)) {
    try {
      const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) found.add(Number(m[1]));
    } catch {
      // Closed while we looked.
    }
  }
  return [...found];
}

export const HOST_NETNS = statSync('/proc/self/ns/net').ino;

/**
 * What one look at a process group sees: its members and every network namespace they use or
 * hold. Taken repeatedly while a runner runs (and once more just before the kill), so the
 * namespaces it made are known by inode even though no name identifies them.
 */
export class GroupTracker {
  readonly pgid: number;
  readonly pids = new Set<number>();
  readonly inodes = new Set<number>();
  readonly comms = new Map<number, string>();
  private readonly ignore: Set<number>;

  constructor(pgid: number, ignoreInodes: Iterable<number> = []) {
    this.pgid = pgid;
    this.ignore = new Set([HOST_NETNS, ...ignoreInodes]);
  }

  /** Members of the group and their descendants: ns.exec() programs lead groups of their own. */
  sample(): void {
    const live = allProcesses().filter((p) => !isZombie(p));
    const ours = (p: ProcStat): boolean => p.pgid === this.pgid || this.pids.has(p.pid) || this.pids.has(p.ppid);
    for (let grew = true; grew;) {
      grew = false;
      for (const p of live) {
        if (this.comms.has(p.pid) || !ours(p)) continue;
        this.pids.add(p.pid);
        this.comms.set(p.pid, p.comm);
        grew = true;
      }
    }
    for (const p of live) {
      if (!this.pids.has(p.pid)) continue;
      for (const ino of netnsInodesOf(p.pid)) if (!this.ignore.has(ino)) this.inodes.add(ino);
    }
  }

  addInode(ino: number): void {
    if (!this.ignore.has(ino)) this.inodes.add(ino);
  }

  /** Namespaces of the runner's containers: alive until the containers are removed (by the sweep). */
  readonly containerInodes = new Set<number>();

  addContainerInode(ino: number): void {
    this.containerInodes.add(ino);
    this.inodes.delete(ino);
    this.ignore.add(ino);
  }
}

/** A pin (bind mount of a namespace) as seen through the mount namespace of process `viaPid`. */
export interface Pin {
  path: string;
  owner: number;
  inode: number | undefined;
}

/** nslab's pins under /run/netns in the mount namespace of viaPid (default: ours). */
export function pinsVia(viaPid: number | 'self' = 'self'): Pin[] {
  const dir = viaPid === 'self' ? '/run/netns' : `/proc/${viaPid}/root/run/netns`;
  return entries(dir)
    .filter((n) => n.startsWith('nslab-'))
    .map((n) => {
      let inode: number | undefined;
      try {
        // A live pin is a mount of the namespace file: stat sees the namespace (nsfs) inode.
        const st = statSync(`${dir}/${n}`);
        inode = st.size === 0 && st.dev !== statSync(dir).dev ? st.ino : undefined;
      } catch {
        inode = undefined;
      }
      return { path: `/run/netns/${n}`, owner: Number(/^nslab-(\d+)[.-]/.exec(n)?.[1]), inode };
    });
}

/** The host's devices, read only: name, index and kind. */
export function hostDevices(): string[] {
  return hostIpLinks()
    .map((l) => `${l.ifindex}:${l.ifname}:${l.linkinfo?.info_kind ?? '-'}`)
    .sort();
}

const isQemu = (p: ProcStat): boolean => /^qemu/.test(p.comm);

/** Whether a Docker engine answers, and if not, why containers cannot be counted. */
export function dockerEngine(): { available: true } | { available: false; reason: string } {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 10_000,
    });
    return { available: true };
  } catch (error) {
    const e = error as { code?: string; stderr?: Buffer };
    const why =
      e.code === 'ENOENT'
        ? 'no docker client installed'
        : (e.stderr?.toString().trim().split('\n').pop() ?? String(error));
    return { available: false, reason: `no Docker engine: ${why}` };
  }
}

/** nslab's containers (label nslab.owner, see src/container/labels.ts), running or not, whose owner pid is in owners. */
export function containersOf(owners: Set<number>): string[] {
  const out = execFileSync(
    'docker',
    ['ps', '-a', '--filter', 'label=nslab.owner', '--format', '{{.ID}} {{.Label "nslab.owner"}}'],
    { encoding: 'utf8', timeout: 10_000 },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ') as [string, string])
    .filter(([, owner]) => owners.has(Number(owner)))
    .map(([id, owner]) => `${id} (owner ${owner})`);
}

export interface Leftovers {
  /** Processes of the killed group (or seen in it) still running, as "pid comm". */
  processes: string[];
  /** Of those, holder processes. */
  holders: string[];
  /** Of those, qemu processes (nslab's kernel runner would start them in the runner's group). */
  qemu: string[];
  /** Processes of the group that exited but were not reaped (PID 1 here does not reap orphans). */
  zombies: number;
  /** Where a process of the runner's still references a namespace it made (/proc/PID/task/TID/ns/net, /proc/PID/fd/N). */
  namespaceRefs: string[];
  /**
   * References to the same inode numbers by other processes. The kernel reuses a freed
   * namespace's inode number at once, and other test runs make namespaces all the time, so
   * these are reported but not counted: a namespace can only outlive its runner through a
   * process of the runner's (counted above), a pin or a container (counted below).
   */
  otherRefs: string[];
  /** nslab pins left in the runner's mount namespace. */
  pins: Pin[];
  /** Devices of the host namespace that were added or removed. */
  hostDevices: { added: string[]; removed: string[] };
  /** nslab containers owned by the runner's processes (undefined: no engine to ask). */
  containers: string[] | undefined;
}

export interface CensusScope {
  tracker: GroupTracker;
  /** The process whose mount namespace the runner used (for its pins). */
  mountNsPid: number;
  hostDevicesBefore: string[];
  /** Whether a Docker engine answers, so containers can be counted. */
  docker: boolean;
}

/**
 * One look at everything the runner of scope could have left behind. Before the sweep its
 * containers' namespaces are alive by design; after it (swept: true) they count too.
 */
export function census(scope: CensusScope, swept: boolean): Leftovers {
  const { tracker } = scope;
  const procs = allProcesses();
  const inGroup = procs.filter((p) => p.pgid === tracker.pgid || tracker.pids.has(p.pid));
  const running = inGroup.filter((p) => !isZombie(p));
  const now = hostDevices();
  const before = new Set(scope.hostDevicesBefore);
  const refs = netnsReferences(swept ? [...tracker.inodes, ...tracker.containerInodes] : tracker.inodes);
  const groupPids = new Set(inGroup.map((p) => p.pid));
  const ours = (ref: string): boolean => groupPids.has(Number(ref.split('/')[2]));
  return {
    processes: running.map((p) => `${p.pid} ${p.comm}`),
    holders: running.filter((p) => cmdline(p.pid).includes(HOLDER_NAME)).map((p) => `${p.pid} ${p.comm}`),
    qemu: running.filter(isQemu).map((p) => `${p.pid} ${p.comm}`),
    zombies: inGroup.length - running.length,
    namespaceRefs: refs.filter((r) => ours(r)),
    otherRefs: refs.filter((r) => !ours(r)),
    pins: pinsVia(scope.mountNsPid),
    hostDevices: {
      added: now.filter((d) => !before.has(d)),
      removed: scope.hostDevicesBefore.filter((d) => !now.includes(d)),
    },
    containers: scope.docker ? containersOf(tracker.pids) : undefined,
  };
}
