// Images built on this machine, without a registry: FROM scratch plus files from the host
// (Debian's static busybox, mainly). The tag is a hash of everything that goes in, so an
// unchanged image is built once and then found in the engine's store; it stays cached there,
// labelled nslab.image (docker image rm removes it), and a new build replaces older ones.
// The build context is a temporary directory, removed whether the build worked or not.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { NslabError } from '../errors.ts';
import { runtimeClient } from './runtime.ts';

/** The label on every image nslab builds, so they can be told from the user's own. */
export const IMAGE_LABEL = 'nslab.image';

/** One entry of a built image; every path is absolute in the image, modes default to 0o644. */
export type ImageFile =
  | {
      /** Where in the image. */
      path: string;
      /** A file with this content (bytes, or text as UTF-8). */
      content: string | Uint8Array;
      /** Permission bits. */
      mode?: number;
    }
  | {
      /** Where in the image. */
      path: string;
      /** A copy of this file on this machine. */
      from: string;
      /** Permission bits. */
      mode?: number;
    }
  | {
      /** Where in the image. */
      path: string;
      /** A symbolic link to this. */
      symlink: string;
    }
  | {
      /** Where in the image. */
      path: string;
      /** An empty directory. */
      directory: true;
    };

/** What buildImage builds: a scratch image of exactly these files. */
export interface ImageSpec {
  /** The image's name without a tag; the tag is the content hash. */
  repository: string;
  /** Paths are absolute in the image. */
  files: ImageFile[];
  /** The image's default command. */
  cmd?: string[];
}

function contentOf(f: ImageFile): Uint8Array | string {
  if ('content' in f) return f.content;
  if ('from' in f) return readFileSync(f.from);
  if ('symlink' in f) return `-> ${f.symlink}`;
  return 'directory';
}

function tagOf(spec: ImageSpec, dockerfile: string): string {
  const h = createHash('sha256').update(dockerfile);
  for (const f of spec.files) h.update(`\0${f.path}\0${'mode' in f ? f.mode : ''}\0`).update(contentOf(f));
  return `${spec.repository}:${h.digest('hex').slice(0, 16)}`;
}

function dockerfileOf(spec: ImageSpec): string {
  const lines = ['FROM scratch', 'COPY rootfs/ /', `LABEL ${IMAGE_LABEL}=${JSON.stringify(spec.repository)}`];
  if (spec.cmd) lines.push(`CMD ${JSON.stringify(spec.cmd)}`);
  return `${lines.join('\n')}\n`;
}

function writeRootfs(root: string, files: ImageFile[]): void {
  for (const f of files) {
    const at = join(root, f.path);
    if ('directory' in f) {
      mkdirSync(at, { recursive: true });
      continue;
    }
    mkdirSync(dirname(at), { recursive: true });
    if ('symlink' in f) symlinkSync(f.symlink, at);
    else writeFileSync(at, contentOf(f), { mode: f.mode ?? 0o644 });
  }
}

/**
 * Builds the image unless the engine has it already; returns its reference (repository:hash).
 * Nothing is pulled: the Dockerfile starts FROM scratch.
 */
export async function buildImage(spec: ImageSpec): Promise<string> {
  const dockerfile = dockerfileOf(spec);
  const tag = tagOf(spec, dockerfile);
  const docker = (await runtimeClient()).container.dockerode;
  const known = await docker
    .getImage(tag)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (known) return tag;

  const dir = mkdtempSync(join(tmpdir(), 'nslab-image-'));
  try {
    writeRootfs(join(dir, 'rootfs'), spec.files);
    writeFileSync(join(dir, 'Dockerfile'), dockerfile);
    const stream = await docker.buildImage(
      { context: dir, src: ['Dockerfile', 'rootfs'] },
      { t: tag, rm: true, forcerm: true, pull: false },
    );
    const output = await new Promise<Array<{ stream?: string; error?: string }>>((resolve, reject) =>
      docker.modem.followProgress(stream, (error: Error | null, out: Array<{ stream?: string; error?: string }>) =>
        error ? reject(error) : resolve(out),
      ),
    );
    const failed = output.find((o) => o.error);
    if (failed) {
      const log = output.map((o) => o.stream ?? o.error ?? '').join('');
      throw new NslabError(`building image ${tag} failed: ${failed.error}\n${log}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Older builds of the same image (other content) are dead weight now; one still used by a
  // container stays (the engine refuses with 409).
  const older = await docker.listImages({ filters: { label: [`${IMAGE_LABEL}=${spec.repository}`] } });
  await Promise.all(
    older
      .filter((i) => !i.RepoTags?.includes(tag))
      .map((i) =>
        docker
          .getImage(i.Id)
          .remove()
          .catch(() => undefined),
      ),
  );
  return tag;
}

/** Whether the ELF file at path asks for a program interpreter (is dynamically linked). */
function isDynamic(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(64);
    readSync(fd, header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2)
      throw new NslabError(`${path} is not a 64-bit ELF executable`);
    const phoff = Number(header.readBigUInt64LE(0x20));
    const phentsize = header.readUInt16LE(0x36);
    const phnum = header.readUInt16LE(0x38);
    const table = Buffer.alloc(phentsize * phnum);
    readSync(fd, table, 0, table.length, phoff);
    const PT_INTERP = 3;
    for (let i = 0; i < phnum; i++) if (table.readUInt32LE(i * phentsize) === PT_INTERP) return true;
    return false;
  } finally {
    closeSync(fd);
  }
}

// udhcpc runs this on every lease event. Besides configuring the interface it keeps the lease
// in /run/udhcpc.lease, so a test can read what the client got from inside the container.
const UDHCPC_SCRIPT = `#!/bin/sh
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set "$interface" up
    ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$router" ] && ip route replace default via "\${router%% *}" dev "$interface"
    printf 'ip=%s\\nmask=%s\\nserverid=%s\\nlease=%s\\nrouter=%s\\n' "$ip" "$mask" "$serverid" "$lease" "$router" > /run/udhcpc.lease
    ;;
esac
exit 0
`;

/** Its default command: idle until stopped, and exit at once (status 0) on SIGTERM, as PID 1 would not by itself. */
export const IDLE_CMD = ['/bin/sh', '-c', "trap 'exit 0' TERM; sleep 2147483647 & wait"];

/**
 * A minimal image with Debian's static busybox (package busybox-static) and every applet
 * linked in /bin, and a udhcpc default script (/etc/udhcpc/default.script) that configures the
 * interface and keeps the lease in /run/udhcpc.lease.
 */
export async function busyboxImage(options: { busybox?: string } = {}): Promise<string> {
  const busybox = options.busybox ?? '/bin/busybox';
  let dynamic: boolean;
  try {
    dynamic = isDynamic(busybox);
  } catch (error) {
    throw new NslabError(
      `cannot use ${busybox} for an image (${(error as Error).message}): install Debian's busybox-static`,
      { cause: error },
    );
  }
  if (dynamic)
    throw new NslabError(
      `${busybox} is dynamically linked and would not run in an image FROM scratch: install Debian's busybox-static`,
    );
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .filter((a) => a && a !== 'busybox');
  return buildImage({
    repository: 'nslab/busybox',
    files: [
      { path: '/bin/busybox', from: busybox, mode: 0o755 },
      ...applets.map((a): ImageFile => ({ path: `/bin/${a}`, symlink: 'busybox' })),
      // Where Debian's build looks for it, and where busybox's own default config does.
      { path: '/etc/udhcpc/default.script', content: UDHCPC_SCRIPT, mode: 0o755 },
      { path: '/usr/share/udhcpc/default.script', symlink: '/etc/udhcpc/default.script' },
      { path: '/run', directory: true },
      { path: '/tmp', directory: true },
    ],
    cmd: IDLE_CMD,
  });
}
