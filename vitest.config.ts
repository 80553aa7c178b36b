// Two projects: `unit` (fast, in-process: `npm test`) and `e2e` (`npm run test:e2e`): whatever
// spawns the CLI, a pseudo-terminal or other processes, the crash and fault matrices and the long
// soundness search. A test file is end-to-end when its name ends in `.e2e.test.ts`, wherever it
// lives. `npm run check` runs both in one run, so coverage and its thresholds are over all of it.
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const E2E = ['test/**/*.e2e.test.ts'];

export default defineConfig({
  test: {
    // One scratch directory per run for every temporary file, removed at the end (a RAM disk when
    // there is one): test/global-setup.ts.
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 20_000,
    pool: 'forks',
    // Transformed modules cached on disk (node_modules/.vite) between runs: a second run skips most
    // of the transform of the sources and tests. `npm ci` empties it.
    experimental: { fsModuleCache: true },
    // Vitest's default is one worker per core but one. The end-to-end files spend much of their
    // time waiting (on child processes, simulated latency, the disk): one worker more than cores.
    maxWorkers: availableParallelism() + 1,
    projects: [
      {
        extends: true,
        // The unit files share their workers' module cache (half the CPU time of loading every
        // module again per file): a unit test leaves no state behind (environment restored,
        // nothing mocked at module level). The end-to-end files each get a fresh module graph.
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: E2E, isolate: false },
      },
      { extends: true, test: { name: 'e2e', include: E2E, isolate: false } },
    ],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: {
        'src/enclave/**': { branches: 100, functions: 100, lines: 100, statements: 100 },
        // The write paths: what apply calls, and what provision, destroy and status observe.
        'src/provision/apply-ops.ts': { branches: 85 },
        'src/provision/observed-ec2.ts': { branches: 85 },
        'src/provision/plan-ec2.ts': { branches: 85 },
        'src/engine/discover.ts': { branches: 85 },
      },
    },
  },
});
