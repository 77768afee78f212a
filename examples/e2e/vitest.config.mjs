import { defineConfig } from 'vitest/config';

// Each file starts its own topology (a dozen processes): run the files one after another.
export default defineConfig({
  test: {
    include: ['*.test.mjs'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
