import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyPluginCallback, type FastifyRequest } from 'fastify';
import fastify4 from 'fastify4';
import { describe, expectTypeOf, it } from 'vitest';
import defaultExport, {
  type FastifyHoptraceOptions,
  getContext,
  type HoptraceOptions,
  type HoptraceServerOptions,
  hoptrace,
  hoptraceServerOptions,
  type TraceContext,
} from '../src/index.js';

describe('public types', () => {
  it('the plugin is a Fastify plugin taking core’s options, also as the default export', () => {
    expectTypeOf(hoptrace).toEqualTypeOf<FastifyPluginCallback<FastifyHoptraceOptions>>();
    expectTypeOf(defaultExport).toEqualTypeOf(hoptrace);
    expectTypeOf<FastifyHoptraceOptions>().toEqualTypeOf<HoptraceOptions>();
    const app = Fastify();
    app.register(hoptrace);
    app.register(hoptrace, { mode: 'child', requestIdHeader: 'x-correlation-id' });
    app.register(hoptrace, { logLevel: 'warn' });
    // @ts-expect-error unknown mode
    app.register(hoptrace, { mode: 'sideways' });
  });

  it('hoptraceServerOptions() is accepted by Fastify 5 and Fastify 4', () => {
    expectTypeOf(hoptraceServerOptions).parameter(0).toEqualTypeOf<HoptraceOptions | undefined>();
    expectTypeOf(hoptraceServerOptions()).toEqualTypeOf<HoptraceServerOptions>();
    expectTypeOf(hoptraceServerOptions().genReqId).toEqualTypeOf<
      (request: IncomingMessage) => string
    >();
    expectTypeOf(hoptraceServerOptions().requestIdHeader).toEqualTypeOf<false>();
    Fastify(hoptraceServerOptions());
    Fastify({ logger: true, ...hoptraceServerOptions({ requestIdHeader: 'x-correlation-id' }) });
    fastify4(hoptraceServerOptions());
    fastify4({ logger: true, ...hoptraceServerOptions() });
  });

  it('request.hoptrace is a TraceContext with no cast', () => {
    expectTypeOf<FastifyRequest['hoptrace']>().toEqualTypeOf<TraceContext>();
    const app = Fastify();
    app.get('/', (request) => {
      expectTypeOf(request.hoptrace).toEqualTypeOf<TraceContext>();
      expectTypeOf(request.hoptrace.requestId).toEqualTypeOf<string>();
      return { traceId: request.hoptrace.traceId };
    });
    app.addHook('onResponse', async (request) => {
      expectTypeOf(request.hoptrace.sampled).toEqualTypeOf<boolean | undefined>();
    });
  });

  it('re-exports the context accessors', () => {
    expectTypeOf(getContext()).toEqualTypeOf<TraceContext>();
  });
});

describe('HoptraceOptionsError', () => {
  it("is core's class, exported here too", async () => {
    const core = await import('@hoptrace/core');
    const here = await import('../src/index.js');
    expectTypeOf(here.HoptraceOptionsError).toEqualTypeOf<typeof core.HoptraceOptionsError>();
  });
});
