// The container layer: a testcontainers container's network namespace adopted as an nslab
// handle, a veth into it, state read on both sides, what happens when the container stops,
// offline images, label-based cleanup, and the errors for bad input. Oracles: /proc (namespace
// inodes, process states), the engine's own view (docker inspect through its API), and
// busybox's ip run inside the container.
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { test, expect, until } from '../../src/vitest.ts';
import { adoptNetns, NamespaceDestroyedError, NameTakenError } from '../../src/index.ts';
import {
  adoptContainer,
  buildImage,
  busyboxImage,
  checkDocker,
  ContainerNotRunningError,
  DockerUnavailableError,
  IMAGE_LABEL,
  ImageNotFoundError,
  loadTestcontainers,
  OWNER_LABEL,
  OWNER_START_LABEL,
  ownerLabels,
  removeOwnContainers,
  removeStaleContainers,
  requireDocker,
  startContainer,
} from '../../src/container/index.ts';
import { ipLink } from '../helpers/oracle.ts';
import { startFixture } from '../helpers/fixture.ts';
import { NAMESPACE_FREED_MS, pollUntil } from '../helpers/poll.ts';
import { isRunning, procStat, skipUnlessSysctlsWritable } from '../helpers/proc.ts';
import { containerSuite } from './helpers.ts';
import { linkFind } from '../../src/rtnl/link.ts';
import { processStartTime } from '../../src/sys/proc.ts';

const suite = containerSuite();

/** The engine's view of a container. */
async function inspect(id: string) {
  const tc = await loadTestcontainers();
  return (await tc.getContainerRuntimeClient()).container.dockerode.getContainer(id).inspect();
}

/** Runs fn with DOCKER_HOST set to value, then restores it. */
async function withDockerHost<T>(value: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  }
}

/** Pids of the processes whose network namespace has this inode. */
function processesIn(inode: number): string[] {
  return readdirSync('/proc').filter((p) => {
    if (!/^\d+$/.test(p)) return false;
    try {
      return readlinkSync(`/proc/${p}/ns/net`) === `net:[${inode}]`;
    } catch {
      return false;
    }
  });
}

const vmOptions = () => ({ image: suite.env.image!, capabilities: ['NET_ADMIN', 'NET_RAW'] });

/**
 * A container whose owner is gone. It is owned by a live process until it has started, and that
 * process is killed then: a container stale from birth is any nslab process's to sweep, and
 * another test run on the same engine once removed one in the middle of its start (404).
 */
async function startOrphan(): ReturnType<typeof startContainer> {
  const owner = spawn('sleep', ['120']);
  const exited = new Promise((resolve) => owner.once('exit', resolve));
  try {
    return await startContainer({
      ...vmOptions(),
      configure: (c) =>
        c.withLabels({ [OWNER_LABEL]: String(owner.pid), [OWNER_START_LABEL]: processStartTime(owner.pid!) ?? '' }),
    });
  } finally {
    owner.kill('SIGKILL');
    await exited;
  }
}

describe('adopting a container', () => {
  test("the handle is on the container's namespace, and sees what the container sees", async ({ skip }) => {
    if (suite.env.skip !== undefined) return skip(suite.env.skip);
    const vm = await startContainer(vmOptions());
    await using guest = await adoptContainer(vm);
    const info = await inspect(vm.getId());
    expect(guest.pid).toBe(info.State.Pid);
    expect(guest.id).toBe(info.Id);
    expect(guest.name).toBe(info.Name.slice(1));
    expect(guest.ns.owned).toBe(false);
    expect(guest.ns.label).toBe(`container:${guest.name}`);
    // The same namespace as the container's init, by inode; not this process's.
    expect(readlinkSync(`/proc/${guest.pid}/ns/net`)).toBe(`net:[${fstatSync(guest.ns.fd).ino}]`);
    expect(readlinkSync('/proc/self/ns/net')).not.toBe(`net:[${fstatSync(guest.ns.fd).ino}]`);
    // --network none: a loopback only, up (Docker brings it up), as the container itself shows.
    const lo = (await guest.ns.links()).map((l) => [l.name, l.adminUp]);
    expect(lo).toEqual([['lo', true]]);
    const inside = await vm.exec(['ip', '-o', 'link', 'show']);
    expect(inside.output.trim().split('\n')).toHaveLength(1);
    expect(inside.output).toMatch(/^1: lo: <LOOPBACK,UP,LOWER_UP>/);
    expect(guest.running).toBe(true);
  });

  test('a veth into the container: addresses on both sides, the matchers on the container side, traffic across', async ({
    netns,
    skip,
  }) => {
    if (suite.env.skip !== undefined) return skip(suite.env.skip);
    // It enables IPv6 in the container with `sysctl -w`, run from this process's mount namespace.
    skipUnlessSysctlsWritable({ skip });
    const vm = await startContainer(vmOptions());
    await using guest = await adoptContainer(vm);
    const [host, eth0] = await guest.plug(netns, { name: 'veth-vm', peerName: 'eth0', peerMac: '52:54:00:12:34:56' });
    expect(host.ns).toBe(netns);
    expect(eth0.ns).toBe(guest.ns);
    await host.addAddress('192.0.2.1/24');
    await eth0.addAddress('192.0.2.2/24');
    // Docker disables IPv6 in a container whose network has none (--network none included),
    // for every device created there later: the kernel refuses the address until it is enabled.
    const sysctl = async (key: string): Promise<string> =>
      String((await guest.ns.exec('sysctl', ['-n', key])).stdout).trim();
    expect(await sysctl('net.ipv6.conf.eth0.disable_ipv6')).toBe('1');
    const refused = await eth0.addAddress('2001:db8::2/64').catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'EACCES', extack: 'ipv6: IPv6 is disabled on this device' });
    await guest.ns.exec('sysctl', ['-q', '-w', 'net.ipv6.conf.eth0.disable_ipv6=0']);
    expect(await sysctl('net.ipv6.conf.eth0.disable_ipv6')).toBe('0');
    await eth0.addAddress('2001:db8::2/64');
    await host.up();
    await expect(host).not.toHaveCarrier();
    await eth0.up();
    await expect(eth0).toHaveCarrier();
    await expect(host).toHaveCarrier();
    await expect(eth0).toHaveMac('52:54:00:12:34:56');
    await expect(eth0).toHaveAddress('192.0.2.2/24');
    await expect(eth0).toHaveAddress('2001:db8::2/64', { tentative: false });
    await expect(host).toHaveAddress('192.0.2.1/24');

    // The container's own view of its interface (busybox ip, inside it).
    const shown = (await vm.exec(['ip', '-o', 'addr', 'show', 'dev', 'eth0'])).output;
    expect(shown).toContain('inet 192.0.2.2/24');
    expect(shown).toContain('inet6 2001:db8::2/64');
    expect((await vm.exec(['cat', '/sys/class/net/eth0/address'])).output.trim()).toBe('52:54:00:12:34:56');
    // And the test side's view of the pair.
    expect(await ipLink(netns, 'veth-vm')).toMatchObject({ ifname: 'veth-vm', link_index: eth0.index });
    const ping = await vm.exec(['ping', '-c', '1', '-W', '5', '192.0.2.1']);
    expect(ping.exitCode, ping.output).toBe(0);

    // A name the container already has is refused before anything is created.
    await expect(guest.plug(netns, { name: 'veth-vm2', peerName: 'eth0' })).rejects.toThrow(NameTakenError);
    expect(await ipLink(netns, 'veth-vm2')).toBeUndefined();
  });

  test('when the container stops, the handle reports it and lets go; the kernel then deletes the veth pair, the test-side end too', async ({
    netns,
    skip,
  }) => {
    if (suite.env.skip !== undefined) return skip(suite.env.skip);
    const vm = await startContainer(vmOptions());
    await using guest = await adoptContainer(vm);
    const [host, eth0] = await guest.plug(netns, { name: 'veth-vm', peerName: 'eth0' });
    await host.up();
    await eth0.up();
    await expect(host).toHaveCarrier();
    const inode = fstatSync(guest.ns.fd).ino;
    // Our own reference keeps the namespace, and so its inode number, from being freed and handed
    // to another namespace before the processes in it are counted.
    const held = openSync(`/proc/self/fd/${guest.ns.fd}`, 'r');

    netns.events.flush();
    const deleted: number[] = [];
    const stopListening = netns.events.subscribe((e) => {
      if (e.kind === 'link' && e.action === 'del') deleted.push(e.link.index);
    });
    const stopAt = performance.now();
    // testcontainers' default gives SIGTERM 0 s before SIGKILL (exit 137), a race the idle command
    // loses on a loaded machine: give it the time a clean exit needs.
    await vm.stop({ timeout: 30_000 });
    const exit = await guest.exited;
    // Exit status 0: the image's idle command exits on SIGTERM.
    expect(exit).toMatchObject({ exitCode: 0 });
    expect(exit.error).toBeUndefined();
    expect(exit.at).toBeGreaterThan(stopAt);
    expect(guest.running).toBe(false);
    expect(guest.ns.destroyed).toBe(true);
    expect(() => guest.ns.rtnl).toThrow(NamespaceDestroyedError);
    // No process of this machine is in that namespace any more: only our reference holds it.
    expect(processesIn(inode)).toEqual([]);
    closeSync(held);

    const gone = await until(
      netns,
      () => deleted,
      (d) => d.includes(host.index),
      NAMESPACE_FREED_MS,
    );
    stopListening();
    expect(gone.met).toBe(true);
    expect(await ipLink(netns, 'veth-vm')).toBeUndefined();
  });

  test('while another handle holds the namespace, it outlives the stopped container and the veth stays up; releasing it lets the kernel delete the pair', async ({
    netns,
    skip,
  }) => {
    if (suite.env.skip !== undefined) return skip(suite.env.skip);
    const vm = await startContainer(vmOptions());
    await using guest = await adoptContainer(vm);
    await using extra = await adoptNetns({ pid: guest.pid }, 'extra-holder');
    const [host, eth0] = await guest.plug(netns, { name: 'veth-vm', peerName: 'eth0' });
    await host.up();
    await eth0.up();
    await expect(host).toHaveCarrier();

    await vm.stop();
    await guest.exited;
    expect(isRunning(guest.pid)).toBe(false);
    // The namespace is held by `extra` alone; the container side is still there, up, with carrier.
    const farSide = await extra.link('eth0');
    await expect(farSide).toHaveCarrier();
    await expect(host).toHaveCarrier();
    expect(await ipLink(netns, 'veth-vm')).toBeDefined();

    await extra.destroy();
    const exists = (): boolean => linkFind(netns.rtnl, host.index) !== undefined;
    const deleted = await until(netns, exists, (e) => !e, NAMESPACE_FREED_MS);
    expect(deleted.met).toBe(true);
    expect(await ipLink(netns, 'veth-vm')).toBeUndefined();
  });

  test('destroy() while the container runs removes the veth and releases the namespace; the container keeps running', async ({
    netns,
    skip,
  }) => {
    if (suite.env.skip !== undefined) return skip(suite.env.skip);
    const vm = await startContainer(vmOptions());
    const guest = await adoptContainer(vm);
    const [host] = await guest.plug(netns, { name: 'veth-vm', peerName: 'eth0' });
    await guest.destroy();
    expect(guest.ns.destroyed).toBe(true);
    expect(guest.running).toBe(true);
    expect(await ipLink(netns, 'veth-vm')).toBeUndefined();
    await expect(host.state()).rejects.toThrow();
    expect((await vm.exec(['ip', '-o', 'link', 'show'])).output).not.toContain('eth0');
    expect((await inspect(vm.getId())).State.Running).toBe(true);
    // The watch ended with the handle: exited resolves, saying so, and no stop is reported.
    expect((await guest.exited).error).toMatch(/destroyed while the container ran/);
    expect(guest.running).toBe(true);
    // A second destroy() is a no-op.
    await guest.destroy();
  });
});

describe('bad input', () => {
  test('a container that is not running: ContainerNotRunningError naming it and its state', async ({ skip }) => {
    if (suite.env.skip !== undefined) return skip(suite.env.skip);
    const vm = await startContainer(vmOptions());
    await vm.stop({ remove: false });
    try {
      const error = await adoptContainer(vm).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ContainerNotRunningError);
      expect((error as ContainerNotRunningError).status).toBe('exited');
      expect((error as Error).message).toMatch(
        new RegExp(`container ${vm.getName().replace(/^\//, '')} is not running \\(status exited, exit code 0\\)`),
      );
    } finally {
      await removeOwnContainers();
    }
    await expect(adoptContainer('nslab-no-such-container')).rejects.toThrow(
      /no container nslab-no-such-container in the Docker engine/,
    );
  });

  test('a pid whose namespace cannot be opened (a container init that has exited but is not reaped yet): the error names the path and the cause', async () => {
    // A parent that never reaps its exited child: a zombie for as long as the parent lives.
    const { child: parent, report, exited } = await startFixture<{ pid: number }>('zombie-parent.ts');
    try {
      const { pid } = report;
      const zombie = await pollUntil(
        () => procStat(pid)?.state,
        (state) => state === 'Z',
      );
      expect(zombie.met).toBe(true);
      const error = await adoptNetns({ pid }).then(
        () => new Error('adopted a zombie'),
        (e: unknown) => e as Error,
      );
      // A zombie has given up its namespaces: its ns/net link is gone, though /proc/PID is not.
      expect(error.message).toMatch(
        new RegExp(`cannot open the namespace at /proc/${pid}/ns/net \\(ENOENT\\): is the process still running`),
      );
    } finally {
      parent.kill('SIGKILL');
      await exited;
    }
  });

  test('no Docker engine (DOCKER_HOST at a socket that does not exist, or a port nobody listens on): every entry point says so', async () => {
    await withDockerHost('unix:///nonexistent/docker.sock', async () => {
      expect(await checkDocker()).toEqual({
        available: false,
        reason: 'the socket /nonexistent/docker.sock (DOCKER_HOST=unix:///nonexistent/docker.sock) does not exist',
      });
      const error = await requireDocker().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DockerUnavailableError);
      expect((error as Error).message).toMatch(
        /^no Docker engine: the socket \/nonexistent\/docker.sock .* does not exist\. Start one/,
      );
      await expect(busyboxImage()).rejects.toThrow(DockerUnavailableError);
      await expect(startContainer({ image: 'nslab/busybox:any' })).rejects.toThrow(
        /no Docker engine: the socket \/nonexistent\/docker.sock/,
      );
      await expect(adoptContainer('any')).rejects.toThrow(DockerUnavailableError);
      await expect(removeOwnContainers()).rejects.toThrow(DockerUnavailableError);
    });
    await withDockerHost('tcp://127.0.0.1:1', async () => {
      expect(await checkDocker()).toEqual({
        available: false,
        reason: '127.0.0.1:1 (DOCKER_HOST=tcp://127.0.0.1:1): nothing listens on it (is dockerd running?)',
      });
    });
    await withDockerHost('ssh://somewhere', async () => {
      expect(await checkDocker()).toMatchObject({
        available: false,
        reason: expect.stringMatching(/neither unix:\/\/PATH nor tcp:\/\/HOST:PORT/),
      });
    });
  });

  test('a missing image: ImageNotFoundError naming it, without trying to pull', async ({ skip }) => {
    if (suite.env.skip !== undefined) return skip(suite.env.skip);
    const error = await startContainer({ image: 'nslab/no-such-image:1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageNotFoundError);
    expect((error as Error).message).toMatch(
      /^image nslab\/no-such-image:1 is not in the local Docker engine, and nslab does not pull images/,
    );
  });

  test('a dynamically linked busybox cannot make an image FROM scratch: the error says which package to install', async ({
    skip,
  }) => {
    if (suite.env.skip !== undefined) return skip(suite.env.skip);
    await expect(busyboxImage({ busybox: '/bin/ls' })).rejects.toThrow(
      /\/bin\/ls is dynamically linked .* install Debian's busybox-static/,
    );
    await expect(busyboxImage({ busybox: '/nonexistent/busybox' })).rejects.toThrow(
      /cannot use \/nonexistent\/busybox .*ENOENT.*install Debian's busybox-static/,
    );
  });
});

describe('images and cleanup', () => {
  test('an image is built once from its content, labelled, and leaves no build directory behind', async ({ skip }) => {
    if (suite.env.skip !== undefined) return skip(suite.env.skip);
    const scratchTmp = mkdtempSync(join(tmpdir(), 'nslab-tmp-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = scratchTmp;
    // A repository of this run's own: a build removes the older builds of its repository, and two
    // test runs on one Docker engine (the reliability harness runs two at once) would otherwise
    // remove each other's image in the middle of a build ("failed to get digest").
    const repository = `nslab/test-image-${process.pid}`;
    const spec = {
      repository,
      files: [{ path: '/hello', content: `built by pid ${process.pid} at ${Date.now()}\n` }],
      cmd: ['/hello'],
    };
    let tag = '';
    try {
      tag = await buildImage(spec);
      expect(readdirSync(scratchTmp)).toEqual([]);
      expect(await buildImage(spec)).toBe(tag);
      const info = await (
        await (await loadTestcontainers()).getContainerRuntimeClient()
      ).container.dockerode
        .getImage(tag)
        .inspect();
      expect(info.Config.Labels).toMatchObject({ [IMAGE_LABEL]: repository });
      expect(info.Config.Cmd).toEqual(['/hello']);
      expect(tag).toMatch(new RegExp(`^${repository}:[0-9a-f]{16}$`));
      // Other content, another tag; the older build of the same repository is removed.
      const other = await buildImage({ ...spec, cmd: ['/other'] });
      expect(other).not.toBe(tag);
      const docker = (await (await loadTestcontainers()).getContainerRuntimeClient()).container.dockerode;
      expect(
        (await docker.listImages({ filters: { reference: [repository] } })).flatMap((i) => i.RepoTags ?? []),
      ).toEqual([other]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      rmSync(scratchTmp, { recursive: true, force: true });
      const docker = (await (await loadTestcontainers()).getContainerRuntimeClient()).container.dockerode;
      const mine = await docker.listImages({ filters: { reference: [repository] } });
      await Promise.all(mine.map((i) => docker.getImage(i.Id).remove({ force: true })));
    }
  });

  test("containers are labelled with their owner; stale ones (owner gone) are removed, live owners' kept", async ({
    skip,
  }) => {
    if (suite.env.skip !== undefined) return skip(suite.env.skip);
    const mine = await startContainer(vmOptions());
    const labels = (await inspect(mine.getId())).Config.Labels;
    expect(labels).toMatchObject(ownerLabels());
    expect(labels[OWNER_LABEL]).toBe(String(process.pid));
    // An owner that is gone.
    const orphan = await startOrphan();
    // Same pid, other start time: a reused pid is not the owner.
    const reused = await startContainer({
      ...vmOptions(),
      configure: (c) => c.withLabels({ [OWNER_LABEL]: String(process.pid), [OWNER_START_LABEL]: '1' }),
    });
    // Another test process may sweep the stale ones first (every first start in a process
    // sweeps): what matters is that they are gone and ours is not.
    const removed = await removeStaleContainers();
    expect(removed).not.toContain(mine.getId());
    await expect(inspect(orphan.getId())).rejects.toMatchObject({ statusCode: 404 });
    await expect(inspect(reused.getId())).rejects.toMatchObject({ statusCode: 404 });
    expect((await inspect(mine.getId())).State.Running).toBe(true);

    expect(await removeOwnContainers()).toContain(mine.getId());
    await expect(inspect(mine.getId())).rejects.toMatchObject({ statusCode: 404 });
  });

  test('a stale container another process is removing already is gone when the sweep returns', async ({ skip }) => {
    if (suite.env.skip !== undefined) return skip(suite.env.skip);
    const orphan = await startOrphan();
    // Another nslab process's sweep, as every process's first start runs one: its removal is
    // under way when ours asks, and the engine answers ours with 409 at once.
    const tc = await loadTestcontainers();
    const other = (await tc.getContainerRuntimeClient()).container.dockerode
      .getContainer(orphan.getId())
      .remove({ force: true, v: true });
    await removeStaleContainers();
    await expect(inspect(orphan.getId())).rejects.toMatchObject({ statusCode: 404 });
    // Under load our sweep's request can reach the engine first: then the other is the one told 409.
    await other.catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404 && error.statusCode !== 409) throw error;
    });
  });
});
