// nslab's own reaper: every container nslab starts carries its owner's pid and that process's
// start time (a pid alone can be reused). A container whose owner is gone is stale, whatever
// killed the owner, and the next nslab process to start a container removes it.
import type Dockerode from 'dockerode';
import { NslabError } from '../errors.ts';
import { pollUntil } from '../sys/poll.ts';
import { processStartTime } from '../sys/proc.ts';
import { runtimeClient } from './runtime.ts';

// How long a removal that another process started may take to finish.
const REMOVAL_IN_PROGRESS_MS = 30_000;

/** The label that holds the pid of the nslab process that started the container. */
export const OWNER_LABEL = 'nslab.owner';
/** The label that holds that process's start time, so a reused pid does not pass for the owner. */
export const OWNER_START_LABEL = 'nslab.owner-start';

/** The labels that mark a container as this process's. */
export function ownerLabels(): Record<string, string> {
  return { [OWNER_LABEL]: String(process.pid), [OWNER_START_LABEL]: processStartTime('self') ?? '' };
}

function isAlive(labels: Record<string, string>): boolean {
  const pid = Number(labels[OWNER_LABEL]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const started = processStartTime(pid);
  return started !== undefined && started === labels[OWNER_START_LABEL];
}

async function removeWhere(keep: (labels: Record<string, string>) => boolean): Promise<string[]> {
  const docker = (await runtimeClient()).container.dockerode;
  const found = await docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } });
  const doomed = found.filter((c) => !keep(c.Labels));
  await Promise.all(doomed.map((c) => removeContainer(docker.getContainer(c.Id))));
  return doomed.map((c) => c.Id);
}

/**
 * Removes one container; resolves once it is gone. Every nslab process sweeps stale containers
 * as it starts its first, so another may be removing this one already: the engine answers 409
 * ("removal ... is already in progress") at once, and the container is still listed until that
 * removal ends, so it is awaited rather than taken for done.
 */
async function removeContainer(container: Dockerode.Container): Promise<void> {
  const statusOf = (error: unknown): number | undefined => (error as { statusCode?: number }).statusCode;
  try {
    await container.remove({ force: true, v: true });
    return;
  } catch (error) {
    if (statusOf(error) === 404) return;
    if (statusOf(error) !== 409) throw error;
  }
  const gone = await pollUntil(
    () =>
      container.inspect().then(
        () => false,
        (error: unknown) => {
          if (statusOf(error) === 404) return true;
          throw error;
        },
      ),
    (isGone) => isGone,
    { timeout: REMOVAL_IN_PROGRESS_MS, recheckMs: 100 },
  );
  if (!gone.met) {
    throw new NslabError(
      `container ${container.id}: another removal was in progress and had not ended after ${REMOVAL_IN_PROGRESS_MS / 1000} s; ` +
        "see `docker ps -a` and the engine's log (journalctl -u docker)",
    );
  }
}

/** Removes the containers whose owner process is gone; returns their ids. */
export function removeStaleContainers(): Promise<string[]> {
  return removeWhere(isAlive);
}

/** Removes this process's containers (for an afterAll, or before exiting); returns their ids. */
export function removeOwnContainers(): Promise<string[]> {
  const mine = ownerLabels();
  return removeWhere(
    (labels) => labels[OWNER_LABEL] !== mine[OWNER_LABEL] || labels[OWNER_START_LABEL] !== mine[OWNER_START_LABEL],
  );
}
