// Loads the built CJS entry through the package's own exports map, as a CommonJS user would,
// and serves one request with it on Fastify 5.
const assert = require('node:assert/strict');
const { request } = require('node:http');
const plugin = require('@hoptrace/fastify');
const Fastify = require('fastify');

for (const name of ['hoptrace', 'hoptraceServerOptions', 'default', 'getContext']) {
  assert.equal(typeof plugin[name], 'function', `require('@hoptrace/fastify').${name}`);
}
assert.equal(plugin.default, plugin.hoptrace);

async function main() {
  const app = Fastify(plugin.hoptraceServerOptions());
  await app.register(plugin.hoptrace);
  app.get('/', (req) => ({ id: req.id, context: plugin.getContext().requestId }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const { port } = app.server.address();
    const { header, body } = await new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, headers: { 'x-request-id': 'smoke-cjs' } }, (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ header: res.headers['x-request-id'], body: text }));
      })
        .on('error', reject)
        .end();
    });
    assert.equal(header, 'smoke-cjs');
    assert.deepEqual(JSON.parse(body), { id: 'smoke-cjs', context: 'smoke-cjs' });
  } finally {
    await app.close();
  }
  console.log('smoke (cjs): ok');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
