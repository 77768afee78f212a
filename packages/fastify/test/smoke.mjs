// Loads the built ESM entry through the package's exports map and serves one request with it on
// Fastify 5 and on Fastify 4.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import defaultExport, { getContext, hoptrace, hoptraceServerOptions } from '@hoptrace/fastify';
import fastify5 from 'fastify';
import fastify4 from 'fastify4';

assert.equal(typeof hoptrace, 'function');
assert.equal(typeof hoptraceServerOptions, 'function');
assert.equal(defaultExport, hoptrace);

for (const [name, Fastify] of [
  ['Fastify 5', fastify5],
  ['Fastify 4', fastify4],
]) {
  const app = Fastify(hoptraceServerOptions());
  await app.register(hoptrace);
  app.post('/', async (req) => ({ id: req.id, body: req.body, context: getContext().requestId }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const outgoing = request({
      host: '127.0.0.1',
      port: app.server.address().port,
      method: 'POST',
      headers: { 'x-request-id': 'smoke-esm', 'content-type': 'application/json' },
    });
    outgoing.end('{"a":1}');
    const [response] = await once(outgoing, 'response');
    let text = '';
    for await (const chunk of response) text += chunk;
    assert.equal(response.headers['x-request-id'], 'smoke-esm', name);
    assert.deepEqual(
      JSON.parse(text),
      { id: 'smoke-esm', body: { a: 1 }, context: 'smoke-esm' },
      name,
    );
  } finally {
    await app.close();
  }
}
console.log(`smoke (esm) on Node ${process.version}: ok`);
