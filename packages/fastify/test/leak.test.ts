import { assertNoLeaks, postEach } from '@hoptrace/test-utils';
import { describe, it } from 'vitest';
import { useTestApp } from './app.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

describe.each(FASTIFY_VERSIONS)('%s: no context leaks between requests', (_name, factory) => {
  const server = useTestApp(factory);

  it('2,000 interleaved GETs (100 concurrent, random delays)', async () => {
    await assertNoLeaks({ port: server().port });
  });

  it.each([
    ['JSON', 'application/json', '{"a":1}'],
    ['urlencoded', 'application/x-www-form-urlencoded', 'a=1&b=2'],
  ])('500 interleaved POSTs with a %s body parsed first', async (_format, type, body) => {
    await assertNoLeaks({ port: server().port, requests: 500, requestFor: postEach(type, body) });
  });
});
