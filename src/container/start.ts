// Starting a container for a topology: no network of Docker's (nslab plugs it into its own
// namespaces), single capabilities instead of --privileged, nslab's owner labels, and a local
// image only. The first start in a process removes the containers that dead nslab processes
// left behind.
import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import { ImageNotFoundError } from './errors.ts';
import { ownerLabels, removeStaleContainers } from './labels.ts';
import { loadTestcontainers, runtimeClient } from './runtime.ts';

/** How startContainer starts a container. */
export interface StartContainerOptions {
  /** A local image (never pulled: ImageNotFoundError when the engine does not have it). */
  image: string;
  /** The command; the image's own when absent. */
  cmd?: string[];
  /** Capabilities added to Docker's default set, e.g. ['NET_ADMIN'] for a DHCP client that configures its interface. */
  capabilities?: string[];
  /** The container's name; Docker picks one when absent. */
  name?: string;
  /** Anything else testcontainers offers, applied last. */
  configure?: (container: GenericContainer) => GenericContainer;
}

let swept: Promise<unknown> | undefined;

/**
 * Starts a container with no network (`--network none`), nslab's owner labels and the given
 * capabilities, ready for adoptContainer. The first start in a process first removes the
 * containers of nslab processes that are gone.
 */
export async function startContainer(options: StartContainerOptions): Promise<StartedTestContainer> {
  const client = await runtimeClient();
  swept ??= removeStaleContainers();
  await swept;
  const tc = await loadTestcontainers();
  if (!(await client.image.exists(tc.ImageName.fromString(options.image)))) throw new ImageNotFoundError(options.image);
  let container = new tc.GenericContainer(options.image)
    .withNetworkMode('none')
    .withLabels(ownerLabels())
    .withPullPolicy({ shouldPull: () => false });
  if (options.cmd) container = container.withCommand(options.cmd);
  if (options.capabilities?.length) container = container.withAddedCapabilities(...options.capabilities);
  if (options.name) container = container.withName(options.name);
  if (options.configure) container = options.configure(container);
  return container.start();
}
