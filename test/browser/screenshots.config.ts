import { defineConfig } from 'vitest/config';

/** `npm run screenshots` (test/browser/screenshots.ts), with the run-wide services the tests use. */
export default defineConfig({
  test: {
    include: ['test/browser/screenshots.ts'],
    globalSetup: ['test/setup/global.ts'],
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
