import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    typecheck: {
      include: ['**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
});
