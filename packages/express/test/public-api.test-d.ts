import express, {
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Router,
} from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import {
  getContext,
  getRequestId,
  type HoptraceOptions,
  type HoptraceRequestFields,
  hoptrace,
  type TraceContext,
  tryGetContext,
} from '../src/index.js';

describe('public types', () => {
  it('hoptrace(options?) returns an Express RequestHandler', () => {
    expectTypeOf(hoptrace).parameters.toEqualTypeOf<[options?: HoptraceOptions]>();
    expectTypeOf(hoptrace()).toEqualTypeOf<RequestHandler>();
    express().use(hoptrace({ requestIdHeader: 'x-correlation-id', mode: 'child' }));
    const router: Router = express.Router();
    router.use(hoptrace());
  });

  it('checks options at compile time', () => {
    // @ts-expect-error unknown mode
    hoptrace({ mode: 'sideways' });
    // @ts-expect-error unknown format
    hoptrace({ formats: ['b3'] });
    // @ts-expect-error not an options object
    hoptrace('x-request-id');
  });

  it('re-exports the context accessors', () => {
    expectTypeOf(getContext).returns.toEqualTypeOf<TraceContext>();
    expectTypeOf(tryGetContext).returns.toEqualTypeOf<TraceContext | undefined>();
    expectTypeOf(getRequestId).returns.toEqualTypeOf<string | undefined>();
  });
});

describe('module augmentation of Express.Request', () => {
  it('types req.id and req.hoptrace in handlers, with no cast', () => {
    expectTypeOf<Request['id']>().toEqualTypeOf<string>();
    expectTypeOf<Request['hoptrace']>().toEqualTypeOf<TraceContext>();
    expectTypeOf<Express.Request>().toExtend<HoptraceRequestFields>();
    express().get('/', (req, res) => {
      expectTypeOf(req.id).toEqualTypeOf<string>();
      expectTypeOf(req.hoptrace).toEqualTypeOf<TraceContext>();
      expectTypeOf(req.hoptrace.traceId).toEqualTypeOf<string | undefined>();
      res.json({ id: req.id });
    });
  });

  it('also in routers with typed params and in error-handling middleware', () => {
    express.Router().get('/orders/:orderId', (req, res) => {
      expectTypeOf(req.params.orderId).toEqualTypeOf<string>();
      expectTypeOf(req.id).toEqualTypeOf<string>();
      res.end();
    });
    const onError: ErrorRequestHandler = (_error, req, res, _next) => {
      expectTypeOf(req.hoptrace).toEqualTypeOf<TraceContext>();
      res.status(500).end();
    };
    express().use(onError);
  });

  it('keeps the trace context read-only through req.hoptrace', () => {
    express().get('/', (req, res) => {
      // @ts-expect-error the context is immutable
      req.hoptrace.requestId = 'spoofed';
      res.end();
    });
  });
});

describe('HoptraceOptionsError', () => {
  it("is core's class, exported here too", async () => {
    const core = await import('@hoptrace/core');
    const here = await import('../src/index.js');
    expectTypeOf(here.HoptraceOptionsError).toEqualTypeOf<typeof core.HoptraceOptionsError>();
  });
});
