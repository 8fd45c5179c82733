// A network namespace held by a file descriptor. Closing the descriptor (on destroy(), or by
// the kernel when this process dies, even by SIGKILL) frees the namespace and everything in
// it, so a crashed test run cannot leave one behind. Everything nslab does in a namespace goes
// through the handle's netlink socket, opened inside it, or through a synchronous switch.
import { constants } from 'node:os';
import { performance } from 'node:perf_hooks';
import { execa, type Options as ExecaOptions, type ResultPromise } from 'execa';
import { sys, SysError } from '../sys/libc.ts';
import { NetlinkSocket } from '../netlink/socket.ts';
import { InvalidArgumentError, NamespaceDestroyedError, NslabError, PermissionError } from '../errors.ts';
import { CleanupStack } from '../handle/cleanup.ts';
import { EVENT_GROUPS, EventStream } from '../handle/events.ts';
import { openNetnsFile } from '../handle/ns-file.ts';
import { pin, pinName, unpin } from '../handle/pin.ts';
import { reapGroup } from '../handle/reaper.ts';
import { carriesMark, MARK_VARIABLE, processesIn, stdioPipes } from '../handle/occupants.ts';
import { killOccupants, STOP_TIMEOUT_MS, stopProgram } from '../handle/stop.ts';
import { homeNetns, netnsId, withNetns, withNewNetns } from '../handle/switch.ts';
import { tryBind, type BindResult } from '../handle/bind-probe.ts';
import { linkGet, linkList } from '../rtnl/link.ts';
import { Link } from '../devices/link.ts';
import { addBridge, Bridge, type BridgeOptions } from '../devices/bridge.ts';
import { addDummy } from '../devices/dummy.ts';
import { addTap, openTun, type Tap, type TapOptions } from '../devices/tap.ts';
import { addVeth, type VethOptions } from '../devices/veth.ts';
import type { TunFile } from '../devices/tun-file.ts';
import { readLinkState, type LinkState } from '../devices/state.ts';

const { EPERM } = constants.errno;
let counter = 0;
/** Numbers the programs ns.exec() runs, for their marks. */
let programs = 0;
const SURVIVED_OWNED =
  `nslab killed every process in the namespace: these run outside it, or SIGKILL did not end them within ${STOP_TIMEOUT_MS} ms.`;
const SURVIVED_ADOPTED =
  `In a namespace it did not create, nslab kills only processes whose environment has the ${MARK_VARIABLE} mark of a program it ran ` +
  '(a program that clears its environment drops it): kill these yourself, or run daemons in the foreground.';

export interface CreateNetnsOptions {
  /** A short label for messages and for the pin name. */
  label?: string;
  /** Also bind-mount the namespace on /run/netns/nslab-<pid>.<start>.<pidns>-<label>, for `ip netns exec` while debugging. */
  pin?: boolean;
}

export class Netns implements AsyncDisposable {
  readonly label: string;
  /** True when nslab created the namespace; adopted ones (a container's) are only released. */
  readonly owned: boolean;
  /** What destroy() undoes, newest first: devices, holders, processes, pins. */
  readonly cleanup = new CleanupStack();
  /** /run/netns path while pinned. */
  pinPath: string | undefined;
  private fdValue: number;
  private socket: NetlinkSocket;
  private eventStream: EventStream | undefined;
  private destroying: Promise<void> | undefined;
  /** Set once teardown has closed the descriptors; undos still run before that. */
  private closed = false;
  /** Whether destroy() ends by killing what is left running in the namespace (see sweepOnDestroy). */
  private sweeping = false;
  /** When teardown stops waiting for what it killed (performance.now() time), set as it starts. */
  private stopBy: number | undefined;

  /** Use createNetns() or adoptNetns(). */
  constructor(fd: number, socket: NetlinkSocket, label: string, owned: boolean) {
    this.fdValue = fd;
    this.socket = socket;
    this.label = label;
    this.owned = owned;
  }

  get destroyed(): boolean {
    return this.destroying !== undefined;
  }

  private alive(operation: string): void {
    if (this.closed) throw new NamespaceDestroyedError(this.label, operation);
  }

  /** The descriptor that holds the namespace (for IFLA_NET_NS_FD and setns). */
  get fd(): number {
    this.alive('using the namespace descriptor');
    return this.fdValue;
  }

  /** The rtnetlink socket bound to this namespace. */
  get rtnl(): NetlinkSocket {
    this.alive('a netlink request');
    return this.socket;
  }

  /** Runs fn synchronously with the calling thread inside this namespace, then returns to the namespace it was in (switches nest). */
  run<T>(fn: () => T): T {
    return withNetns(this.fd, fn);
  }

  /** Link and address notifications of this namespace, started on first use. */
  get events(): EventStream {
    if (this.destroying) throw new NamespaceDestroyedError(this.label, 'subscribing to notifications');
    if (!this.eventStream) {
      const stream = new EventStream(this.run(() => new NetlinkSocket({ groups: EVENT_GROUPS, receiveBuffer: 1 << 20 })), this.label);
      this.eventStream = stream;
      this.cleanup.defer('close notification socket', () => stream.close());
    }
    return this.eventStream;
  }

  /**
   * Runs a program inside the namespace (argument array, no shell). The child is forked while
   * the main thread is switched in, so it starts there; `setpriv --pdeathsig KILL` makes it die
   * with this process, and it leads a process group of its own that the reaper kills when this
   * process goes, so neither it nor anything it forked can keep the namespace alive after a
   * crash. What it leaves running in the background ends when it exits. What escapes the
   * group (setsid, a daemon) is killed by destroy(): in a namespace nslab created, every process
   * in it; in an adopted one, those carrying this program's mark (NSLAB_EXEC in the environment).
   */
  exec(file: string, args: readonly string[] = [], options: ExecaOptions = {}): ResultPromise {
    const mark = `${process.pid}.${++programs}`;
    const env = { ...options.env, [MARK_VARIABLE]: mark };
    // Boxed: the subprocess is also a promise, which a namespace switch refuses to return.
    const { child } = this.run(() => ({
      child: execa('setpriv', ['--pdeathsig', 'KILL', '--', file, ...args], { ...options, env, detached: true }),
    }));
    // Outside the switch: the reaper, started on first use, must not be born in this namespace.
    const killGroup = reapGroup(child.nodeChildProcess);
    // Nothing but what nslab ran lives in a namespace it created; in an adopted one (a
    // container's) only what carries this program's mark in its environment is its own.
    const strays = (): number[] => {
      const inside = processesIn(this.fdValue);
      return this.owned ? inside : inside.filter((pid) => carriesMark(pid, mark));
    };
    const program = { file, child, killGroup, strays, pipes: child.pid === undefined ? [] : stdioPipes(child.pid) };
    this.sweepOnDestroy();
    const why = this.owned ? SURVIVED_OWNED : SURVIVED_ADOPTED;
    const drop = this.cleanup.defer(`stop ${file}`, () => stopProgram(program, this.stopDeadline(), this.label, why));
    child.finally(drop).catch(() => undefined);
    return child;
  }

  /** `ip link add NAME type bridge` */
  async addBridge(name: string, options?: BridgeOptions): Promise<Bridge> {
    return addBridge(this, name, options);
  }

  /** A tap (or tun) whose descriptor is owned by this process, a holder process, or nobody. */
  async addTap(name: string, options?: TapOptions): Promise<Tap> {
    return addTap(this, name, options);
  }

  /** A veth pair; the peer may live in another namespace. */
  async addVeth(name: string, options: VethOptions): Promise<[Link, Link]> {
    return addVeth(this, name, options);
  }

  async addDummy(name: string, options?: { mac?: string }): Promise<Link> {
    return addDummy(this, name, options);
  }

  /** The namespace's loopback device. */
  async loopback(): Promise<Link> {
    return this.link('lo');
  }

  /** A handle on an existing device, by name or index. */
  async link(device: string | number): Promise<Link> {
    const m = linkGet(this.rtnl, device);
    return m.kind === 'bridge' ? new Bridge(this, m) : new Link(this, m);
  }

  /** The state of every device in the namespace. */
  async links(): Promise<LinkState[]> {
    return linkList(this.rtnl).flatMap((m) => readLinkState(this.rtnl, m.index, m.kind) ?? []);
  }

  /** Opens /dev/net/tun here without attaching it to a device (TunFile.attach does that). */
  openTun(): TunFile {
    return openTun(this);
  }

  /** Whether a UDP socket can bind to address in this namespace now (fails while an IPv6 address is tentative). */
  tryBind(address: string, options?: { port?: number; scopeId?: number }): BindResult {
    return tryBind(this, address, options);
  }

  /** Pins the namespace on /run/netns so `ip netns exec <name>` can enter it; removed on destroy. */
  pin(): string {
    this.alive('pinning');
    if (!this.pinPath) {
      this.sweepOnDestroy();
      const path = pin(this.fdValue, pinName(this.label));
      this.pinPath = path;
      this.cleanup.defer(`unpin ${path}`, () => {
        unpin(path);
        this.pinPath = undefined;
      });
    }
    return this.pinPath;
  }

  /**
   * Once a process can have been started in a namespace nslab owns (by exec(), or through the
   * pin), destroy() ends by killing every process in it: nothing else belongs there, and any
   * of them would keep it alive. Registered below the programs' undos, so it runs after them.
   */
  private sweepOnDestroy(): void {
    if (!this.owned || this.sweeping) return;
    this.sweeping = true;
    this.cleanup.defer('kill what is left running in the namespace', () => killOccupants(this.fdValue, this.stopDeadline(), this.label));
  }

  /** The one deadline of a teardown: every wait for a killed process ends by it. */
  private stopDeadline(): number {
    this.stopBy ??= performance.now() + STOP_TIMEOUT_MS;
    return this.stopBy;
  }

  /**
   * Undoes everything registered (holders, processes, pins, and for adopted namespaces the
   * devices created in them), then closes the descriptors. Idempotent; concurrent calls share one teardown.
   * It ends within STOP_TIMEOUT_MS of waiting for killed processes; a ProcessesSurvivedError
   * (thrown after the descriptors are closed) names any it could not kill.
   */
  destroy(): Promise<void> {
    this.destroying ??= (async () => {
      this.stopDeadline();
      try {
        await this.cleanup.unwind();
      } finally {
        this.closed = true;
        this.socket.close();
        sys.close(this.fdValue);
      }
    })();
    return this.destroying;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.destroy();
  }
}

function asPermissionError(error: unknown, operation: string): unknown {
  return error instanceof SysError && error.errno === EPERM ? new PermissionError('CAP_SYS_ADMIN', operation, { cause: error }) : error;
}

/** A fresh, empty network namespace (only a loopback, down), without moving the caller. */
export async function createNetns(options: CreateNetnsOptions = {}): Promise<Netns> {
  const label: unknown = options.label ?? `ns${++counter}`;
  // A pattern test would turn a number into text and let it through.
  if (typeof label !== 'string') {
    const type = label === null ? 'null' : typeof label;
    throw new InvalidArgumentError(`invalid namespace label of type ${type}: a label must be a string`, label);
  }
  if (!/^[\w.-]{1,64}$/.test(label)) throw new NslabError(`invalid namespace label ${JSON.stringify(label)}: use letters, digits, ".", "_" or "-"`);
  let ns: Netns;
  try {
    ns = withNewNetns((fd) => new Netns(fd, new NetlinkSocket(), label, true));
  } catch (error) {
    throw asPermissionError(error, 'creating a network namespace');
  }
  if (options.pin) {
    try {
      ns.pin();
    } catch (error) {
      await ns.destroy();
      throw asPermissionError(error, 'pinning a namespace on /run/netns');
    }
  }
  return ns;
}

export type AdoptTarget = { path: string } | { pid: number };

/** The namespace file of target, refused before anything is opened when it cannot name one. */
function namespacePath(target: AdoptTarget): string {
  const shown = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  if (typeof target === 'object' && target !== null && 'pid' in target) {
    const { pid } = target;
    if (!Number.isSafeInteger(pid) || pid < 1) {
      throw new InvalidArgumentError(`adoptNetns: pid must be a process id (an integer from 1), received ${shown(pid)}`, pid);
    }
    return `/proc/${pid}/ns/net`;
  }
  if (typeof target === 'object' && target !== null && 'path' in target) {
    const { path } = target;
    // open() would stop at a NUL and open another file than the one named.
    if (typeof path !== 'string' || path === '' || path.includes('\0')) {
      throw new InvalidArgumentError(`adoptNetns: path must be a non-empty string without NUL bytes, received ${shown(path)}`, path);
    }
    return path;
  }
  const received = target === null ? 'null' : JSON.stringify(target);
  throw new InvalidArgumentError(`adoptNetns: pass { pid } or { path }, received ${received}`, target);
}

/**
 * A handle on an existing namespace: a container's (by pid) or a pinned one (by path).
 * destroy() removes what nslab created in it and releases the handle; the namespace stays.
 * The namespace this process started in is refused: nslab never changes the host's network.
 */
export async function adoptNetns(target: AdoptTarget, label?: string): Promise<Netns> {
  const path = namespacePath(target);
  if (label !== undefined && typeof label !== 'string') {
    throw new InvalidArgumentError(`adoptNetns: a label must be a string, received ${String(label)}`, label);
  }
  let fd: number;
  try {
    fd = openNetnsFile(path);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    const why = error instanceof SysError ? error.code : String(error);
    throw new NslabError(`cannot open the namespace at ${path} (${why}): ${'pid' in target ? 'is the process still running, and are you root?' : 'does the path exist?'}`, { cause: error });
  }
  try {
    if (netnsId(fd) === netnsId(homeNetns())) {
      throw new NslabError(`${path} is the namespace this process runs in (the host's); nslab only works in namespaces it created or a container's`);
    }
    return withNetns(fd, () => new Netns(fd, new NetlinkSocket(), label ?? `adopted:${path}`, false));
  } catch (error) {
    sys.close(fd);
    throw asPermissionError(error, `entering the namespace at ${path}`);
  }
}
