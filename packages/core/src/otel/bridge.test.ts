import { setTimeout as sleep } from 'node:timers/promises';
import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  type Span,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  currentContextFallback,
  getContext,
  getRequestId,
  runWithContext,
  tryGetContext,
} from '../context/context-storage.js';
import { logFields } from '../context/log-fields.js';
import { currentActiveSpanSource } from '../engine/active-span.js';
import { extract } from '../engine/extract.js';
import { injectHeaders, outboundHeaders } from '../engine/inject.js';
import { NoActiveContextError } from '../errors.js';
import { bridgeOpenTelemetry } from './bridge.js';
import { HoptracePropagator } from './hoptrace-propagator.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const INCOMING = {
  'x-request-id': 'req-1',
  traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
  tracestate: 'rojo=00f067aa0ba902b7',
  b3: `${TRACE_ID}-${SPAN_ID}-1`,
  baggage: 'userId=alice',
};

const exporter = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(exporter)],
}).getTracer('hoptrace-bridge-test');
const unsampledTracer = new BasicTracerProvider({ sampler: new AlwaysOffSampler() }).getTracer(
  'hoptrace-bridge-test-off',
);

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => {
  context.disable();
  propagation.disable();
});
afterEach(() => {
  bridgeOpenTelemetry()();
  exporter.reset();
});

/** What OpenTelemetry's http instrumentation does with an incoming request's headers. */
function otelExtract(headers: Record<string, string>) {
  return new HoptracePropagator().extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
}

function spanIds(span: Span): { traceId: string; spanId: string } {
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}

describe('bridgeOpenTelemetry: the context fallback', () => {
  it('makes the extracted hoptrace context current inside context.with', async () => {
    const extracted = otelExtract(INCOMING);
    bridgeOpenTelemetry();
    await context.with(extracted, async () => {
      await sleep(1);
      expect(getContext().requestId).toBe('req-1');
      expect(tryGetContext()?.traceId).toBe(TRACE_ID);
      expect(getRequestId()).toBe('req-1');
      expect(logFields()).toEqual({ requestId: 'req-1', traceId: TRACE_ID, spanId: SPAN_ID });
      // Also under the server span OpenTelemetry's instrumentation opens in that context.
      await tracer.startActiveSpan('server', async (span) => {
        await sleep(1);
        expect(getRequestId()).toBe('req-1');
        span.end();
      });
    });
    expect(tryGetContext()).toBeUndefined();
  });

  it("leaves hoptrace's own store first", () => {
    bridgeOpenTelemetry();
    context.with(otelExtract(INCOMING), () => {
      runWithContext(extract({ 'x-request-id': 'own' }), () => {
        expect(getRequestId()).toBe('own');
      });
    });
  });

  it('is gone after unbridge', () => {
    // Made first: constructing a HoptracePropagator bridges.
    const extracted = otelExtract(INCOMING);
    bridgeOpenTelemetry()();
    context.with(extracted, () => {
      expect(() => getContext()).toThrow(NoActiveContextError);
      expect(getRequestId()).toBeUndefined();
      expect(logFields()).toEqual({});
    });
  });
});

describe('bridgeOpenTelemetry: the active span', () => {
  it('outboundHeaders carries the active local span exactly, in every format', () => {
    bridgeOpenTelemetry();
    const hoptraceContext = extract(INCOMING);
    context.with(otelExtract(INCOMING), () => {
      tracer.startActiveSpan('server', (span) => {
        const { traceId, spanId } = spanIds(span);
        expect(traceId).toBe(TRACE_ID);
        expect(outboundHeaders(hoptraceContext)).toEqual({
          'x-request-id': 'req-1',
          b3: `${TRACE_ID}-${spanId}-1`,
          'x-b3-traceid': TRACE_ID,
          'x-b3-spanid': spanId,
          'x-b3-sampled': '1',
          traceparent: `00-${TRACE_ID}-${spanId}-01`,
          // The SDK's span inherits its parent's trace state.
          tracestate: 'rojo=00f067aa0ba902b7',
          baggage: 'userId=alice',
        });
        // Child mode mints nothing: the span is the one OpenTelemetry reports.
        expect(outboundHeaders(hoptraceContext, { mode: 'child' })['x-b3-spanid']).toBe(spanId);
        span.end();
      });
    });
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('carries the innermost span: a client span inside the server span', () => {
    bridgeOpenTelemetry();
    runWithContext(extract(INCOMING), () => {
      tracer.startActiveSpan('server', (server) => {
        tracer.startActiveSpan('client', (client) => {
          const headers = injectHeaders(getContext(), new Headers());
          expect(headers.get('x-b3-spanid')).toBe(spanIds(client).spanId);
          expect(headers.get('x-b3-parentspanid')).toBeNull();
          client.end();
        });
        expect(outboundHeaders(getContext())['x-b3-spanid']).toBe(spanIds(server).spanId);
        server.end();
      });
    });
  });

  it('writes an unsampled span as unsampled', () => {
    bridgeOpenTelemetry();
    const options = { formats: ['b3-single', 'traceparent'] } as const;
    const extracted = otelExtract(INCOMING);
    runWithContext(extract(INCOMING, options), () => {
      context.with(extracted, () => {
        unsampledTracer.startActiveSpan('server', (span) => {
          const { spanId } = spanIds(span);
          expect(outboundHeaders(getContext(), options)).toEqual({
            'x-request-id': 'req-1',
            b3: `${TRACE_ID}-${spanId}-0`,
            traceparent: `00-${TRACE_ID}-${spanId}-00`,
            tracestate: 'rojo=00f067aa0ba902b7',
          });
          span.end();
        });
      });
    });
  });

  it('keeps a 64-bit B3 trace ID at its width in B3, and B3 debug on', () => {
    bridgeOpenTelemetry();
    const incoming = { b3: '80f198ee56343ba8-e457b5a2e4d86bd1-d' };
    runWithContext(extract(incoming), () => {
      context.with(otelExtract(incoming), () => {
        tracer.startActiveSpan('server', (span) => {
          const { traceId, spanId } = spanIds(span);
          expect(traceId).toBe('000000000000000080f198ee56343ba8');
          const headers = outboundHeaders(getContext(), { formats: ['b3-multi', 'traceparent'] });
          expect(headers).toEqual({
            'x-request-id': getRequestId(),
            'x-b3-traceid': '80f198ee56343ba8',
            'x-b3-spanid': spanId,
            'x-b3-flags': '1',
            traceparent: `00-000000000000000080f198ee56343ba8-${spanId}-01`,
          });
          span.end();
        });
      });
    });
  });

  it('with only the remote span context active, behaves as without the bridge', () => {
    bridgeOpenTelemetry();
    const hoptraceContext = extract(INCOMING);
    context.with(otelExtract(INCOMING), () => {
      expect(outboundHeaders(hoptraceContext)).toEqual(INCOMING);
    });
  });

  it("completes OpenTelemetry's own traceparent of the active span with the other formats", () => {
    const extracted = otelExtract(INCOMING);
    bridgeOpenTelemetry();
    runWithContext(extract(INCOMING), () => {
      context.with(extracted, () =>
        tracer.startActiveSpan('client', (span) => {
          // What OpenTelemetry's instrumentation injects with its default (W3C) propagator.
          const carrier: Record<string, string> = { accept: 'application/json' };
          new W3CTraceContextPropagator().inject(context.active(), carrier, defaultTextMapSetter);
          const { spanId } = spanIds(span);
          injectHeaders(getContext(), carrier);
          expect(carrier).toMatchObject({
            'x-request-id': 'req-1',
            b3: `${TRACE_ID}-${spanId}-1`,
            'x-b3-spanid': spanId,
            traceparent: `00-${TRACE_ID}-${spanId}-01`,
          });
          span.end();
        }),
      );
    });
  });

  it("keeps a caller's other identity whole and adds only the request ID and opaque headers", () => {
    bridgeOpenTelemetry();
    runWithContext(extract(INCOMING), () => {
      tracer.startActiveSpan('server', (span) => {
        const own = '00-11111111111111111111111111111111-2222222222222222-01';
        const carrier = injectHeaders(getContext(), { traceparent: own });
        expect(carrier).toEqual({
          traceparent: own,
          'x-request-id': 'req-1',
          baggage: 'userId=alice',
        });
        span.end();
      });
    });
  });

  it('a root span OpenTelemetry started (it did not extract the incoming trace) wins too', () => {
    bridgeOpenTelemetry();
    runWithContext(extract(INCOMING), () => {
      tracer.startActiveSpan('server', (span) => {
        const { traceId, spanId } = spanIds(span);
        expect(traceId).not.toBe(TRACE_ID);
        expect(outboundHeaders(getContext()).traceparent).toBe(`00-${traceId}-${spanId}-01`);
        span.end();
      });
    });
  });

  it('is gone after unbridge: the incoming headers are forwarded again', () => {
    bridgeOpenTelemetry()();
    runWithContext(extract(INCOMING), () => {
      tracer.startActiveSpan('server', (span) => {
        expect(outboundHeaders(getContext())).toEqual(INCOMING);
        span.end();
      });
    });
  });
});

describe('bridgeOpenTelemetry: registration', () => {
  it('is idempotent, and one unbridge removes what any call registered', () => {
    expect(currentActiveSpanSource()).toBeUndefined();
    const unbridge = bridgeOpenTelemetry();
    const source = currentActiveSpanSource();
    const fallback = currentContextFallback();
    expect(source).toBeTypeOf('function');
    expect(fallback).toBeTypeOf('function');
    bridgeOpenTelemetry();
    new HoptracePropagator();
    expect(currentActiveSpanSource()).toBe(source);
    expect(currentContextFallback()).toBe(fallback);
    unbridge();
    expect(currentActiveSpanSource()).toBeUndefined();
    expect(currentContextFallback()).toBeUndefined();
    unbridge();
  });

  it('keeps a hoptrace global propagator consistent with what hoptrace writes', () => {
    propagation.setGlobalPropagator(new HoptracePropagator());
    runWithContext(extract(INCOMING), () => {
      tracer.startActiveSpan('client', (span) => {
        const viaOtel: Record<string, string> = {};
        propagation.inject(context.active(), viaOtel);
        expect(viaOtel).toEqual(outboundHeaders(getContext()));
        expect(viaOtel['x-b3-spanid']).toBe(spanIds(span).spanId);
        span.end();
      });
    });
    propagation.disable();
  });
});
