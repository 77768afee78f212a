import {
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  type SpanContext,
  type TextMapPropagator,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { afterEach, describe, expect, it } from 'vitest';
import type { HeaderFormat } from '../src/codec/headers.js';
import { randomHexId } from '../src/codec/hex-id.js';
import { extract } from '../src/engine/extract.js';
import { outboundHeaders } from '../src/engine/inject.js';
import { bridgeOpenTelemetry, HoptracePropagator } from '../src/otel/index.js';

const propagators = {
  'b3-single': new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER }),
  'b3-multi': new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
  traceparent: new W3CTraceContextPropagator(),
} as const;

type Format = keyof typeof propagators;
const FORMATS = Object.keys(propagators) as Format[];

function otelWrite(format: Format, spanContext: SpanContext): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagators[format].inject(
    trace.setSpanContext(ROOT_CONTEXT, spanContext),
    carrier,
    defaultTextMapSetter,
  );
  return carrier;
}

function otelRead(format: Format, carrier: Record<string, string>): SpanContext | undefined {
  return trace.getSpanContext(
    propagators[format].extract(ROOT_CONTEXT, carrier, defaultTextMapGetter),
  );
}

describe('round trips with the OpenTelemetry propagators', () => {
  for (const format of FORMATS) {
    for (const sampled of [true, false]) {
      it(`reads what OTel writes: ${format}, sampled=${sampled}`, () => {
        for (let round = 0; round < 50; round++) {
          const spanContext: SpanContext = {
            traceId: randomHexId(16),
            spanId: randomHexId(8),
            traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
          };
          const context = extract(otelWrite(format, spanContext));
          expect(context.traceSource).toBe(format);
          expect(context.traceId).toBe(spanContext.traceId);
          expect(context.spanId).toBe(spanContext.spanId);
          expect(context.sampled).toBe(sampled);
          expect(context.rejected).toEqual([]);
        }
      });

      it(`writes what OTel reads: ${format}, sampled=${sampled}, child mode`, () => {
        const options = { mode: 'child' as const, formats: [format] as HeaderFormat[] };
        for (let round = 0; round < 50; round++) {
          const incoming = `${randomHexId(16)}-${randomHexId(8)}-${sampled ? '1' : '0'}`;
          const context = extract({ b3: incoming }, { mode: 'child' });
          const headers = outboundHeaders(context, options);
          const read = otelRead(format, headers);
          expect(read?.isRemote).toBe(true);
          expect(read?.traceId).toBe(context.traceId);
          expect(read?.spanId).not.toBe(context.spanId);
          expect(read?.traceFlags).toBe(sampled ? TraceFlags.SAMPLED : TraceFlags.NONE);
        }
      });
    }
  }

  it('writes a 64-bit B3 trace ID that OTel reads (OTel pads it to 128 bits; we keep it at 64)', () => {
    const context = extract({ b3: '80f198ee56343ba8-e457b5a2e4d86bd1-1' });
    const headers = outboundHeaders(context, { mode: 'child' });
    expect(headers['x-b3-traceid']).toBe('80f198ee56343ba8');
    expect(otelRead('b3-multi', headers)?.traceId).toBe('000000000000000080f198ee56343ba8');
    expect(otelRead('traceparent', headers)?.traceId).toBe('000000000000000080f198ee56343ba8');
  });

  it('keeps tracestate through a round trip with the W3C propagator', () => {
    const spanContext: SpanContext = {
      traceId: randomHexId(16),
      spanId: randomHexId(8),
      traceFlags: 1,
    };
    const carrier = otelWrite('traceparent', spanContext);
    carrier.tracestate = 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE';
    const context = extract(carrier, { mode: 'child' });
    const read = otelRead('traceparent', outboundHeaders(context, { mode: 'child' }));
    expect(read?.traceState?.serialize()).toBe('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
  });
});

describe('HoptracePropagator in place of an OpenTelemetry composite propagator', () => {
  afterEach(() => {
    bridgeOpenTelemetry()();
  });

  /** OpenTelemetry's usual set: W3C Trace Context, W3C Baggage, B3 (single written). */
  const composite = new CompositePropagator({
    propagators: [
      new W3CTraceContextPropagator(),
      new W3CBaggagePropagator(),
      new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER }),
    ],
  });
  const ours = new HoptracePropagator({ formats: ['traceparent', 'baggage', 'b3-single'] });

  function seen(propagator: TextMapPropagator, headers: Record<string, string>) {
    const context: Context = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    return {
      span: trace.getSpanContext(context),
      baggage: propagation
        .getBaggage(context)
        ?.getAllEntries()
        .map(([key, entry]) => [key, entry.value, entry.metadata?.toString()]),
    };
  }

  it('gives the app the span context and baggage the composite gives it', () => {
    for (let round = 0; round < 20; round++) {
      const traceId = randomHexId(16);
      const spanId = randomHexId(8);
      const headers = {
        traceparent: `00-${traceId}-${spanId}-0${round % 2}`,
        baggage: `user=u${round}%20x,region=eu;ttl=${round}`,
      };
      const theirs = seen(composite, headers);
      const mine = seen(ours, headers);
      // The composite's TraceState is @opentelemetry/core's class, ours the API's: same content.
      expect({ ...mine.span, traceState: undefined }).toEqual({
        ...theirs.span,
        traceState: undefined,
      });
      expect(mine.baggage).toEqual(theirs.baggage);
    }
  });

  it('writes for a span and baggage what the composite reads back the same', () => {
    const spanContext = { traceId: randomHexId(16), spanId: randomHexId(8), traceFlags: 1 };
    const context = propagation.setBaggage(
      trace.setSpanContext(ROOT_CONTEXT, spanContext),
      propagation.createBaggage({ 'tenant id': { value: 'a,b;c' } }),
    );
    const carrier: Record<string, string> = {};
    ours.inject(context, carrier, defaultTextMapSetter);
    const back = composite.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
    expect(trace.getSpanContext(back)).toMatchObject(spanContext);
    expect(propagation.getBaggage(back)?.getEntry('tenant id')?.value).toBe('a,b;c');
  });
});
