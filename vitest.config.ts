import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // No test waits on a timeout to pass (they assert order and counts); the limits only stop a
    // hung test. They are generous because a spawn of the CLI costs ~0.5 s of CPU, and on a
    // shared 2-core machine a file that spawns it a dozen times can be starved for a while.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Files run in parallel, one per core: the CLI tests' child processes take the rest.
    maxWorkers: 2,
  },
});
