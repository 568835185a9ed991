import { defineConfig } from 'vitest/config';

// One vitest run, no watch. Kernel tests are CPU-heavy and the machine has 2 cores,
// so files run in at most 2 forks; long timeouts because paper-size kernels take seconds.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
