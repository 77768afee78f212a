// Loads the built CJS entry through the package's exports map, as a CommonJS user would, and
// makes one wrapped fetch call inside a request context.
const assert = require('node:assert/strict');
const { once } = require('node:events');
const { createServer } = require('node:http');
const { extract, runWithContext } = require('@hoptrace/core');
const { wrapFetch } = require('@hoptrace/fetch');

assert.equal(typeof wrapFetch, 'function', "require('@hoptrace/fetch').wrapFetch");

async function main() {
  const server = createServer((request, response) => {
    response.end(String(request.headers['x-request-id']));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const hoptraceFetch = wrapFetch();
    const body = await runWithContext(extract({ 'x-request-id': 'smoke-cjs' }), async () =>
      (await hoptraceFetch(`http://127.0.0.1:${server.address().port}/`)).text(),
    );
    assert.equal(body, 'smoke-cjs');
  } finally {
    server.closeAllConnections();
    server.close();
  }
  console.log('smoke (cjs, wrapFetch): ok');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
