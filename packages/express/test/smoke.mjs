// Loads the built ESM entry, as an ESM user would, and serves one request through Express 5
// with it.
import assert from 'node:assert/strict';
import { getContext, hoptrace } from '@hoptrace/express';
import express from 'express';
import smokeRequest from './smoke-request.cjs';

assert.equal(typeof hoptrace, 'function', "import { hoptrace } from '@hoptrace/express'");
assert.equal(hoptrace().name, 'hoptraceMiddleware');
const app = express();
app.use(hoptrace());
app.get('/', (req, res) => res.json({ id: req.id, same: req.hoptrace === getContext() }));

await smokeRequest.checkOneRequest(app, 'smoke-esm');
console.log(`smoke (esm, express 5) on Node ${process.version}: ok`);
