import { runLeakTest } from '@hoptrace/test-utils';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './app.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

describe.each(FASTIFY_VERSIONS)('%s: no context leaks between requests', (_name, factory) => {
  const server = useTestApp(factory);

  it('2,000 interleaved GETs (100 concurrent, random delays)', async () => {
    const result = await runLeakTest({ port: server().port });
    expect(result.mismatches).toEqual([]);
    expect(result.sent).toBe(2000);
  });

  it.each([
    ['JSON', 'application/json', '{"a":1}'],
    ['urlencoded', 'application/x-www-form-urlencoded', 'a=1&b=2'],
  ])('500 interleaved POSTs with a %s body parsed first', async (_format, type, body) => {
    const result = await runLeakTest({
      port: server().port,
      requests: 500,
      requestFor: () => ({ method: 'POST', body, headers: { 'content-type': type } }),
    });
    expect(result.mismatches).toEqual([]);
    expect(result.sent).toBe(500);
  });
});
