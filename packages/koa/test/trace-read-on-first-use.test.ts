// The trace headers of a request are read the first time its context is used, not on arrival:
// a handler that reads only the request ID never pays for them (core's ContextSlot).
import { createServer, type Server } from 'node:http';
import { close, countHeaderReads, type HeaderReads, listen, send } from '@hoptrace/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getContext, getRequestId, hoptrace } from '../src/index.js';
import { KOA_MAJORS } from './test-app.js';

const B3 = '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1';
const TRACE = '80f198ee56343ba864fe8b2a57d3eff7';

describe.each(KOA_MAJORS)('%s: trace headers read on first use', (_name, Koa) => {
  let server: Server;
  let port: number;
  let counted: HeaderReads | undefined;

  beforeAll(async () => {
    const app = new Koa();
    app.use((ctx, next) => {
      counted = countHeaderReads(ctx.req.headers, 'b3');
      return next();
    });
    app.use(hoptrace());
    app.use((ctx) => {
      if (ctx.path === '/id') {
        ctx.body = { requestId: ctx.state.requestId, fromStore: getRequestId() };
        return;
      }
      const first = ctx.state.hoptrace.traceId;
      ctx.body = {
        first,
        again: getContext().traceId,
        same: ctx.state.hoptrace === getContext(),
        inJson: JSON.parse(JSON.stringify(ctx.state)).hoptrace?.traceId,
      };
    });
    server = createServer(app.callback());
    port = await listen(server);
  });

  afterAll(async () => {
    await close(server);
  });

  it('leaves them unread when the handler reads ctx.state.requestId and getRequestId()', async () => {
    const response = await send(port, { path: '/id', headers: { 'x-request-id': 'abc', b3: B3 } });
    expect(JSON.parse(response.body)).toEqual({ requestId: 'abc', fromStore: 'abc' });
    expect(response.headers['x-request-id']).toBe('abc');
    expect(counted?.reads).toBe(0);
  });

  it('reads them once, when ctx.state.hoptrace or getContext() is first read', async () => {
    const response = await send(port, { path: '/trace', headers: { b3: B3 } });
    expect(JSON.parse(response.body)).toEqual({
      first: TRACE,
      again: TRACE,
      same: true,
      inJson: TRACE,
    });
    expect(counted?.reads).toBe(1);
  });
});
