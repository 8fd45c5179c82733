// nslab/containers: containers in nslab's topologies, through testcontainers (loaded on first
// use, never by nslab's core). Images are built locally and nothing is pulled.
export { checkDocker, requireDocker, type DockerCheck, type DockerEngine } from './engine.ts';
export { DockerUnavailableError, ContainerNotRunningError, ImageNotFoundError } from './errors.ts';
export { buildImage, busyboxImage, IDLE_CMD, IMAGE_LABEL, type ImageFile, type ImageSpec } from './image.ts';
export { ownerLabels, removeOwnContainers, removeStaleContainers, OWNER_LABEL, OWNER_START_LABEL } from './labels.ts';
export { startContainer, type StartContainerOptions } from './start.ts';
export { adoptContainer, ContainerNetns, type ContainerExit, type ContainerRef, type PlugOptions } from './adopt.ts';
export { loadTestcontainers } from './runtime.ts';
