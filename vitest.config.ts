import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The browser tests run after the others, alone: they measure the page's frame gaps while a worker
    // trains, which CPU-bound test files on the same cores would distort.
    projects: [
      { extends: true, test: { name: 'node', include: ['test/**/*.test.ts'], exclude: ['test/browser.test.ts'], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'browser', include: ['test/browser.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
