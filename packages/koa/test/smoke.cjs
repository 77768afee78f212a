// Loads the built CJS entry through the package's exports map, as a CommonJS user would, and
// serves one request with it on Koa 2.
const assert = require('node:assert/strict');
const { once } = require('node:events');
const { hoptrace, getContext } = require('@hoptrace/koa');
const Koa = require('koa2');

assert.equal(typeof hoptrace, 'function', "require('@hoptrace/koa').hoptrace");

async function main() {
  const app = new Koa();
  app.use(hoptrace());
  app.use((ctx) => {
    ctx.body = `${ctx.state.requestId} ${getContext().requestId}`;
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const response = await fetch(`http://127.0.0.1:${server.address().port}/`, {
      headers: { 'x-request-id': 'smoke-cjs' },
    });
    assert.equal(response.headers.get('x-request-id'), 'smoke-cjs');
    assert.equal(await response.text(), 'smoke-cjs smoke-cjs');
  } finally {
    server.closeAllConnections();
    server.close();
  }
  console.log('smoke (cjs, koa 2): ok');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
