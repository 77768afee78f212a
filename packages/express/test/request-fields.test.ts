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

/** What {@link fields} reports when the context holds `id` and `req.id` reads `reqId`. */
function agreeing(id: string, reqId = id) {
  return { id: reqId, contextId: id, sameAsCore: true };
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

  /** GET `path` with request ID `id`: the status and the parsed answer. */
  async function fieldsAt(path: string, id: string): Promise<{ status: number; body: unknown }> {
    const response = await send(port, { path, headers: { 'x-request-id': id } });
    return { status: response.status, body: JSON.parse(response.body) };
  }

  it('read the request ID and the context, the one core binds to the request', async () => {
    expect((await fieldsAt('/', 'fields-1')).body).toEqual(agreeing('fields-1'));
  });

  it('replace a req.id set by a middleware that ran before hoptrace', async () => {
    expect((await fieldsAt('/earlier', 'fields-2')).body).toEqual(agreeing('fields-2'));
  });

  it('let a later middleware assign req.id, as an own property would', async () => {
    expect((await fieldsAt('/later', 'fields-3')).body).toEqual(
      agreeing('fields-3', 'logger-fields-3'),
    );
  });

  it('are there in a mounted sub-app and in error handlers', async () => {
    expect((await fieldsAt('/sub', 'fields-4')).body).toEqual(agreeing('fields-4'));
    const failed = await fieldsAt('/error', 'fields-5');
    expect(failed.status).toBe(500);
    expect(failed.body).toEqual({ ...agreeing('fields-5'), message: 'boom' });
  });

  it('are absent on the requests of an app without hoptrace', async () => {
    await send(port, { path: '/' });
    const response = await send(plainPort, { path: '/', headers: { 'x-request-id': 'plain-1' } });
    expect(JSON.parse(response.body)).toEqual({ id: null, hoptrace: null });
  });
});
