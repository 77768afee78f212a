import { readFileSync } from 'node:fs';
import type { Options } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

// The library entry as every package builds it, plus the `hoptrace` command (tsup keeps its
// `#!/usr/bin/env node` line and marks the file executable); `hoptrace --version` is set here.
const options: Options = {
  ...packageBuild(),
  entry: ['src/index.ts', 'src/cli.ts'],
  define: { HOPTRACE_VERSION: JSON.stringify(version) },
};

export default options;
