// nslab's own reaper: every container nslab starts carries its owner's pid and that process's
// start time (a pid alone can be reused). A container whose owner is gone is stale, whatever
// killed the owner, and the next nslab process to start a container removes it.
import { processStartTime } from '../sys/proc.ts';
import { runtimeClient } from './runtime.ts';

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
  await Promise.all(
    doomed.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch((error: { statusCode?: number }) => {
          // Gone already (removed by its owner meanwhile, or being removed): nothing to do.
          if (error.statusCode !== 404 && error.statusCode !== 409) throw error;
        }),
    ),
  );
  return doomed.map((c) => c.Id);
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
