import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    setupFiles: ['test/helpers/cleanup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Most of the suite waits on real processes (servers, terminals, Chromium), so two workers keep a two-core
    // machine busy where Vitest's default (cores − 1) would leave one idle. Test files share their worker's
    // module cache instead of importing everything again in a fresh process each (a third of the suite's CPU
    // went to that); every file closes what it starts, and test/helpers/cleanup.ts removes its folders.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    isolate: false,
  },
});
