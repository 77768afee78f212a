// Loads the built ESM entry through the package's exports map and, in the same process, the CJS
// build too: both install instrumentOutbound, and a plain http.get still carries each header once
// (the hooks are shared across copies of the package), then nothing once both are uninstalled.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, get } from 'node:http';
import { createRequire } from 'node:module';
import { extract, runWithContext } from '@hoptrace/core';
import { instrumentOutbound } from '@hoptrace/fetch';

const require = createRequire(import.meta.url);
const commonJs = require('@hoptrace/fetch');
assert.notEqual(commonJs.instrumentOutbound, instrumentOutbound, 'two copies are loaded');

const server = createServer((request, response) => {
  response.end(JSON.stringify(request.rawHeaders));
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `http://127.0.0.1:${server.address().port}/`;
const rawHeaders = () =>
  new Promise((resolve, reject) => {
    get(url, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
const count = (raw, name) =>
  raw.filter((entry, index) => index % 2 === 0 && entry.toLowerCase() === name).length;

try {
  const uninstallEsm = instrumentOutbound();
  const uninstallCjs = commonJs.instrumentOutbound({ mode: 'child' });
  const context = extract({
    'x-request-id': 'smoke-esm',
    b3: '80f198ee56343ba8-e457b5a2e4d86bd1-1',
  });
  const raw = await runWithContext(context, rawHeaders);
  assert.equal(count(raw, 'x-request-id'), 1);
  assert.equal(count(raw, 'b3'), 1);
  uninstallEsm();
  uninstallCjs();
  uninstallCjs();
  const after = await runWithContext(context, rawHeaders);
  assert.equal(count(after, 'x-request-id'), 0);
} finally {
  server.closeAllConnections();
  server.close();
}
console.log(`smoke (esm + cjs, instrumentOutbound) on Node ${process.version}: ok`);
