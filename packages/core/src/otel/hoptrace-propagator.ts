import {
  type Context,
  createTraceState,
  isSpanContextValid,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { type ActiveSpan, checkedSpan } from '../active-span.js';
import { B3_MULTI_HEADER_NAMES } from '../b3-multi.js';
import { tryGetContext } from '../context-storage.js';
import { createHoptrace, type Hoptrace } from '../create-hoptrace.js';
import { sameTrace } from '../extract.js';
import type { HeaderRecord } from '../header-carrier.js';
import { outboundPairsWith } from '../inject.js';
import type { HoptraceOptions, ResolvedOptions } from '../options.js';
import type { TraceContext } from '../trace-context.js';
import { bridgeOpenTelemetry, spanIdentity } from './bridge.js';
import { HOPTRACE_CONTEXT_KEY, hoptraceContextOf } from './context-key.js';

/** The headers each format reads and writes, in the order `fields()` lists them. */
function fieldsOf(options: ResolvedOptions): string[] {
  const fields = [options.requestIdHeader];
  // Per-call mode writes the chain's ID on every call; forward mode only passes on one that came.
  if (options.outboundRequestId === 'per-call' && options.correlationIdHeader !== undefined) {
    fields.push(options.correlationIdHeader);
  }
  const { formats } = options;
  if (formats.has('b3-single')) fields.push('b3');
  if (formats.has('b3-multi')) fields.push(...Object.values(B3_MULTI_HEADER_NAMES));
  if (formats.has('traceparent')) fields.push('traceparent', 'tracestate');
  if (formats.has('x-ot-span-context')) fields.push('x-ot-span-context');
  if (formats.has('baggage')) fields.push('baggage');
  fields.push(...options.forwardExact.keys());
  return fields;
}

/**
 * The carrier's headers as a record, read only through the getter (the carrier may be anything:
 * Node's headers, a message's attributes…). A getter that throws, or returns something else than
 * strings, yields what could be read before; `extract` judges the values.
 */
function readCarrier<Carrier>(carrier: Carrier, getter: TextMapGetter<Carrier>): HeaderRecord {
  const headers: Record<string, string | readonly string[]> = {};
  try {
    const keys: unknown = getter.keys(carrier);
    if (!Array.isArray(keys)) return headers;
    for (const key of keys as unknown[]) {
      if (typeof key !== 'string' || Object.hasOwn(headers, key)) continue;
      const value: unknown = getter.get(carrier, key);
      if (typeof value === 'string') headers[key] = value;
      else if (Array.isArray(value)) {
        headers[key] = (value as unknown[]).filter((item) => typeof item === 'string');
      }
    }
  } catch {
    // A broken carrier or getter counts as having no more headers: extract must never throw.
  }
  return headers;
}

/**
 * The hoptrace context as an OpenTelemetry remote span context: 64-bit B3 trace IDs left-padded
 * to 32 hex (OpenTelemetry accepts only 128-bit IDs; W3C Trace Context §3.2.2.3).
 */
function remoteSpanContext(hoptraceContext: TraceContext): SpanContext | undefined {
  const { traceId, spanId, traceSource } = hoptraceContext;
  if (traceId === undefined || spanId === undefined || traceSource === 'generated') {
    return undefined;
  }
  return {
    traceId: traceId.padStart(32, '0'),
    spanId,
    traceFlags: hoptraceContext.sampled === true ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
    ...(hoptraceContext.tracestate === undefined
      ? {}
      : { traceState: createTraceState(hoptraceContext.tracestate) }),
  };
}

/**
 * The span whose identity `inject` writes: the span context of `otelContext` when valid, unless
 * it is the very identity the hoptrace context arrived with (then hoptrace's own outbound headers
 * carry it, per `mode`, byte for byte in `forward`).
 */
function spanToWrite(
  otelContext: Context,
  hoptraceContext: TraceContext | undefined,
): ActiveSpan | undefined {
  const spanContext = trace.getSpanContext(otelContext);
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return undefined;
  if (
    spanContext.isRemote === true &&
    hoptraceContext !== undefined &&
    sameTrace(spanContext.traceId, hoptraceContext.traceId) &&
    spanContext.spanId === hoptraceContext.spanId
  ) {
    return undefined;
  }
  return checkedSpan(spanIdentity(spanContext));
}

/**
 * An OpenTelemetry `TextMapPropagator` that reads and writes what hoptrace does: the request ID,
 * B3 single and multi, W3C `traceparent`/`tracestate`, `x-ot-span-context`, `baggage` and the
 * `forwardHeaders`, with hoptrace's validation rules (see `extract`). For an app traced by
 * OpenTelemetry alone: register it as the global propagator and OpenTelemetry's http, undici…
 * instrumentations propagate hoptrace's headers.
 *
 * - `extract` runs hoptrace's `extract` over the carrier (never throws: bad headers are dropped
 *   and listed on `rejected`), sets the incoming identity as OpenTelemetry's remote span context
 *   (when a trace arrived; 64-bit B3 trace IDs padded to 32 hex; sampled → `TraceFlags.SAMPLED`;
 *   `tracestate` as `traceState`), and keeps the whole hoptrace context under
 *   {@link HOPTRACE_CONTEXT_KEY}, where `getContext()`, `getRequestId()` and `logFields()` find it.
 * - `inject` writes the request ID of the hoptrace context (the one in the given context, else
 *   the current one), and as trace identity the span context of the given context when it is
 *   valid (exactly its trace ID, span ID and flags, its `traceState`; no B3 parent), else
 *   hoptrace's usual outbound headers (`forward` or `child`). Never throws.
 *
 * The constructor validates `options` as `createHoptrace` does (bad options throw
 * `HoptraceOptionsError`) and calls {@link bridgeOpenTelemetry}. Defaults: those of
 * {@link HoptraceOptions} (`x-request-id`, every format, `forward`).
 *
 * Spec: OpenTelemetry Propagators API (TextMapPropagator), W3C Trace Context Level 1,
 * openzipkin/b3-propagation.
 *
 * @example
 * ```ts
 * import { NodeSDK } from '@opentelemetry/sdk-node';
 * import { HoptracePropagator } from '@hoptrace/core/otel';
 *
 * new NodeSDK({ textMapPropagator: new HoptracePropagator({ requestIdHeader: 'x-correlation-id' }) }).start();
 * // or: propagation.setGlobalPropagator(new HoptracePropagator());
 * ```
 */
export class HoptracePropagator implements TextMapPropagator<unknown> {
  readonly #hoptrace: Hoptrace;
  readonly #fields: readonly string[];

  /** @param options - {@link HoptraceOptions}; validated here. */
  constructor(options: HoptraceOptions = {}) {
    // createHoptrace checks the options (a plain object or undefined, no unknown key at any depth).
    this.#hoptrace = createHoptrace(options);
    this.#fields = Object.freeze(fieldsOf(this.#hoptrace.options));
    bridgeOpenTelemetry();
  }

  /**
   * Every header this propagator reads or writes: the request ID header, the headers of the
   * enabled formats, and the exact `forwardHeaders` names (prefix entries cannot be listed).
   */
  fields(): string[] {
    return [...this.#fields];
  }

  /**
   * Reads the carrier's headers through `getter` into a new context: the remote span context
   * (when a trace arrived) and the hoptrace context under {@link HOPTRACE_CONTEXT_KEY}. Never throws.
   */
  extract<Carrier>(context: Context, carrier: Carrier, getter: TextMapGetter<Carrier>): Context {
    try {
      const hoptraceContext = this.#hoptrace.extract(readCarrier(carrier, getter));
      const withHoptrace = context.setValue(HOPTRACE_CONTEXT_KEY, hoptraceContext);
      const spanContext = remoteSpanContext(hoptraceContext);
      return spanContext === undefined
        ? withHoptrace
        : trace.setSpanContext(withHoptrace, spanContext);
    } catch {
      // Only a broken Context implementation gets here; the request goes on untouched.
      return context;
    }
  }

  /**
   * Writes the request ID and the trace identity of `context` into the carrier with `setter`.
   * Never throws.
   */
  inject<Carrier>(context: Context, carrier: Carrier, setter: TextMapSetter<Carrier>): void {
    try {
      const hoptraceContext = hoptraceContextOf(context) ?? tryGetContext();
      const pairs = outboundPairsWith(
        hoptraceContext,
        this.#hoptrace.options,
        spanToWrite(context, hoptraceContext),
      );
      for (let index = 0; index + 1 < pairs.length; index += 2) {
        setter.set(carrier, pairs[index] as string, pairs[index + 1] as string);
      }
    } catch {
      // A setter that throws leaves the carrier as far as it got: the call must still go out.
    }
  }
}
