// Shared by the container tests and the E1 suite: whether they can run here (a Docker engine
// and the offline image), and waiting on a program's output with a deadline.
import type { ResultPromise } from 'execa';
import { afterAll, beforeAll } from 'vitest';
import {
  busyboxImage,
  checkDocker,
  loadTestcontainers,
  ownerLabels,
  removeOwnContainers,
} from '../../src/container/index.ts';

export type ContainerEnv = { image: string; skip?: undefined } | { image?: undefined; skip: string };

/**
 * The busybox image, built on first use, or why container tests must skip here: no engine
 * answers, or the engine cannot run a container at all (dockerd inside a restricted container,
 * say), which a bare container started through the engine's API shows. An engine that runs
 * that one but fails nslab's own start is a failure, not a skip.
 */
export async function containerEnv(): Promise<ContainerEnv> {
  const engine = await checkDocker();
  if (!engine.available) return { skip: `no Docker engine: ${engine.reason}` };
  const image = await busyboxImage();
  const docker = (await (await loadTestcontainers()).getContainerRuntimeClient()).container.dockerode;
  try {
    const probe = await docker.createContainer({
      Image: image,
      Cmd: ['true'],
      Labels: ownerLabels(),
      HostConfig: { NetworkMode: 'none' },
    });
    try {
      await probe.start();
      await probe.wait();
    } finally {
      await probe.remove({ force: true });
    }
  } catch (error) {
    return { skip: `the Docker engine at ${engine.endpoint} cannot run a container here: ${(error as Error).message}` };
  }
  return { image };
}

/**
 * For a test file: checks the engine and builds the image before its tests, and removes the
 * file's containers after them (also those of a test that timed out). Read `.env` in a test.
 */
export function containerSuite(): { readonly env: ContainerEnv } {
  const state: { env: ContainerEnv } = { env: { skip: 'the engine was not checked (beforeAll did not run)' } };
  beforeAll(async () => {
    state.env = await containerEnv();
  }, 120_000);
  afterAll(async () => {
    if (state.env.image) await removeOwnContainers();
  });
  return state;
}

export interface Output {
  /** Everything the program printed so far (stdout and stderr together). */
  readonly text: string;
  /** Resolves with the output once pattern matches it; rejects when the program exits first or the deadline passes. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** Collects a program's output from now on, to wait on. */
export function followOutput(child: ResultPromise): Output {
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer | string): void => {
    text += String(chunk);
    for (const w of waiters) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited: string | undefined;
  child
    .then(
      (r) => (exited = `exited with code ${r.exitCode}`),
      (e: Error) => (exited = `failed: ${e.message}`),
    )
    .finally(() => {
      for (const w of waiters) w();
    });
  return {
    get text() {
      return text;
    },
    waitFor(pattern, timeoutMs = 10_000) {
      return new Promise<string>((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(text)) finish();
          else if (exited) finish(new Error(`the program ${exited} before printing ${pattern}; output:\n${text}`));
        };
        const finish = (error?: Error): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve(text);
        };
        const timer = setTimeout(
          () => finish(new Error(`no output matching ${pattern} within ${timeoutMs} ms; output so far:\n${text}`)),
          timeoutMs,
        );
        waiters.add(check);
        check();
      });
    },
  };
}
