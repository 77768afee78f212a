// The trace headers of a request are read the first time its context is used, not on arrival:
// a handler that reads only the request ID never pays for them (core's ContextSlot).
import { createServer, type Server } from 'node:http';
import { close, countHeaderReads, type HeaderReads, listen, send } from '@hoptrace/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getContext, getRequestId, hoptrace } from '../src/index.js';
import { EXPRESS_VERSIONS } from './express-versions.js';

const B3 = '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1';

describe.each(EXPRESS_VERSIONS)('%s: trace headers read on first use', (_name, express) => {
  let server: Server;
  let port: number;
  let counted: HeaderReads | undefined;

  beforeAll(async () => {
    const app = express();
    app.use((request, _response, next) => {
      counted = countHeaderReads(request.headers, 'b3');
      next();
    });
    app.use(hoptrace());
    app.get('/id', (request, response) => {
      response.json({ id: request.id, requestId: getRequestId() });
    });
    app.get('/trace', (request, response) => {
      const first = request.hoptrace.traceId;
      response.json({
        first,
        again: getContext().traceId,
        same: request.hoptrace === getContext(),
      });
    });
    server = createServer(app);
    port = await listen(server);
  });

  afterAll(async () => {
    await close(server);
  });

  it('leaves them unread when the handler reads req.id and getRequestId()', async () => {
    const response = await send(port, { path: '/id', headers: { 'x-request-id': 'abc', b3: B3 } });
    expect(JSON.parse(response.body)).toEqual({ id: 'abc', requestId: 'abc' });
    expect(response.headers['x-request-id']).toBe('abc');
    expect(counted?.reads).toBe(0);
  });

  it('reads them once, when req.hoptrace or getContext() is first read', async () => {
    const response = await send(port, { path: '/trace', headers: { b3: B3 } });
    const trace = '80f198ee56343ba864fe8b2a57d3eff7';
    expect(JSON.parse(response.body)).toEqual({ first: trace, again: trace, same: true });
    expect(counted?.reads).toBe(1);
  });
});
