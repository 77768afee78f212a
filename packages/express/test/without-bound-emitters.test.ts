// Why the adapter runs the app through core's runServerRequest (context + bound req/res
// emitters) rather than a bare AsyncLocalStorage.run: the same app, with the context opened by
// `runWithContext` alone, loses it wherever Node calls back from socket events (a body that
// arrives late, a response ended from a callback outside the request). body-parser is
// not among those: raw-body (2.5+, used by body-parser 1.20 and 2) wraps its callback in an
// AsyncResource, so `next()` after `express.json()` is in the context either way.
import { createServer, type Server } from 'node:http';
import { type HoptraceOptions, runWithContext } from '@hoptrace/core';
import { createHoptrace, openServerRequest } from '@hoptrace/core/adapter';
import { close, listen, sendSlowly } from '@hoptrace/test-utils';
import type { RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPRESS_VERSIONS } from './express-versions.js';
import { buildTestApp, finishEndedFromOutside, type TestApp } from './test-app.js';

function contextOnly(options?: HoptraceOptions): RequestHandler {
  const engine = createHoptrace(options);
  return function contextOnlyMiddleware(request, response, next) {
    runWithContext(openServerRequest(engine, { request, response }).context, next);
  };
}

describe.each(EXPRESS_VERSIONS)('%s with a bare AsyncLocalStorage.run', (_name, express, major) => {
  let testApp: TestApp;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    testApp = buildTestApp(express, major, {}, contextOnly);
    server = createServer(testApp.app);
    port = await listen(server);
  });

  afterAll(async () => {
    await close(server);
  });

  it('loses the context in req.on("end") of a late body, and in the routes after it', async () => {
    const response = await sendSlowly(port, {
      path: '/hand-parsed',
      headers: { 'x-request-id': 'lost-body', 'content-type': 'text/plain' },
      chunks: ['abc', 'defg'],
    });
    expect(response.headers['x-request-id']).toBe('lost-body');
    expect(JSON.parse(response.body)).toEqual({ body: { bytes: 7, seenAtEnd: null } });
  });

  it('loses the context in res.on("finish") when the response is ended from outside', async () => {
    const { finishSaw } = await finishEndedFromOutside(testApp, port, 'lost-finish');
    expect(finishSaw).toBeUndefined();
  });

  it('keeps it after express.json() even so (raw-body binds its own callback)', async () => {
    const response = await sendSlowly(port, {
      path: '/body',
      headers: { 'x-request-id': 'kept-json', 'content-type': 'application/json' },
      chunks: ['{"a":', '1}'],
    });
    expect(JSON.parse(response.body)).toMatchObject({ requestId: 'kept-json', body: { a: 1 } });
  });
});
