/**
 * HoptracePropagator as OpenTelemetry's API uses it: registered as the global propagator, its
 * baggage seen and set through `propagation.*Baggage`, with the getters, context keys and bad
 * input OpenTelemetry's own propagators are tested with (read, not copied, from
 * open-telemetry/opentelemetry-js: propagator-b3/test, opentelemetry-core's
 * W3CTraceContextPropagator and W3CBaggagePropagator tests).
 */
import {
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  type TextMapGetter,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  isTracingSuppressed as otelIsTracingSuppressed,
  suppressTracing,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
// Not re-exported by the package index: the key its B3 propagators keep debug under.
import { B3_DEBUG_FLAG_KEY as OTEL_B3_DEBUG_FLAG_KEY } from '@opentelemetry/propagator-b3/build/src/common.js';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runWithContext } from '../context/context-storage.js';
import type { TraceContext } from '../context/trace-context.js';
import { extract } from '../engine/extract.js';
import type { HoptraceOptions } from '../engine/options.js';
import { bridgeOpenTelemetry } from './bridge.js';
import { HOPTRACE_CONTEXT_KEY } from './context-key.js';
import { HoptracePropagator } from './hoptrace-propagator.js';
import { B3_DEBUG_FLAG_KEY, isTracingSuppressed, SUPPRESS_TRACING_KEY } from './otel-keys.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;
const tracer = new BasicTracerProvider().getTracer('hoptrace-otel-api-test');

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => {
  context.disable();
});
afterEach(() => {
  propagation.disable();
  bridgeOpenTelemetry()();
});

/** The global propagator, as an instrumentation reaches it. */
function useGlobal(options?: HoptraceOptions): void {
  expect(propagation.setGlobalPropagator(new HoptracePropagator(options))).toBe(true);
}

function globalExtract(headers: Record<string, unknown>, from: Context = ROOT_CONTEXT): Context {
  return propagation.extract(from, headers);
}

function globalInject(from: Context): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(from, carrier);
  return carrier;
}

function entries(from: Context): [string, string, string | undefined][] {
  return (propagation.getBaggage(from)?.getAllEntries() ?? []).map(([key, entry]) => [
    key,
    entry.value,
    entry.metadata?.toString(),
  ]);
}

function hoptraceOf(from: Context): TraceContext | undefined {
  return from.getValue(HOPTRACE_CONTEXT_KEY) as TraceContext | undefined;
}

describe('as the global propagator, through a tracer', () => {
  it('continues the incoming trace in a server span and sends that span, the request ID and the baggage on', () => {
    useGlobal();
    const incoming = {
      'x-request-id': 'req-1',
      traceparent: TRACEPARENT,
      baggage: 'userId=al%20ice ,  region=eu;ttl=60',
    };
    const extracted = globalExtract(incoming);
    const written = context.with(extracted, () =>
      tracer.startActiveSpan('server', (span) => {
        const carrier = globalInject(context.active());
        span.end();
        return { carrier, spanId: span.spanContext().spanId };
      }),
    );
    expect(written.carrier).toEqual({
      'x-request-id': 'req-1',
      b3: `${TRACE_ID}-${written.spanId}-1`,
      'x-b3-traceid': TRACE_ID,
      'x-b3-spanid': written.spanId,
      'x-b3-sampled': '1',
      traceparent: `00-${TRACE_ID}-${written.spanId}-01`,
      // Nothing changed the baggage: it goes on byte for byte, odd spacing and all.
      baggage: 'userId=al%20ice ,  region=eu;ttl=60',
    });
  });
});

describe('baggage through the Baggage API', () => {
  it('extract sets the incoming baggage, percent-decoded, with its properties', () => {
    useGlobal();
    const extracted = globalExtract({ baggage: 'userId=al%20ice,region=eu;ttl=60;secure' });
    expect(entries(extracted)).toEqual([
      ['userId', 'al ice', undefined],
      ['region', 'eu', 'ttl=60;secure'],
    ]);
    // As OpenTelemetry's own propagator reads it.
    const theirs = new W3CBaggagePropagator().extract(
      ROOT_CONTEXT,
      { baggage: 'userId=al%20ice,region=eu;ttl=60;secure' },
      defaultTextMapGetter,
    );
    expect(entries(extracted)).toEqual(entries(theirs));
  });

  it('inject writes the baggage the app set, with no incoming baggage', () => {
    useGlobal();
    const baggage = propagation.createBaggage({ tenant: { value: 'a b' } });
    expect(globalInject(propagation.setBaggage(ROOT_CONTEXT, baggage))).toEqual({
      baggage: 'tenant=a%20b',
    });
    // Also beside a request the propagator extracted without baggage.
    const extracted = globalExtract({ 'x-request-id': 'req-2' });
    expect(globalInject(propagation.setBaggage(extracted, baggage))).toEqual({
      'x-request-id': 'req-2',
      baggage: 'tenant=a%20b',
    });
  });

  it('inject writes the changed baggage once the app changes it, as OpenTelemetry would', () => {
    useGlobal();
    const extracted = globalExtract({ baggage: 'userId=alice ;  p=1' });
    const changed = propagation.getBaggage(extracted)?.setEntry('tenant', { value: 'x/y' });
    expect(changed).toBeDefined();
    const carrier = globalInject(
      propagation.setBaggage(extracted, changed ?? propagation.createBaggage()),
    );
    expect(carrier.baggage).toBe('userId=alice;p=1,tenant=x%2Fy');
    const theirs: Record<string, string> = {};
    new W3CBaggagePropagator().inject(
      propagation.setBaggage(ROOT_CONTEXT, changed ?? propagation.createBaggage()),
      theirs,
      defaultTextMapSetter,
    );
    expect(carrier.baggage).toBe(theirs.baggage);
  });

  it('an emptied, replaced-by-empty or deleted baggage writes nothing', () => {
    useGlobal();
    const extracted = globalExtract({ 'x-request-id': 'req-3', baggage: 'userId=alice' });
    const emptied = propagation.getBaggage(extracted)?.clear();
    expect(emptied).toBeDefined();
    for (const without of [
      propagation.setBaggage(extracted, emptied ?? propagation.createBaggage()),
      propagation.setBaggage(extracted, propagation.createBaggage()),
      propagation.deleteBaggage(extracted),
    ]) {
      expect(globalInject(without)).toEqual({ 'x-request-id': 'req-3' });
    }
  });

  it('a hoptrace adapter’s context forwards its baggage unless the app set one through the API', () => {
    useGlobal();
    // (The adapter started a trace of its own, which it writes: hoptrace's behaviour there.)
    runWithContext(extract({ 'x-request-id': 'req-4', baggage: 'userId=alice' }), () => {
      expect(globalInject(ROOT_CONTEXT)).toMatchObject({
        'x-request-id': 'req-4',
        baggage: 'userId=alice',
      });
      const set = propagation.setBaggage(
        ROOT_CONTEXT,
        propagation.createBaggage({ tenant: { value: 'a' } }),
      );
      expect(globalInject(set)).toMatchObject({ 'x-request-id': 'req-4', baggage: 'tenant=a' });
    });
  });

  it('without the baggage format, neither reads nor writes baggage', () => {
    useGlobal({ formats: ['traceparent'] });
    const extracted = globalExtract({ traceparent: TRACEPARENT, baggage: 'userId=alice' });
    expect(propagation.getBaggage(extracted)).toBeUndefined();
    const set = propagation.setBaggage(
      extracted,
      propagation.createBaggage({ tenant: { value: 'a' } }),
    );
    expect(globalInject(set).baggage).toBeUndefined();
  });
});

describe('headers read by name', () => {
  /** The shape of getter OpenTelemetry's tests use: `keys()` knows nothing. */
  const namesOnly: TextMapGetter<Record<string, string>> = {
    get: (carrier, key) => carrier[key],
    keys: () => [],
  };

  it('reads traceparent, the request ID, baggage and exact forwardHeaders with an empty keys()', () => {
    const propagator = new HoptracePropagator({ forwardHeaders: ['x-client-trace-id'] });
    const extracted = propagator.extract(
      ROOT_CONTEXT,
      {
        'x-request-id': 'req-5',
        traceparent: TRACEPARENT,
        baggage: 'a=1',
        'x-client-trace-id': 'client-1',
      },
      namesOnly,
    );
    expect(trace.getSpanContext(extracted)).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(hoptraceOf(extracted)).toMatchObject({
      requestId: 'req-5',
      incoming: { 'x-client-trace-id': 'client-1' },
    });
    expect(entries(extracted)).toEqual([['a', '1', undefined]]);
  });

  it('walks keys() only for forwardHeaders prefixes', () => {
    const asked: string[] = [];
    let walked = 0;
    const getter: TextMapGetter<Record<string, string>> = {
      get: (carrier, key) => {
        asked.push(key);
        return carrier[key];
      },
      keys: (carrier) => {
        walked++;
        return Object.keys(carrier);
      },
    };
    const carrier = { traceparent: TRACEPARENT, 'L5d-Ctx-Trace': 'abc', other: 'x' };
    new HoptracePropagator().extract(ROOT_CONTEXT, carrier, getter);
    expect(walked).toBe(0);
    expect(asked).not.toContain('other');

    const extracted = new HoptracePropagator({ forwardHeaders: ['l5d-ctx-*'] }).extract(
      ROOT_CONTEXT,
      carrier,
      getter,
    );
    expect(walked).toBe(1);
    expect(hoptraceOf(extracted)?.incoming['l5d-ctx-trace']).toBe('abc');
  });

  it('takes strings and lists of strings from the getter; anything else is absent; a throw costs one name', () => {
    const values: Record<string, unknown> = {
      'x-request-id': ['req-6', 7],
      traceparent: TRACEPARENT,
      tracestate: ['rojo=1', 'congo=2'],
      baggage: 42,
    };
    const getter: TextMapGetter<unknown> = {
      get: (_carrier, key) => {
        if (key === 'b3') throw new Error('b3');
        return values[key] as string | undefined;
      },
      keys: () => {
        throw new Error('keys');
      },
    };
    const extracted = new HoptracePropagator().extract(ROOT_CONTEXT, {}, getter);
    expect(hoptraceOf(extracted)?.requestId).toBe('req-6');
    expect(trace.getSpanContext(extracted)?.traceState?.serialize()).toBe('rojo=1,congo=2');
    expect(propagation.getBaggage(extracted)).toBeUndefined();
  });
});

describe('suppressTracing', () => {
  it('builds the very key @opentelemetry/core uses, without depending on it at run time', () => {
    const suppressed = suppressTracing(ROOT_CONTEXT);
    expect(suppressed.getValue(SUPPRESS_TRACING_KEY)).toBe(true);
    expect(isTracingSuppressed(suppressed)).toBe(true);
    expect(otelIsTracingSuppressed(ROOT_CONTEXT.setValue(SUPPRESS_TRACING_KEY, true))).toBe(true);
    expect(isTracingSuppressed(ROOT_CONTEXT)).toBe(false);
  });

  it('inject writes nothing in a suppressed context: no trace, no request ID, no baggage', () => {
    useGlobal();
    const extracted = globalExtract({
      'x-request-id': 'req-7',
      traceparent: TRACEPARENT,
      baggage: 'a=1',
    });
    expect(globalInject(suppressTracing(extracted))).toEqual({});
    const local = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
    });
    expect(globalInject(suppressTracing(local))).toEqual({});
    // Inside a request a hoptrace adapter opened, too.
    runWithContext(extract({ 'x-request-id': 'req-8' }), () => {
      expect(globalInject(suppressTracing(ROOT_CONTEXT))).toEqual({});
      expect(globalInject(ROOT_CONTEXT)['x-request-id']).toBe('req-8');
    });
  });
});

describe('B3 debug through B3_DEBUG_FLAG_KEY', () => {
  const span = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED };

  it('is the very key of @opentelemetry/propagator-b3', () => {
    expect(B3_DEBUG_FLAG_KEY).toBe(OTEL_B3_DEBUG_FLAG_KEY);
  });

  it('inject writes debug as b3 `d` and `X-B3-Flags: 1` (no X-B3-Sampled), as OpenTelemetry does', () => {
    const ours = new HoptracePropagator({ formats: ['b3-single', 'b3-multi'] });
    for (const flag of ['d', '1']) {
      const debugContext = trace.setSpanContext(
        ROOT_CONTEXT.setValue(OTEL_B3_DEBUG_FLAG_KEY, flag),
        span,
      );
      const carrier: Record<string, string> = {};
      ours.inject(debugContext, carrier, defaultTextMapSetter);
      expect(carrier).toEqual({
        b3: `${TRACE_ID}-${SPAN_ID}-d`,
        'x-b3-traceid': TRACE_ID,
        'x-b3-spanid': SPAN_ID,
        'x-b3-flags': '1',
      });
      const multi: Record<string, string> = {};
      new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }).inject(
        trace.setSpanContext(ROOT_CONTEXT.setValue(OTEL_B3_DEBUG_FLAG_KEY, '1'), span),
        multi,
        defaultTextMapSetter,
      );
      expect(multi).toEqual({
        'x-b3-traceid': TRACE_ID,
        'x-b3-spanid': SPAN_ID,
        'x-b3-flags': '1',
      });
    }
    // Without the key: sampled, not debug.
    const carrier: Record<string, string> = {};
    ours.inject(trace.setSpanContext(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
    expect(carrier.b3).toBe(`${TRACE_ID}-${SPAN_ID}-1`);
  });

  it('extract sets the key when debug arrived, with the value OpenTelemetry’s propagators set', () => {
    const ours = new HoptracePropagator();
    const single = { b3: `${TRACE_ID}-${SPAN_ID}-d` };
    const multi = { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-flags': '1' };
    const theirs = new B3Propagator();
    for (const carrier of [single, multi]) {
      const extracted = ours.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      expect(extracted.getValue(OTEL_B3_DEBUG_FLAG_KEY)).toBe(
        theirs
          .extract(ROOT_CONTEXT, carrier, defaultTextMapGetter)
          .getValue(OTEL_B3_DEBUG_FLAG_KEY),
      );
      expect(trace.getSpanContext(extracted)?.traceFlags).toBe(TraceFlags.SAMPLED);
    }
    const plain = ours.extract(
      ROOT_CONTEXT,
      { b3: `${TRACE_ID}-${SPAN_ID}-1` },
      defaultTextMapGetter,
    );
    expect(plain.getValue(OTEL_B3_DEBUG_FLAG_KEY)).toBeUndefined();
  });

  it('survives a hop through OpenTelemetry code: their extract, our inject of a child span', () => {
    useGlobal();
    const extracted = new B3Propagator().extract(
      ROOT_CONTEXT,
      { b3: `${TRACE_ID}-${SPAN_ID}-d` },
      defaultTextMapGetter,
    );
    const carrier = context.with(extracted, () =>
      tracer.startActiveSpan('client', (child) => {
        child.end();
        return globalInject(context.active());
      }),
    );
    expect(carrier.b3).toMatch(new RegExp(`^${TRACE_ID}-[0-9a-f]{16}-d$`));
    expect(carrier['x-b3-flags']).toBe('1');
    expect(carrier['x-b3-sampled']).toBeUndefined();
  });
});

describe('bad input leaves the context as it was', () => {
  const bad: TextMapGetter<unknown>[] = [
    { get: () => 1 as unknown as string, keys: () => [] },
    { get: () => [], keys: () => [] },
    { get: () => undefined, keys: () => [] },
    {
      get: () => {
        throw new Error('get');
      },
      keys: () => {
        throw new Error('keys');
      },
    },
  ];

  it('returns the given context itself for a getter that gives nothing usable', () => {
    const propagator = new HoptracePropagator({ forwardHeaders: ['l5d-ctx-*'] });
    const given = ROOT_CONTEXT.setValue(Symbol('mine'), 1);
    for (const getter of bad) expect(propagator.extract(given, {}, getter)).toBe(given);
  });

  it('returns it for carriers with nothing valid, so an earlier propagator’s result stands', () => {
    const propagator = new HoptracePropagator();
    const fromEarlier = new W3CTraceContextPropagator().extract(
      ROOT_CONTEXT,
      { traceparent: TRACEPARENT },
      defaultTextMapGetter,
    );
    for (const carrier of [
      {},
      { traceparent: 'invalid!' },
      { b3: 'nope', 'x-b3-traceid': 'zz' },
      { 'x-request-id': 'bad id with spaces', baggage: 'a=1,,' },
      { 'X-Request-Id': 'req-9' }, // defaultTextMapGetter is case-sensitive, as for every OTel propagator
    ]) {
      expect(propagator.extract(fromEarlier, carrier, defaultTextMapGetter)).toBe(fromEarlier);
    }
  });

  it('keeps the hoptrace context when a request ID alone arrived, and never injects the trace it generated', () => {
    useGlobal({ mode: 'child' });
    const extracted = globalExtract({ 'x-request-id': 'req-10' });
    expect(hoptraceOf(extracted)).toMatchObject({ requestId: 'req-10', traceSource: 'generated' });
    expect(trace.getSpanContext(extracted)).toBeUndefined();
    // No span: the request ID alone, not a trace OpenTelemetry never saw.
    expect(globalInject(extracted)).toEqual({ 'x-request-id': 'req-10' });
    // A span OpenTelemetry started (a new root): that span.
    const carrier = context.with(extracted, () =>
      tracer.startActiveSpan('server', (span) => {
        span.end();
        return { written: globalInject(context.active()), ids: span.spanContext() };
      }),
    );
    expect(carrier.written.traceparent).toBe(`00-${carrier.ids.traceId}-${carrier.ids.spanId}-01`);
    expect(carrier.ids.traceId).not.toBe(hoptraceOf(extracted)?.traceId);
  });
});

describe('fields()', () => {
  const own = ['x-request-id', 'x-correlation-id'];
  const cases = [
    { formats: ['traceparent'], theirs: new W3CTraceContextPropagator() },
    { formats: ['baggage'], theirs: new W3CBaggagePropagator() },
    { formats: ['b3-single'], theirs: new B3Propagator() },
    {
      formats: ['b3-multi'],
      theirs: new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
    },
  ] as const;

  for (const { formats, theirs } of cases) {
    it(`lists hoptrace's headers, then exactly OpenTelemetry's for ${formats[0]}, in its order`, () => {
      expect(new HoptracePropagator({ formats }).fields()).toEqual([...own, ...theirs.fields()]);
    });
  }

  it('lists everything inject writes, in every mode', () => {
    const options: HoptraceOptions[] = [
      { forwardHeaders: ['x-client-trace-id'] },
      { mode: 'child', outboundRequestId: 'per-call' },
    ];
    for (const option of options) {
      const propagator = new HoptracePropagator(option);
      const incoming = {
        'x-request-id': 'req-11',
        'x-correlation-id': 'chain-1',
        b3: `${TRACE_ID}-${SPAN_ID}-1-${'0'.repeat(15)}1`,
        'x-b3-traceid': TRACE_ID,
        'x-b3-spanid': SPAN_ID,
        'x-b3-flags': '1',
        traceparent: TRACEPARENT,
        tracestate: 'rojo=1',
        'x-ot-span-context': `${TRACE_ID.slice(16)};${SPAN_ID};${SPAN_ID};cs`,
        baggage: 'a=1',
        'x-client-trace-id': 'client-2',
      };
      const carrier: Record<string, string> = {};
      propagator.inject(
        propagator.extract(ROOT_CONTEXT, incoming, defaultTextMapGetter),
        carrier,
        defaultTextMapSetter,
      );
      const fields = propagator.fields();
      for (const name of Object.keys(carrier)) expect(fields, name).toContain(name);
    }
  });
});
