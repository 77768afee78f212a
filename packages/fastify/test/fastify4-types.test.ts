import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const require = createRequire(import.meta.url);

// The type tests (public-api.test-d.ts) see Fastify 5's types, which `fastify` resolves to in
// this repository. A Fastify 4 user's `fastify` is Fastify 4's types: compile a sample against
// those (mapped by test/fastify4-types/tsconfig.json) to check that the plugin, the server
// options and the request augmentation fit them too.
it('the plugin, hoptraceServerOptions and request.hoptrace type-check against Fastify 4', async () => {
  const tsc = require.resolve('typescript/bin/tsc');
  const project = fileURLToPath(new URL('./fastify4-types/tsconfig.json', import.meta.url));
  const result = await promisify(execFile)(process.execPath, [tsc, '-p', project]).catch(
    (error: { stdout?: string; code?: number }) => ({ stdout: error.stdout ?? String(error) }),
  );
  expect(result.stdout).toBe('');
});
