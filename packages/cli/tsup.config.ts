import { readFileSync } from 'node:fs';
import type { Options } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

// Two builds run side by side: the library as every package builds it, and the `hoptrace`
// command as ESM alone (bin/hoptrace.js imports it; a CommonJS copy would ship unused). The
// library's clean spares the command's files, which the other build may already have written.
const options: Options[] = [
  { ...packageBuild(), clean: ['!cli.js', '!cli.js.map'] },
  {
    entry: ['src/cli.ts'],
    format: ['esm'],
    sourcemap: true,
    clean: false,
    target: 'node20',
    platform: 'node',
    define: { HOPTRACE_VERSION: JSON.stringify(version) },
  },
];

export default options;
