// What a new runner does at its start: remove the pins of dead nslab processes (test/global-setup.ts)
// and, with "containers", the containers of dead ones (the first startContainer()). Prints
// { pins, containers } removed, as JSON.
import { sweepStalePins } from '../../src/index.ts';

const pins = sweepStalePins();
let containers: string[] = [];
if (process.argv[2] === 'containers') {
  const { removeStaleContainers } = await import('../../src/container/index.ts');
  containers = await removeStaleContainers();
}
process.stdout.write(`${JSON.stringify({ pins, containers })}\n`);
