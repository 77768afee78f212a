import { createServer, type Server } from 'node:http';
import { requestContext } from '@hoptrace/core/adapter';
import { close, listen, send } from '@hoptrace/test-utils';
import type { NextFunction, Request, Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hoptrace } from '../src/index.js';
import { EXPRESS_VERSIONS } from './express-versions.js';

/** What a handler reports of `req.id` and `req.hoptrace`. */
function fields(request: Request) {
  return {
    id: request.id,
    contextId: request.hoptrace?.requestId,
    sameAsCore: request.hoptrace === requestContext(request),
  };
}

// req.id and req.hoptrace read the context through accessors on Express's request prototype
// (one property write per request instead of three): these are the places where a plain own
// property and an accessor could differ.
describe.each(EXPRESS_VERSIONS)('%s: req.id and req.hoptrace', (_name, express) => {
  let server: Server;
  let port: number;
  let plainServer: Server;
  let plainPort: number;

  beforeAll(async () => {
    const app = express();
    // A middleware before hoptrace that sets its own req.id: hoptrace's validated ID replaces it.
    app.use('/earlier', (request: Request, _response: Response, next: NextFunction) => {
      request.id = 'set-before-hoptrace';
      next();
    });
    app.use(hoptrace());
    // A logger after it that assigns req.id (pino-http does `req.id = genReqId(req)`): its value
    // is what req.id then reads, as with an own property; the context keeps hoptrace's ID.
    app.use('/later', (request: Request, _response: Response, next: NextFunction) => {
      request.id = `logger-${request.id}`;
      next();
    });
    app.get(['/', '/earlier', '/later'], (request: Request, response: Response) => {
      response.json(fields(request));
    });
    // A sub-app mounted without hoptrace of its own: Express swaps the request's prototype to
    // the sub-app's while it runs.
    const subApp = express();
    subApp.get('/', (request: Request, response: Response) => {
      response.json(fields(request));
    });
    app.use('/sub', subApp);
    app.get('/error', () => {
      throw new Error('boom');
    });
    app.use((error: Error, request: Request, response: Response, _next: NextFunction) => {
      response.status(500).json({ ...fields(request), message: error.message });
    });
    server = createServer(app);
    port = await listen(server);

    // Another app of the same Express copy, in the same process, without hoptrace.
    const plain = express();
    plain.get('/', (request: Request, response: Response) => {
      response.json({ id: request.id ?? null, hoptrace: request.hoptrace ?? null });
    });
    plainServer = createServer(plain);
    plainPort = await listen(plainServer);
  });

  afterAll(async () => {
    await close(server);
    await close(plainServer);
  });

  it('read the request ID and the context, the one core binds to the request', async () => {
    const response = await send(port, { path: '/', headers: { 'x-request-id': 'fields-1' } });
    expect(JSON.parse(response.body)).toEqual({
      id: 'fields-1',
      contextId: 'fields-1',
      sameAsCore: true,
    });
  });

  it('replace a req.id set by a middleware that ran before hoptrace', async () => {
    const response = await send(port, {
      path: '/earlier',
      headers: { 'x-request-id': 'fields-2' },
    });
    expect(JSON.parse(response.body)).toEqual({
      id: 'fields-2',
      contextId: 'fields-2',
      sameAsCore: true,
    });
  });

  it('let a later middleware assign req.id, as an own property would', async () => {
    const response = await send(port, { path: '/later', headers: { 'x-request-id': 'fields-3' } });
    expect(JSON.parse(response.body)).toEqual({
      id: 'logger-fields-3',
      contextId: 'fields-3',
      sameAsCore: true,
    });
  });

  it('are there in a mounted sub-app and in error handlers', async () => {
    const sub = await send(port, { path: '/sub', headers: { 'x-request-id': 'fields-4' } });
    expect(JSON.parse(sub.body)).toEqual({
      id: 'fields-4',
      contextId: 'fields-4',
      sameAsCore: true,
    });
    const failed = await send(port, { path: '/error', headers: { 'x-request-id': 'fields-5' } });
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body)).toEqual({
      id: 'fields-5',
      contextId: 'fields-5',
      sameAsCore: true,
      message: 'boom',
    });
  });

  it('are absent on the requests of an app without hoptrace', async () => {
    await send(port, { path: '/' });
    const response = await send(plainPort, { path: '/', headers: { 'x-request-id': 'plain-1' } });
    expect(JSON.parse(response.body)).toEqual({ id: null, hoptrace: null });
  });
});
