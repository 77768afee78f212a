// Loads the built ESM entry through the package's exports map and serves one request with it on
// Koa 3, error response included (Koa strips every header there; the request ID must stay).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { getContext, hoptrace } from '@hoptrace/koa';
import Koa from 'koa';

assert.equal(typeof hoptrace, 'function', "import { hoptrace } from '@hoptrace/koa'");

const app = new Koa();
app.use(hoptrace());
app.use((ctx) => {
  if (ctx.path === '/fail') throw new Error('smoke');
  ctx.body = `${ctx.state.requestId} ${getContext().requestId}`;
});
app.on('error', () => {});
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${server.address().port}`;
try {
  const response = await fetch(`${base}/`, { headers: { 'x-request-id': 'smoke-esm' } });
  assert.equal(response.headers.get('x-request-id'), 'smoke-esm');
  assert.equal(await response.text(), 'smoke-esm smoke-esm');
  const failed = await fetch(`${base}/fail`, { headers: { 'x-request-id': 'smoke-esm-500' } });
  assert.equal(failed.status, 500);
  assert.equal(failed.headers.get('x-request-id'), 'smoke-esm-500');
  await failed.text();
} finally {
  server.closeAllConnections();
  server.close();
}
console.log(`smoke (esm, koa 3) on Node ${process.version}: ok`);
