// The trace headers of a request are read the first time its context is used, not on arrival:
// a handler that reads only the request ID never pays for them (core's ContextSlot).
import { createServer } from 'node:http';
import { describeTraceReadOnFirstUse, listening } from '@hoptrace/test-utils';
import { describe, expect } from 'vitest';
import { getContext, getRequestId, hoptrace } from '../src/index.js';
import { KOA_MAJORS } from './test-app.js';

describe.each(KOA_MAJORS)('%s: trace headers read on first use', (_name, Koa) => {
  describeTraceReadOnFirstUse({
    start(count) {
      const app = new Koa();
      app.use((ctx, next) => {
        count(ctx.req.headers);
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
      return listening(createServer(app.callback()));
    },
    readsId: [
      'leaves them unread when the handler reads ctx.state.requestId and getRequestId()',
      (body) => expect(body).toEqual({ requestId: 'abc', fromStore: 'abc' }),
    ],
    readsTrace: [
      'reads them once, when ctx.state.hoptrace or getContext() is first read',
      (body, trace) =>
        expect(body).toEqual({ first: trace, again: trace, same: true, inJson: trace }),
    ],
  });
});
