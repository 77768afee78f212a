import type { Options } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// Four entries: `@hoptrace/core` and its `/adapter`, `/diagnostics` and `/otel` subpaths, split
// into shared chunks in both formats, so a process that loads several entries holds one copy of
// the engine per format (one `ContextSlot` class, one prototype wrapping). `treeshake` hands the
// CommonJS split to rollup: tsup's own CommonJS splitting runs sucrase, which rewrites every `??`
// and `?.` into a helper call. The ESM and CJS copies share state through `Symbol.for` keys
// (context store, bridge hooks).
const options: Options = {
  ...packageBuild({ external: ['@opentelemetry/api'] }),
  splitting: true,
  treeshake: true,
  entry: {
    index: 'src/index.ts',
    adapter: 'src/server/index.ts',
    diagnostics: 'src/diagnostics/index.ts',
    otel: 'src/otel/index.ts',
  },
};

export default options;
