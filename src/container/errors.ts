// What can go wrong between nslab and a Docker engine, each error naming its cause and a way out.
import { NslabError } from '../errors.ts';

/** No Docker engine answers where DOCKER_HOST (or the default socket) points. */
export class DockerUnavailableError extends NslabError {
  /** Why, in a few words: for a test's skip note. */
  readonly reason: string;
  constructor(reason: string, options?: ErrorOptions) {
    super(
      `no Docker engine: ${reason}. Start one (npm run setup starts Debian's docker.io as root) or point DOCKER_HOST at a running engine`,
      options,
    );
    this.reason = reason;
  }
}

/** The container is not running, so it has no network namespace to adopt. */
export class ContainerNotRunningError extends NslabError {
  /** The container's id or name, as given. */
  readonly container: string;
  /** Docker's word for its state: "exited", "created", "paused", ... */
  readonly status: string;
  constructor(container: string, status: string, exitCode: number | undefined) {
    super(
      `container ${container} is not running (status ${status}${exitCode !== undefined ? `, exit code ${exitCode}` : ''}): ` +
        'a stopped container has no network namespace; start it first',
    );
    this.container = container;
    this.status = status;
  }
}

/** The image is not in the engine's store, and nslab never pulls (no registry needs to be reachable). */
export class ImageNotFoundError extends NslabError {
  /** The image reference that was asked for. */
  readonly image: string;
  constructor(image: string) {
    super(
      `image ${image} is not in the local Docker engine, and nslab does not pull images: ` +
        'build it locally first (buildImage() or busyboxImage() from nslab/containers, or docker build)',
    );
    this.image = image;
  }
}
