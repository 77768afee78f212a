import type { Options } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// Two entries, `@hoptrace/core` and `@hoptrace/core/otel`. tsup splits ESM only: the two ESM
// entries share one chunk of the engine, while each CJS entry carries its own copy (tsup's CJS
// splitting would rewrite `??` and `?.` into helper calls on the hot path). The copies share
// state through `Symbol.for` keys (context store, bridge hooks), as the ESM and CJS builds do.
const options: Options = {
  ...packageBuild({ external: ['@opentelemetry/api'] }),
  entry: { index: 'src/index.ts', otel: 'src/otel/index.ts' },
};

export default options;
