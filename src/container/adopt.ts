// A running container's network namespace as an nslab namespace handle, found through the
// container's init pid. The handle holds the namespace open, and an open namespace outlives
// its processes: so the handle watches the container (Docker's wait API) and, once it stops,
// lets go of the namespace, leaving its end to the kernel as if nslab had never looked
// (the kernel dismantles the namespace and deletes the veths in it, with their peers).
import { adoptNetns, type Netns } from '../netns/netns.ts';
import type { Link } from '../devices/link.ts';
import { addVeth } from '../devices/veth.ts';
import { linkDelIfPresent } from '../rtnl/link.ts';
import { NslabError } from '../errors.ts';
import { ContainerNotRunningError } from './errors.ts';
import { runtimeClient } from './runtime.ts';

/** What a container is to adopt: a started testcontainers container, or an id or name. */
export type ContainerRef =
  | {
      /** The container's id. */
      getId(): string;
    }
  | string;

/** How an adopted container's run ended. */
export interface ContainerExit {
  /** The container's exit status, when the engine reported one. */
  exitCode: number | undefined;
  /** performance.now() when nslab learnt of it. */
  at: number;
  /** Why the wait ended otherwise (the container was removed, the engine went away). */
  error?: string;
}

/** The veth pair ContainerNetns.plug makes between a namespace and the container. */
export interface PlugOptions {
  /** The end in ns. */
  name: string;
  /** The end in the container (eth0, typically). */
  peerName: string;
  /** The MAC of the end in ns; the kernel picks one when absent. */
  mac?: string;
  /** The MAC of the end in the container. */
  peerMac?: string;
}

/**
 * A running container's network namespace, adopted as an nslab namespace handle (adoptContainer),
 * for as long as the container runs.
 */
export class ContainerNetns implements AsyncDisposable {
  /** The container's full id. */
  readonly id: string;
  /** The container's name, without Docker's leading slash. */
  readonly name: string;
  /** The container's init process, as the host sees it, through which its namespace was found. */
  readonly pid: number;
  /** The container's namespace; destroyed (released) once the container stops. */
  readonly ns: Netns;
  /** Resolves once the container has stopped (or is gone) and the namespace was released. */
  readonly exited: Promise<ContainerExit>;
  private stoppedAt: ContainerExit | undefined;
  private readonly watch: AbortController;
  private readonly unplugs: Array<() => void> = [];

  /** Use adoptContainer(). */
  constructor(
    id: string,
    name: string,
    pid: number,
    ns: Netns,
    watch: AbortController,
    waiting: Promise<{ StatusCode?: number }>,
  ) {
    this.id = id;
    this.name = name;
    this.pid = pid;
    this.ns = ns;
    this.watch = watch;
    this.exited = waiting
      .then(
        (r): ContainerExit => ({ exitCode: r.StatusCode, at: performance.now() }),
        (error: Error & { statusCode?: number }): ContainerExit => ({
          exitCode: undefined,
          at: performance.now(),
          error: watch.signal.aborted
            ? 'not watched any more: the handle was destroyed while the container ran'
            : error.statusCode === 404
              ? 'the container was removed'
              : error.message,
        }),
      )
      .then(async (exit) => {
        if (watch.signal.aborted) return exit;
        this.stoppedAt = exit;
        // The container has stopped: its devices are the kernel's business now, not ours to delete.
        this.unplugs.length = 0;
        await this.ns.destroy();
        return exit;
      });
  }

  /** False once the container has been seen to stop. */
  get running(): boolean {
    return this.stoppedAt === undefined;
  }

  toString(): string {
    return `container ${this.name} (${this.id.slice(0, 12)}, pid ${this.pid})`;
  }

  /**
   * A veth between ns and the container: `name` in ns, `peerName` in the container. Created in
   * one request, with nothing registered for deletion in the container's namespace: when the
   * container stops, what happens to the pair is the kernel's doing. Removed by destroy() while
   * the container runs (and with ns, when ns is destroyed). The end in ns is registered like
   * any device nslab creates there (deleted on destroy of an adopted ns).
   */
  async plug(ns: Netns, options: PlugOptions): Promise<[Link, Link]> {
    const { name, peerName, mac, peerMac } = options;
    const [near, far] = addVeth(ns, name, { peerName, peerNs: this.ns, mac, peerMac }, { deletePeer: false });
    this.unplugs.push(() => linkDelIfPresent(this.ns.rtnl, far.index, far.name));
    return [near, far];
  }

  /** Removes what plug() made (while the container runs), stops watching and releases the namespace; the container keeps running. */
  async destroy(): Promise<void> {
    try {
      if (this.running && !this.ns.destroyed) {
        for (const unplug of this.unplugs.splice(0).reverse()) unplug();
      }
    } finally {
      this.watch.abort();
      await this.ns.destroy();
    }
  }

  /** destroy(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.destroy();
  }
}

async function inspectRunning(
  docker: Awaited<ReturnType<typeof runtimeClient>>['container']['dockerode'],
  ref: string,
) {
  let info;
  try {
    info = await docker.getContainer(ref).inspect();
  } catch (error) {
    const code = (error as { statusCode?: number }).statusCode;
    throw new NslabError(
      code === 404
        ? `no container ${ref} in the Docker engine: was it removed?`
        : `inspecting container ${ref} failed: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const name = info.Name.replace(/^\//, '');
  if (!info.State.Running || !info.State.Pid)
    throw new ContainerNotRunningError(name, info.State.Status, info.State.Running ? undefined : info.State.ExitCode);
  return { id: info.Id, name, pid: info.State.Pid };
}

/**
 * Adopts the network namespace of a running container (by its init pid, from the engine).
 * Errors name the cause: ContainerNotRunningError, a namespace that cannot be opened (the
 * process is gone), DockerUnavailableError.
 */
export async function adoptContainer(container: ContainerRef, label?: string): Promise<ContainerNetns> {
  const ref = typeof container === 'string' ? container : container.getId();
  const docker = (await runtimeClient()).container.dockerode;
  const { id, name, pid } = await inspectRunning(docker, ref);
  let ns: Netns;
  try {
    ns = await adoptNetns({ pid }, label ?? `container:${name}`);
  } catch (error) {
    throw new NslabError(
      `cannot adopt the network namespace of container ${name} (pid ${pid}): ${(error as Error).message}`,
      { cause: error },
    );
  }
  // The pid might have ended and been reused between the inspect and the open: the same
  // container, still running with the same pid, afterwards means the namespace is its.
  const again = await inspectRunning(docker, id).catch(async (error: unknown) => {
    await ns.destroy();
    throw error;
  });
  if (again.pid !== pid) {
    await ns.destroy();
    throw new NslabError(
      `container ${name} restarted while nslab adopted its namespace (pid ${pid}, now ${again.pid}); adopt it again`,
    );
  }
  const watch = new AbortController();
  return new ContainerNetns(
    id,
    name,
    pid,
    ns,
    watch,
    docker.getContainer(id).wait({ condition: 'not-running', abortSignal: watch.signal }),
  );
}
