// Loads the built CJS entry through the package's own exports map, as a CommonJS user would, and
// serves one request through Express 4 with it.
const assert = require('node:assert/strict');
const express = require('express4');
const { getContext, hoptrace } = require('@hoptrace/express');
const { checkOneRequest } = require('./smoke-request.cjs');

assert.equal(typeof hoptrace, 'function', "require('@hoptrace/express').hoptrace");
const app = express();
app.use(hoptrace());
app.get('/', (req, res) => res.json({ id: req.id, same: req.hoptrace === getContext() }));

checkOneRequest(app, 'smoke-cjs').then(
  () => console.log('smoke (cjs, express 4): ok'),
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
