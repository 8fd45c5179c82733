// testcontainers, loaded on first use only: nslab's core never imports it, so users without
// Docker (or without the package) do not load it. Its reaper (Ryuk) is an image pulled from a
// registry, which nslab cannot count on; nslab removes its own containers instead (labels.ts),
// so the reaper is disabled unless the user asked for it explicitly. Inside a container
// (/.dockerenv), testcontainers looks for the host its mapped ports are reached on through
// Docker's "bridge" network, which an engine started with --bridge=none does not have; nslab's
// containers publish no ports (--network none), so that host is set to localhost unless given.
import type { ContainerRuntimeClient } from 'testcontainers';
import { NslabError } from '../errors.ts';
import { requireDocker } from './engine.ts';

export type Testcontainers = typeof import('testcontainers');

let loaded: Promise<Testcontainers> | undefined;

/**
 * The testcontainers module, imported on first call (an NslabError saying how to install it when
 * it is missing). Ryuk is off: nslab removes its own containers by their owner labels.
 */
export function loadTestcontainers(): Promise<Testcontainers> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
  loaded ??= import('testcontainers').catch((error: unknown) => {
    loaded = undefined;
    throw new NslabError('nslab/containers needs the testcontainers package: npm install --save-dev testcontainers', {
      cause: error,
    });
  });
  return loaded;
}

/** testcontainers' client of the engine, after checking that one answers (DockerUnavailableError if not). */
export async function runtimeClient(): Promise<ContainerRuntimeClient> {
  await requireDocker();
  const tc = await loadTestcontainers();
  return tc.getContainerRuntimeClient();
}
