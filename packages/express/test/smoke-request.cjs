// One real request through an app built on the packed entry point, shared by smoke.cjs and
// smoke.mjs: the request ID must come back on the response, as `req.id` and as the context.
const assert = require('node:assert/strict');
const { once } = require('node:events');

/** `app` must answer GET / with `{ id: req.id, same: req.hoptrace === getContext() }`. */
async function checkOneRequest(app, requestId) {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const response = await fetch(`http://127.0.0.1:${server.address().port}/`, {
      headers: { 'x-request-id': requestId },
    });
    assert.equal(response.headers.get('x-request-id'), requestId);
    assert.deepEqual(await response.json(), { id: requestId, same: true });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

module.exports = { checkOneRequest };
