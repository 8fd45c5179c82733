// A network namespace held by a file descriptor. Closing the descriptor (on destroy(), or by
// the kernel when this process dies, even by SIGKILL) frees the namespace and everything in
// it, so a crashed test run cannot leave one behind. Everything nslab does in a namespace goes
// through the handle's netlink socket, opened inside it, or through a synchronous switch.
// The handle knows no device kind: devices take a handle, and the facade (src/netns/) adds them.
import { fstatSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { execa, type Options as ExecaOptions, type ResultPromise } from 'execa';
import { sys } from '../sys/libc.ts';
import { NetlinkSocket } from '../netlink/socket.ts';
import { NamespaceDestroyedError } from '../errors.ts';
import { CleanupStack, type Cleanup } from './cleanup.ts';
import { EVENT_GROUPS, EventStream } from './events.ts';
import { pin, pinName, unpin } from './pin.ts';
import { reapGroup, reapNamespace } from './reaper.ts';
import { carriesMark, MARK_VARIABLE, processesIn, stdioPipes } from './occupants.ts';
import { killOccupants, STOP_TIMEOUT_MS, stopProgram } from './stop.ts';
import { withNetns } from './switch.ts';
import { tryBind, type BindResult } from './bind-probe.ts';
import { Sysctls } from './sysctl.ts';

/**
 * The notification socket's receive buffer limit (charged only for what is queued). Route
 * notifications come three or four to a link's up or down (its IPv6 link-local and multicast
 * routes), so the 1 MiB that held 400 link changes with their addresses is 4 MiB with routes.
 */
const EVENT_BUFFER = 4 << 20;
/** Numbers the programs ns.exec() runs, for their marks. */
let programs = 0;
const SURVIVED_OWNED = `nslab killed every process in the namespace: these run outside it, or SIGKILL did not end them within ${STOP_TIMEOUT_MS} ms.`;
const SURVIVED_ADOPTED =
  `In a namespace it did not create, nslab kills only processes whose environment has the ${MARK_VARIABLE} mark of a program it ran ` +
  '(a program that clears its environment drops it): kill these yourself, or run daemons in the foreground.';

/**
 * What a device's `ns` is typed as. The facade registers its class here (`netns: Netns`), so
 * `link.ns.addVeth()` type-checks in user code while devices import only this layer. Sound
 * because every handle is a Netns: the constructor is protected, and Netns is the one subclass.
 */
export interface NamespaceFacade {}
export type FacadeNetns = NamespaceFacade extends { netns: infer N extends NetnsHandle } ? N : NetnsHandle;

/** Where a handle is in its life: open, tearing down (undos run, descriptors still open), closed. */
type Phase = 'open' | 'destroying' | 'closed';

/** A network namespace held by a file descriptor: the layer below Netns, with no device methods. */
export class NetnsHandle implements AsyncDisposable {
  /** The label that names the namespace in messages and in its pin name. */
  readonly label: string;
  /** True when nslab created the namespace; adopted ones (a container's) are only released. */
  readonly owned: boolean;
  /** What destroy() undoes, newest first: devices, holders, processes, pins. Only destroy() runs it. */
  readonly cleanup: Cleanup;
  /** The namespace's own net. sysctls (`ns.sysctl.set('net.ipv4.ip_forward', 1)`); in an adopted one, destroy() restores what set() changed. */
  readonly sysctl: Sysctls;
  private readonly undos = new CleanupStack();
  private pinned: string | undefined;
  private readonly fdValue: number;
  private readonly socket: NetlinkSocket;
  private eventStream: EventStream | undefined;
  private phase: Phase = 'open';
  private teardown: Promise<void> | undefined;
  /** Whether destroy() ends by killing what is left running in the namespace (see sweepOnDestroy). */
  private sweeping = false;
  /** When teardown stops waiting for what it killed (performance.now() time), set as it starts. */
  private stopBy: number | undefined;

  /** Use createNetns() or adoptNetns(). */
  protected constructor(fd: number, socket: NetlinkSocket, label: string, owned: boolean) {
    // Its own object, not the stack typed narrower: nothing outside destroy() can reach unwind().
    this.cleanup = { defer: (what, run) => this.undos.defer(what, run) };
    this.fdValue = fd;
    this.socket = socket;
    this.label = label;
    this.owned = owned;
    this.sysctl = new Sysctls(this);
  }

  /** True from the moment destroy() is called. */
  get destroyed(): boolean {
    return this.phase !== 'open';
  }

  /** /run/netns path while pinned (see pin()). */
  get pinPath(): string | undefined {
    return this.pinned;
  }

  /** Devices and undos may still use the descriptors while teardown runs; after it, nothing may. */
  private alive(operation: string): void {
    if (this.phase === 'closed') throw new NamespaceDestroyedError(this.label, operation);
  }

  /** The descriptor that holds the namespace (for IFLA_NET_NS_FD and setns). */
  get fd(): number {
    this.alive('using the namespace descriptor');
    return this.fdValue;
  }

  /** The rtnetlink socket bound to this namespace, for the operations in src/rtnl/. */
  get rtnl(): NetlinkSocket {
    this.alive('a netlink request');
    return this.socket;
  }

  /** Runs fn synchronously with the calling thread inside this namespace, then returns to the namespace it was in (switches nest). */
  run<T>(fn: () => T): T {
    return withNetns(this.fd, fn);
  }

  /** Link, address, route, neighbour and rule notifications of this namespace, started on first use. */
  get events(): EventStream {
    if (this.destroyed) throw new NamespaceDestroyedError(this.label, 'subscribing to notifications');
    if (!this.eventStream) {
      const stream = new EventStream(
        this.run(() => new NetlinkSocket({ groups: EVENT_GROUPS, receiveBuffer: EVENT_BUFFER })),
        this.label,
      );
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

  /** Whether a UDP socket can bind to address in this namespace now (fails while an IPv6 address is tentative). */
  tryBind(address: string, options?: { port?: number; scopeId?: number }): BindResult {
    return tryBind(this.fd, address, options);
  }

  /** Pins the namespace on /run/netns so `ip netns exec <name>` can enter it; removed on destroy. */
  pin(): string {
    this.alive('pinning');
    if (!this.pinned) {
      this.sweepOnDestroy();
      const path = pin(this.fdValue, pinName(this.label));
      this.pinned = path;
      this.cleanup.defer(`unpin ${path}`, () => {
        unpin(path);
        this.pinned = undefined;
      });
    }
    return this.pinned;
  }

  /**
   * Once a process can have been started in a namespace nslab owns (by exec(), or through the
   * pin), destroy() ends by killing every process in it: nothing else belongs there, and any
   * of them would keep it alive. Registered below the programs' undos, so it runs after them.
   * Until then the reaper has the namespace too, for a daemon that left its program's group
   * when this process dies without a teardown.
   */
  private sweepOnDestroy(): void {
    if (!this.owned || this.sweeping) return;
    this.sweeping = true;
    const unreap = reapNamespace(fstatSync(this.fdValue).ino);
    this.cleanup.defer('kill what is left running in the namespace', async () => {
      try {
        await killOccupants(this.fdValue, this.stopDeadline(), this.label);
      } finally {
        unreap();
      }
    });
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
    this.teardown ??= (async () => {
      this.phase = 'destroying';
      this.stopDeadline();
      try {
        await this.undos.unwind();
      } finally {
        this.phase = 'closed';
        this.socket.close();
        sys.close(this.fdValue);
      }
    })();
    return this.teardown;
  }

  /** destroy(), for `await using ns = await createNetns()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.destroy();
  }
}
