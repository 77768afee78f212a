// The trace headers of a request are read the first time its context is used, not on arrival:
// a handler that reads only the request ID never pays for them (core's ContextSlot).
import type { IncomingMessage } from 'node:http';
import { describeTraceReadOnFirstUse } from '@hoptrace/test-utils';
import { describe, expect } from 'vitest';
import { getContext, getRequestId, hoptrace, hoptraceServerOptions } from '../src/index.js';
import { listenApp } from './app.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

/** With `hoptraceServerOptions()`, whose genReqId reads the request ID before any hook runs. */
const WITH_SERVER_OPTIONS = [true, false] as const;

describe.each(
  FASTIFY_VERSIONS.flatMap(([name, factory]) =>
    WITH_SERVER_OPTIONS.map((withServerOptions) => [name, factory, withServerOptions] as const),
  ),
)(
  '%s (server options: %s): trace headers read on first use',
  (_name, factory, withServerOptions) => {
    describeTraceReadOnFirstUse({
      async start(count) {
        const { genReqId } = hoptraceServerOptions();
        const app = factory(
          withServerOptions
            ? {
                requestIdHeader: false,
                genReqId: (raw: IncomingMessage) => {
                  count(raw.headers);
                  return genReqId(raw);
                },
              }
            : {},
        );
        if (!withServerOptions) {
          app.addHook('onRequest', (request, _reply, done) => {
            count(request.raw.headers);
            done();
          });
        }
        await app.register(hoptrace);
        app.get('/id', (request) => ({ id: request.id, requestId: getRequestId() }));
        app.get('/trace', (request) => {
          const first = request.hoptrace.traceId;
          return { first, again: getContext().traceId, same: request.hoptrace === getContext() };
        });
        return listenApp(app);
      },
      readsId: [
        'leaves them unread when the handler reads the request ID',
        (answer) => {
          const body = answer as { id: string; requestId: string };
          expect(body.requestId).toBe('abc');
          if (withServerOptions) expect(body.id).toBe('abc');
        },
      ],
      readsTrace: [
        'reads them once, when request.hoptrace or getContext() is first read',
        (body, trace) => expect(body).toEqual({ first: trace, again: trace, same: true }),
      ],
    });
  },
);
