import type { ViteUserConfig } from 'vitest/config';

/** Vitest's `test` options, which a package may set over {@link packageTests}' defaults. */
export type PackageTestOptions = NonNullable<ViteUserConfig['test']>;

/**
 * The Vitest config every package shares: `*.test.ts` files under `src` and `test`, and
 * `*.test-d.ts` type tests there, checked against the package's own tsconfig.
 */
export function packageTests(overrides: PackageTestOptions = {}): ViteUserConfig {
  return {
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      typecheck: {
        include: ['src/**/*.test-d.ts', 'test/**/*.test-d.ts'],
        tsconfig: './tsconfig.json',
      },
      ...overrides,
    },
  };
}
