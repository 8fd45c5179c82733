// Vitest runs for the bench (not part of `npm test`):
//   NSLAB_BENCH_SECTION=latency: bench/wait-latency.test.ts, the matchers as tests use them;
//   NSLAB_BENCH_SECTION=suites: the claim suites with bench/suites-timing.setup.ts, which
//     records the time each test spends waiting for the kernel and in child processes.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));
const suites = process.env.NSLAB_BENCH_SECTION === 'suites';

export default defineConfig({
  root,
  test: {
    pool: 'forks',
    maxWorkers: suites ? 2 : 1,
    include: suites ? ['suites/**/*.test.ts'] : ['bench/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    setupFiles: suites ? ['./bench/suites-timing.setup.ts'] : [],
    testTimeout: suites ? 30_000 : 600_000,
    hookTimeout: 30_000,
  },
});
