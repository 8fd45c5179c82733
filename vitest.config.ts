import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // setns() switches only the calling thread: tests must run on a process's main thread.
    pool: 'forks',
    maxWorkers: 2,
    include: ['test/**/*.test.ts', 'suites/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './src/report/claims-reporter.ts'],
  },
});
