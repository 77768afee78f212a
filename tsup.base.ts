import type { Options } from 'tsup';

/** What one package's build adds to {@link packageBuild}. */
export interface PackageBuildOptions {
  /** Imports never bundled, beside the dependencies and peers tsup leaves out already. */
  readonly external?: string[];
}

/**
 * The build every published package shares: `src/index.ts` to ESM (`index.js`, `index.d.ts`) and
 * CommonJS (`index.cjs`, `index.d.cts`) with source maps, for Node 20 and up.
 */
export function packageBuild(options: PackageBuildOptions = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    ...(options.external === undefined ? {} : { external: options.external }),
  };
}
