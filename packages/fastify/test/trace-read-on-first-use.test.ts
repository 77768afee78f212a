// The trace headers of a request are read the first time its context is used, not on arrival:
// a handler that reads only the request ID never pays for them (core's ContextSlot).
import type { IncomingMessage } from 'node:http';
import { countHeaderReads, type HeaderReads, send } from '@hoptrace/test-utils';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getContext, getRequestId, hoptrace, hoptraceServerOptions } from '../src/index.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

const B3 = '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1';
const TRACE = '80f198ee56343ba864fe8b2a57d3eff7';

/** With `hoptraceServerOptions()`, whose genReqId reads the request ID before any hook runs. */
const WITH_SERVER_OPTIONS = [true, false] as const;

describe.each(
  FASTIFY_VERSIONS.flatMap(([name, factory]) =>
    WITH_SERVER_OPTIONS.map((withServerOptions) => [name, factory, withServerOptions] as const),
  ),
)(
  '%s (server options: %s): trace headers read on first use',
  (_name, factory, withServerOptions) => {
    let app: FastifyInstance;
    let port: number;
    let counted: HeaderReads | undefined;

    beforeAll(async () => {
      const { genReqId } = hoptraceServerOptions();
      const count = (raw: IncomingMessage) => {
        counted = countHeaderReads(raw.headers, 'b3');
      };
      app = factory(
        withServerOptions
          ? {
              requestIdHeader: false,
              genReqId: (raw: IncomingMessage) => {
                count(raw);
                return genReqId(raw);
              },
            }
          : {},
      );
      if (!withServerOptions) {
        app.addHook('onRequest', (request, _reply, done) => {
          count(request.raw);
          done();
        });
      }
      await app.register(hoptrace);
      app.get('/id', (request) => ({ id: request.id, requestId: getRequestId() }));
      app.get('/trace', (request) => {
        const first = request.hoptrace.traceId;
        return { first, again: getContext().traceId, same: request.hoptrace === getContext() };
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      port = typeof address === 'object' && address !== null ? address.port : 0;
    });

    afterAll(async () => {
      await app.close();
    });

    it('leaves them unread when the handler reads the request ID', async () => {
      const response = await send(port, {
        path: '/id',
        headers: { 'x-request-id': 'abc', b3: B3 },
      });
      const body = JSON.parse(response.body) as { id: string; requestId: string };
      expect(body.requestId).toBe('abc');
      if (withServerOptions) expect(body.id).toBe('abc');
      expect(response.headers['x-request-id']).toBe('abc');
      expect(counted?.reads).toBe(0);
    });

    it('reads them once, when request.hoptrace or getContext() is first read', async () => {
      const response = await send(port, { path: '/trace', headers: { b3: B3 } });
      expect(JSON.parse(response.body)).toEqual({ first: TRACE, again: TRACE, same: true });
      expect(counted?.reads).toBe(1);
    });
  },
);
