// The trace headers of a request are read the first time its context is used, not on arrival:
// a handler that reads only the request ID never pays for them (core's ContextSlot).
import { createServer } from 'node:http';
import { describeTraceReadOnFirstUse, listening } from '@hoptrace/test-utils';
import { describe, expect } from 'vitest';
import { getContext, getRequestId, hoptrace } from '../src/index.js';
import { EXPRESS_VERSIONS } from './express-versions.js';

describe.each(EXPRESS_VERSIONS)('%s: trace headers read on first use', (_name, express) => {
  describeTraceReadOnFirstUse({
    start(count) {
      const app = express();
      app.use((request, _response, next) => {
        count(request.headers);
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
      return listening(createServer(app));
    },
    readsId: [
      'leaves them unread when the handler reads req.id and getRequestId()',
      (body) => expect(body).toEqual({ id: 'abc', requestId: 'abc' }),
    ],
    readsTrace: [
      'reads them once, when req.hoptrace or getContext() is first read',
      (body, trace) => expect(body).toEqual({ first: trace, again: trace, same: true }),
    ],
  });
});
