import {
  type Context,
  createTraceState,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { afterEach, describe, expect, it } from 'vitest';
import { randomHexId } from '../codec/hex-id.js';
import { runWithContext } from '../context/context-storage.js';
import type { TraceContext } from '../context/trace-context.js';
import { extract } from '../engine/extract.js';
import { outboundHeaders } from '../engine/inject.js';
import type { HoptraceOptions } from '../engine/options.js';
import { HoptraceOptionsError } from '../errors.js';
import { bridgeOpenTelemetry } from './bridge.js';
import { HOPTRACE_CONTEXT_KEY } from './context-key.js';
import { HoptracePropagator } from './hoptrace-propagator.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';

afterEach(() => {
  // The constructor bridges; each test starts from a core with nothing registered.
  bridgeOpenTelemetry()();
});

function otelExtract(
  propagator: TextMapPropagator,
  headers: Record<string, string | string[]>,
): Context {
  return propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
}

function otelInject(propagator: TextMapPropagator, context: Context): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagator.inject(context, carrier, defaultTextMapSetter);
  return carrier;
}

function hoptraceOf(context: Context): TraceContext {
  return context.getValue(HOPTRACE_CONTEXT_KEY) as TraceContext;
}

/** A context holding a local span (as the SDK's tracer makes), not a remote one. */
function withLocalSpan(context: Context, spanContext: Omit<SpanContext, 'isRemote'>): Context {
  return trace.setSpanContext(context, { ...spanContext, isRemote: false });
}

const SAMPLES: Record<string, Record<string, string>> = {
  traceparent: {
    'x-request-id': 'req-1',
    traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
    tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
    baggage: 'userId=alice',
  },
  'b3 single with parent': {
    'x-request-id': 'req-2',
    b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90',
  },
  'b3 multi, deferred': {
    'x-b3-traceid': '463ac35c9f6413ad48485a3953bb6124',
    'x-b3-spanid': 'a2fb4a1d1a96d312',
  },
  'b3 debug': { b3: '463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312-d' },
  'istio sidecar': {
    'x-request-id': 'f2b6b1a2-1d34-4f0c-9c3a-2c1c5f6e7a80',
    'x-b3-traceid': '80f198ee56343ba8',
    'x-b3-spanid': 'e457b5a2e4d86bd1',
    'x-b3-parentspanid': '05e3ac9a4f6e3b90',
    'x-b3-sampled': '1',
    'x-ot-span-context': '80f198ee56343ba8;e457b5a2e4d86bd1;05e3ac9a4f6e3b90;cs',
  },
  'no trace': { 'x-request-id': 'req-3' },
};

describe('HoptracePropagator: construction and fields', () => {
  it('validates options as createHoptrace does', () => {
    expect(() => new HoptracePropagator({ mode: 'sideways' as 'child' })).toThrow(
      HoptraceOptionsError,
    );
    expect(() => new HoptracePropagator({ requestIdHeader: 'cookie' })).toThrow(/requestIdHeader/);
  });

  it('lists every header it reads or writes, each format in OpenTelemetry’s order', () => {
    expect(new HoptracePropagator().fields()).toEqual([
      'x-request-id',
      'x-correlation-id',
      'b3',
      'x-b3-traceid',
      'x-b3-spanid',
      'x-b3-flags',
      'x-b3-sampled',
      'x-b3-parentspanid',
      'traceparent',
      'tracestate',
      'x-ot-span-context',
      'baggage',
    ]);
  });

  it('lists only the enabled formats, and the exact forwardHeaders names', () => {
    const propagator = new HoptracePropagator({
      requestIdHeader: 'X-Correlation-ID',
      formats: ['traceparent'],
      forwardHeaders: ['x-client-trace-id', 'l5d-ctx-*'],
    });
    // x-correlation-id is the request ID header here, so correlation is off.
    expect(propagator.fields()).toEqual([
      'x-correlation-id',
      'traceparent',
      'tracestate',
      'x-client-trace-id',
    ]);
    const fields = propagator.fields();
    fields.push('mutated');
    expect(propagator.fields()).not.toContain('mutated');
  });
});

describe('HoptracePropagator.extract', () => {
  it('sets the incoming identity as the remote span context, and keeps the hoptrace context', () => {
    const context = otelExtract(new HoptracePropagator(), SAMPLES.traceparent ?? {});
    const spanContext = trace.getSpanContext(context);
    expect(spanContext).toMatchObject({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(spanContext?.traceState?.serialize()).toBe('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
    expect(hoptraceOf(context)).toEqual(extract(SAMPLES.traceparent ?? {}));
  });

  it('stores exactly what core extract returns, for every sample', () => {
    for (const [name, headers] of Object.entries(SAMPLES)) {
      const stored = hoptraceOf(otelExtract(new HoptracePropagator(), headers));
      const expected = extract(headers);
      expect(stored, name).toEqual({
        ...expected,
        // Generated where none arrived: random on each call.
        requestId: headers['x-request-id'] === undefined ? stored.requestId : expected.requestId,
        traceId: expected.traceSource === 'generated' ? stored.traceId : expected.traceId,
        spanId: expected.traceSource === 'generated' ? stored.spanId : expected.spanId,
      });
    }
  });

  it('pads a 64-bit B3 trace ID to 32 hex, as OpenTelemetry requires', () => {
    const context = otelExtract(new HoptracePropagator(), {
      b3: '80f198ee56343ba8-e457b5a2e4d86bd1-1',
    });
    expect(trace.getSpanContext(context)?.traceId).toBe('000000000000000080f198ee56343ba8');
    expect(hoptraceOf(context).traceId).toBe('80f198ee56343ba8');
  });

  it('maps sampling: accept and debug to SAMPLED, deny and defer to NONE', () => {
    const flags = (b3: string) =>
      trace.getSpanContext(otelExtract(new HoptracePropagator(), { b3 }))?.traceFlags;
    const ids = '463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312';
    expect(flags(`${ids}-1`)).toBe(TraceFlags.SAMPLED);
    expect(flags(`${ids}-d`)).toBe(TraceFlags.SAMPLED);
    expect(flags(`${ids}-0`)).toBe(TraceFlags.NONE);
    expect(flags(ids)).toBe(TraceFlags.NONE);
  });

  it('sets no span context when no trace arrived (OpenTelemetry starts its own root)', () => {
    const context = otelExtract(new HoptracePropagator(), { 'x-request-id': 'req-3' });
    expect(trace.getSpanContext(context)).toBeUndefined();
    expect(hoptraceOf(context).requestId).toBe('req-3');
    expect(hoptraceOf(context).traceSource).toBe('generated');
  });

  it('reads repeated headers through the getter as hoptrace does (two traceparents: invalid)', () => {
    const traceparent = [`00-${TRACE_ID}-${SPAN_ID}-01`, `00-${TRACE_ID}-${SPAN_ID}-01`];
    // Nothing valid arrived: the context is returned as it was.
    expect(otelExtract(new HoptracePropagator(), { traceparent })).toBe(ROOT_CONTEXT);
    const context = otelExtract(new HoptracePropagator(), { 'x-request-id': 'req-4', traceparent });
    expect(trace.getSpanContext(context)).toBeUndefined();
    expect(hoptraceOf(context).rejected).toContainEqual({
      header: 'traceparent',
      reason: 'multiple-values',
      length: 112,
    });
  });

  it('keeps the values already in the given context', () => {
    const key = Symbol('other');
    const context = new HoptracePropagator().extract(
      ROOT_CONTEXT.setValue(key, 'kept'),
      SAMPLES.traceparent,
      defaultTextMapGetter,
    );
    expect(context.getValue(key)).toBe('kept');
  });
});

describe('HoptracePropagator.inject', () => {
  for (const mode of ['forward', 'child'] as const) {
    it(`writes after its own extract what core writes (${mode})`, () => {
      const options: HoptraceOptions = { mode };
      const propagator = new HoptracePropagator(options);
      for (const [name, headers] of Object.entries(SAMPLES)) {
        const context = otelExtract(propagator, headers);
        const written = otelInject(propagator, context);
        const expected = outboundHeaders(hoptraceOf(context), options);
        if (hoptraceOf(context).traceSource === 'generated') {
          // A trace the propagator's extract made up is no span OpenTelemetry reports: not sent.
          expect(written, name).toEqual({ 'x-request-id': headers['x-request-id'] });
          continue;
        }
        if (mode === 'forward') {
          expect(written, name).toEqual(expected);
          continue;
        }
        // A new span ID per call: everything else is equal.
        const span = written['x-b3-spanid'];
        expect(span, name).toMatch(/^[0-9a-f]{16}$/);
        expect(written, name).toEqual({
          ...expected,
          ...(expected.b3 === undefined
            ? {}
            : { b3: expected.b3.replace(/-[0-9a-f]{16}/, `-${span}`) }),
          'x-b3-spanid': span,
          ...(expected.traceparent === undefined
            ? {}
            : { traceparent: expected.traceparent.replace(/-[0-9a-f]{16}-/, `-${span}-`) }),
        });
      }
    });
  }

  it('writes a local span of the given context exactly: its IDs and flags, no B3 parent', () => {
    const propagator = new HoptracePropagator();
    const extracted = otelExtract(propagator, SAMPLES['istio sidecar'] ?? {});
    const spanId = randomHexId(8);
    const written = otelInject(
      propagator,
      withLocalSpan(extracted, {
        traceId: '000000000000000080f198ee56343ba8',
        spanId,
        traceFlags: TraceFlags.SAMPLED,
      }),
    );
    expect(written).toEqual({
      'x-request-id': 'f2b6b1a2-1d34-4f0c-9c3a-2c1c5f6e7a80',
      // The trace arrived as 64-bit B3: B3 keeps that width, traceparent pads it.
      b3: `80f198ee56343ba8-${spanId}-1`,
      'x-b3-traceid': '80f198ee56343ba8',
      'x-b3-spanid': spanId,
      'x-b3-sampled': '1',
      traceparent: `00-000000000000000080f198ee56343ba8-${spanId}-01`,
      'x-ot-span-context': '80f198ee56343ba8;e457b5a2e4d86bd1;05e3ac9a4f6e3b90;cs',
    });
  });

  it("writes the span's tracestate, not the incoming one", () => {
    const propagator = new HoptracePropagator({ formats: ['traceparent'] });
    const extracted = otelExtract(propagator, SAMPLES.traceparent ?? {});
    const written = otelInject(
      propagator,
      withLocalSpan(extracted, {
        traceId: TRACE_ID,
        spanId: '00f067aa0ba902b7',
        traceFlags: TraceFlags.NONE,
        traceState: createTraceState('vendor=mine,rojo=00f067aa0ba902b7'),
      }),
    );
    expect(written).toEqual({
      'x-request-id': 'req-1',
      traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-00`,
      tracestate: 'vendor=mine,rojo=00f067aa0ba902b7',
    });
  });

  it('takes the hoptrace context from hoptrace’s store when the given context has none', () => {
    const propagator = new HoptracePropagator();
    runWithContext(extract(SAMPLES.traceparent ?? {}), () => {
      expect(otelInject(propagator, ROOT_CONTEXT)).toEqual(
        outboundHeaders(extract(SAMPLES.traceparent ?? {})),
      );
    });
  });

  it('without any hoptrace context: the span alone, or nothing', () => {
    const propagator = new HoptracePropagator({ formats: ['b3-single', 'traceparent'] });
    expect(otelInject(propagator, ROOT_CONTEXT)).toEqual({});
    const spanContext = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED };
    expect(otelInject(propagator, withLocalSpan(ROOT_CONTEXT, spanContext))).toEqual({
      b3: `${TRACE_ID}-${SPAN_ID}-1`,
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
    });
    // A remote span context that is not hoptrace's (another propagator extracted it) too.
    expect(
      otelInject(
        propagator,
        trace.setSpanContext(ROOT_CONTEXT, { ...spanContext, isRemote: true }),
      ),
    ).toEqual({ b3: `${TRACE_ID}-${SPAN_ID}-1`, traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
  });

  it('ignores an invalid span context, and span IDs OpenTelemetry accepts but hoptrace does not', () => {
    const propagator = new HoptracePropagator();
    const extracted = otelExtract(propagator, SAMPLES.traceparent ?? {});
    const expected = outboundHeaders(hoptraceOf(extracted));
    for (const spanContext of [
      { traceId: '0'.repeat(32), spanId: SPAN_ID, traceFlags: 1 },
      { traceId: TRACE_ID.toUpperCase(), spanId: SPAN_ID, traceFlags: 1 },
      { traceId: TRACE_ID, spanId: SPAN_ID.toUpperCase(), traceFlags: 1 },
    ]) {
      expect(otelInject(propagator, withLocalSpan(extracted, spanContext))).toEqual(expected);
    }
  });
});

describe('interop with the OpenTelemetry propagators', () => {
  const theirs = {
    traceparent: new W3CTraceContextPropagator(),
    'b3-single': new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER }),
    'b3-multi': new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
  } as const;

  for (const [format, propagator] of Object.entries(theirs)) {
    for (const sampled of [true, false]) {
      const traceFlags = sampled ? TraceFlags.SAMPLED : TraceFlags.NONE;

      it(`extracts what ${format} injects to the same span context (sampled=${sampled})`, () => {
        const ours = new HoptracePropagator();
        for (let round = 0; round < 20; round++) {
          const spanContext = { traceId: randomHexId(16), spanId: randomHexId(8), traceFlags };
          const headers = otelInject(propagator, withLocalSpan(ROOT_CONTEXT, spanContext));
          expect(trace.getSpanContext(otelExtract(ours, headers))).toEqual(
            trace.getSpanContext(otelExtract(propagator, headers)),
          );
        }
      });

      it(`injects what ${format} extracts to the same span context (sampled=${sampled})`, () => {
        const ours = new HoptracePropagator();
        for (let round = 0; round < 20; round++) {
          const spanContext = {
            traceId: randomHexId(16),
            spanId: randomHexId(8),
            traceFlags,
            traceState: createTraceState(`vendor=${randomHexId(8)}`),
          };
          const headers = otelInject(ours, withLocalSpan(ROOT_CONTEXT, spanContext));
          const read = trace.getSpanContext(otelExtract(propagator, headers));
          expect(read).toMatchObject({
            traceId: spanContext.traceId,
            spanId: spanContext.spanId,
            traceFlags,
            isRemote: true,
          });
          if (format === 'traceparent') {
            expect(read?.traceState?.serialize()).toBe(spanContext.traceState.serialize());
          }
        }
      });
    }
  }

  it('round-trips a 64-bit B3 trace through OpenTelemetry’s B3 propagator', () => {
    const ours = new HoptracePropagator();
    const headers = { 'x-b3-traceid': '80f198ee56343ba8', 'x-b3-spanid': 'e457b5a2e4d86bd1' };
    expect(trace.getSpanContext(otelExtract(ours, headers))).toEqual(
      trace.getSpanContext(otelExtract(theirs['b3-multi'], headers)),
    );
  });
});

describe('hostile input through the propagator', () => {
  const HOSTILE = [
    'evil\r\nx-injected: 1',
    '<script>alert(1)</script>',
    'ünïcödé',
    'a'.repeat(100_000),
    '',
    '   ',
    `00-${TRACE_ID}-${SPAN_ID}-01\r\nx: y`,
    'rojo=1,,,,,,,,'.repeat(2000),
    '\u0000',
  ];
  const NAMES = [
    'x-request-id',
    'b3',
    'x-b3-traceid',
    'x-b3-spanid',
    'x-b3-sampled',
    'x-b3-flags',
    'traceparent',
    'tracestate',
    'baggage',
    'x-ot-span-context',
    'x-client-trace-id',
    '__proto__',
  ];
  const options: HoptraceOptions = { forwardHeaders: ['x-client-trace-id'] };

  it('never throws, and never writes a hostile value back', () => {
    const propagator = new HoptracePropagator(options);
    for (const name of NAMES) {
      for (const value of HOSTILE) {
        for (const carrier of [{ [name]: value }, { [name]: [value, value] }]) {
          const written = otelInject(propagator, otelExtract(propagator, carrier));
          for (const [header, output] of Object.entries(written)) {
            if (header === 'x-client-trace-id') {
              // forwardHeaders are opaque: forwarded verbatim when printable ASCII within the cap.
              expect(output).toMatch(/^[\x20-\x7e]{1,512}$/);
              continue;
            }
            expect(HOSTILE, `${name}: ${header}`).not.toContain(output);
            expect(output).toMatch(/^[\x20-\x7e]{1,8192}$/);
          }
        }
      }
    }
  });

  it('survives getters and setters that throw or lie', () => {
    const propagator = new HoptracePropagator();
    const liars: TextMapGetter<unknown>[] = [
      {
        keys: () => {
          throw new Error('keys');
        },
        get: () => undefined,
      },
      { keys: () => 'traceparent' as unknown as string[], get: () => 'x' },
      {
        keys: () => ['traceparent', 'x-request-id'],
        get: (_carrier, key) => {
          if (key === 'x-request-id') throw new Error('get');
          return `00-${TRACE_ID}-${SPAN_ID}-01`;
        },
      },
      {
        keys: () => [42, null, 'b3'] as unknown as string[],
        get: () => [7, { toString: () => 'x' }, '1'] as unknown as string[],
      },
    ];
    // Nothing valid from the first: the context comes back as it was.
    expect(propagator.extract(ROOT_CONTEXT, {}, liars[0] as TextMapGetter<unknown>)).toBe(
      ROOT_CONTEXT,
    );
    // Names are asked for with get, whatever keys() says: `x` is a valid request ID.
    const named = propagator.extract(ROOT_CONTEXT, {}, liars[1] as TextMapGetter<unknown>);
    expect(hoptraceOf(named).requestId).toBe('x');
    // The strings of a list are read, the rest dropped: `1` is a valid request ID.
    const listed = propagator.extract(ROOT_CONTEXT, {}, liars[3] as TextMapGetter<unknown>);
    expect(hoptraceOf(listed).requestId).toBe('1');
    // A getter that throws for one name still gives the others.
    const partial = propagator.extract(ROOT_CONTEXT, {}, liars[2] as TextMapGetter<unknown>);
    expect(trace.getSpanContext(partial)?.spanId).toBe(SPAN_ID);
    expect(hoptraceOf(partial).requestIdSource).toBe('generated');

    const context = otelExtract(propagator, SAMPLES.traceparent ?? {});
    expect(() =>
      propagator.inject(
        context,
        {},
        {
          set: () => {
            throw new Error('set');
          },
        },
      ),
    ).not.toThrow();
  });
});
