import { defineConfig } from 'vitest/config';

/**
 * Two projects. `unit`: the storage module, the in-process handler tests over the in-memory stores, and the
 * contracts those stores share with the real ones — no service, seconds. `integration`: everything that runs
 * real parts (PostgreSQL, the stand-ins, the function bundles, the Pub/Sub emulator, gcloud, terraform), with
 * the run-wide services of test/setup/global.ts. `npm test` runs the first, then the second.
 */
const UNIT = ['test/unit/**/*.test.ts', 'test/handlers/**/*.test.ts'];

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: UNIT } },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: UNIT,
          globalSetup: ['test/setup/global.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
    ],
  },
});
