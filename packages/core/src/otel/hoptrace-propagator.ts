import {
  type Context,
  createTraceState,
  isSpanContextValid,
  propagation,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { ALL_FORMATS, BAGGAGE_HEADER, FORMAT_HEADERS } from '../codec/headers.js';
import { tryGetContext } from '../context/context-storage.js';
import type { TraceContext } from '../context/trace-context.js';
import { DIAGNOSTICS_HEADER } from '../diagnostics/trail.js';
import { type ActiveSpan, checkedSpan } from '../engine/active-span.js';
import { createHoptrace, type Hoptrace } from '../engine/create-hoptrace.js';
import { sameTrace } from '../engine/extract.js';
import { outboundPairsWith } from '../engine/inject.js';
import type { HoptraceOptions, ResolvedOptions } from '../engine/options.js';
import { baggageFromHeader, outboundBaggage, rememberExtractedBaggage } from './baggage-bridge.js';
import { bridgeOpenTelemetry, spanIdentity } from './bridge.js';
import { HOPTRACE_CONTEXT_KEY, hoptraceContextOf } from './context-key.js';
import { B3_DEBUG_FLAG_KEY, isB3Debug, isTracingSuppressed } from './otel-keys.js';
import { headerNamesOf, readCarrier } from './read-carrier.js';

/**
 * Every header `inject` may write (and `extract` reads), in a stable order: the request ID
 * header, the correlation header (per-call mode writes it on every call, forward mode passes on
 * one that came), the enabled formats in {@link ALL_FORMATS} order, each in the order
 * OpenTelemetry's propagator for it lists (see {@link FORMAT_HEADERS}), the diagnostics token
 * header when diagnostics are on, and the exact `forwardHeaders` names.
 */
function fieldsOf(options: ResolvedOptions): string[] {
  const fields = [options.requestIdHeader];
  if (options.correlationIdHeader !== undefined) fields.push(options.correlationIdHeader);
  for (const format of ALL_FORMATS) {
    if (options.formats.has(format)) fields.push(...FORMAT_HEADERS[format]);
  }
  if (options.diagnostics !== undefined) fields.push(DIAGNOSTICS_HEADER);
  fields.push(...options.forwardExact.keys());
  return fields;
}

/**
 * Whether anything valid came with the request: a request ID (trusted or not), a trace, or any
 * header hoptrace keeps (correlation ID, a bare B3 sampling decision, `tracestate`, `baggage`,
 * `x-ot-span-context`, `forwardHeaders`). What is left otherwise is generated, or rejected.
 */
function somethingArrived(hoptraceContext: TraceContext): boolean {
  if (hoptraceContext.requestIdSource === 'incoming') return true;
  if (hoptraceContext.untrustedRequestId !== undefined) return true;
  const { traceSource } = hoptraceContext;
  if (traceSource !== undefined && traceSource !== 'generated') return true;
  for (const _name in hoptraceContext.incoming) return true;
  return false;
}

/** The hoptrace contexts a HoptracePropagator extracted (weak: one per request, gone with it). */
const extractedHere = new WeakSet<TraceContext>();

/**
 * The hoptrace context as `inject` hands it to the engine. One a HoptracePropagator extracted
 * loses a trace identity it generated: OpenTelemetry never saw that trace (no span context was
 * set for it), so writing it would send a trace no span reports as if it had arrived. The
 * request ID, baggage and forwarded headers stay. A hoptrace adapter's context is left as it is
 * (there, hoptrace started the trace on purpose and its logs carry it).
 */
function engineContext(hoptraceContext: TraceContext | undefined): TraceContext | undefined {
  if (
    hoptraceContext === undefined ||
    hoptraceContext.traceSource !== 'generated' ||
    !extractedHere.has(hoptraceContext)
  ) {
    return hoptraceContext;
  }
  return {
    ...hoptraceContext,
    traceId: undefined,
    spanId: undefined,
    parentSpanId: undefined,
    traceSource: undefined,
  };
}

/**
 * The value OpenTelemetry's B3 propagators store under `B3_DEBUG_FLAG_KEY` for the header debug
 * came in: `d` from `b3` (B3 single wins when both came), `1` from `X-B3-Flags`.
 */
function debugFlagOf(hoptraceContext: TraceContext): 'd' | '1' {
  return hoptraceContext.incoming.b3 !== undefined ? 'd' : '1';
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
 * `forwardHeaders`, with hoptrace's validation rules (see `extract`). A drop-in for
 * OpenTelemetry's composite of B3, W3C Trace Context and W3C Baggage propagators: register it as
 * the global propagator and OpenTelemetry's http, undici… instrumentations propagate hoptrace's
 * headers, and OpenTelemetry's Baggage API sees and sets the baggage.
 *
 * - `extract` asks the getter for each header it reads by name (`get`; `keys()` only for
 *   `forwardHeaders` prefixes), runs hoptrace's `extract` over them (bad headers are dropped and
 *   listed on `rejected`), and when anything valid arrived returns a new context with: the
 *   incoming identity as OpenTelemetry's remote span context (when a trace arrived; 64-bit B3
 *   trace IDs padded to 32 hex; sampled or debug → `TraceFlags.SAMPLED`; `tracestate` as
 *   `traceState`); B3 debug under `B3_DEBUG_FLAG_KEY` of `@opentelemetry/propagator-b3` (`d` or
 *   `1`, as its propagators set it); the incoming `baggage` as OpenTelemetry `Baggage`
 *   (percent-decoded, properties as metadata); and the whole hoptrace context under
 *   {@link HOPTRACE_CONTEXT_KEY}, where `getContext()`, `getRequestId()` and `logFields()` find
 *   it. When nothing valid arrived, the given context is returned as it is (OpenTelemetry's
 *   contract): no generated request ID or trace is stored, so such a request has a request ID
 *   only where a hoptrace adapter makes one.
 * - `inject` writes nothing in a context marked by `suppressTracing()` of `@opentelemetry/core`.
 *   Otherwise the request ID of the hoptrace context (the one in the given context, else the
 *   current one), and as trace identity the span context of the given context when it is valid
 *   (exactly its trace ID, span ID and flags, its `traceState`; no B3 parent; B3 debug when
 *   `B3_DEBUG_FLAG_KEY` is set), else hoptrace's usual outbound headers (`forward` or `child`),
 *   never a trace this propagator's extract generated. `baggage`: the incoming header byte for
 *   byte while the context holds the Baggage extract made, else the context's Baggage serialized
 *   with OpenTelemetry's limits (see `outboundBaggage`); an empty Baggage writes none.
 *
 * Neither ever throws, whatever the carrier, getter or setter do. The constructor validates
 * `options` as `createHoptrace` does (bad options throw `HoptraceOptionsError`) and calls
 * {@link bridgeOpenTelemetry}. Defaults: those of {@link HoptraceOptions} (`x-request-id`, every
 * format, `forward`).
 *
 * Spec: OpenTelemetry Propagators API (TextMapPropagator), W3C Trace Context Level 1, W3C
 * Baggage, openzipkin/b3-propagation.
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
  /** The header names extract asks the getter for, worked out once. */
  readonly #names: readonly string[];

  /** @param options - {@link HoptraceOptions}; validated here. */
  constructor(options: HoptraceOptions = {}) {
    // createHoptrace checks the options (a plain object or undefined, no unknown key at any depth).
    this.#hoptrace = createHoptrace(options);
    this.#fields = Object.freeze(fieldsOf(this.#hoptrace.options));
    this.#names = Object.freeze(headerNamesOf(this.#hoptrace.options));
    bridgeOpenTelemetry();
  }

  /**
   * Every header `inject` may write, which are also those `extract` reads, in a stable order:
   * the request ID header, the correlation header, the enabled formats' headers (each format in
   * the order OpenTelemetry's propagator for it lists them: `b3`; `x-b3-traceid`, `x-b3-spanid`,
   * `x-b3-flags`, `x-b3-sampled`, `x-b3-parentspanid`; `traceparent`, `tracestate`;
   * `x-ot-span-context`; `baggage`), the diagnostics header when diagnostics are on, and the
   * exact `forwardHeaders` names (prefix entries cannot be listed). A new array on every call.
   *
   * @example
   * ```ts
   * new HoptracePropagator({ formats: ['traceparent'] }).fields();
   * // ['x-request-id', 'x-correlation-id', 'traceparent', 'tracestate']
   * ```
   */
  fields(): string[] {
    return [...this.#fields];
  }

  /**
   * Reads the carrier's headers through `getter`. When anything valid arrived, returns a new
   * context holding the remote span context (when a trace arrived), B3 debug, the Baggage and
   * the hoptrace context under {@link HOPTRACE_CONTEXT_KEY}; otherwise `context` itself. Never
   * throws.
   */
  extract<Carrier>(context: Context, carrier: Carrier, getter: TextMapGetter<Carrier>): Context {
    try {
      const options = this.#hoptrace.options;
      const hoptraceContext = this.#hoptrace.extract(
        readCarrier(carrier, getter, options, this.#names),
      );
      // OpenTelemetry's contract ("should fail gracefully on bad responses from getter"): bad or
      // missing input leaves the context as it was, so a composite's earlier propagators win.
      if (!somethingArrived(hoptraceContext)) return context;
      extractedHere.add(hoptraceContext);
      let extracted = context.setValue(HOPTRACE_CONTEXT_KEY, hoptraceContext);
      const spanContext = remoteSpanContext(hoptraceContext);
      if (spanContext !== undefined) {
        extracted = trace.setSpanContext(extracted, spanContext);
        if (hoptraceContext.debug) {
          extracted = extracted.setValue(B3_DEBUG_FLAG_KEY, debugFlagOf(hoptraceContext));
        }
      }
      const baggage =
        hoptraceContext.baggage === undefined
          ? undefined
          : baggageFromHeader(hoptraceContext.baggage);
      if (baggage !== undefined) extracted = propagation.setBaggage(extracted, baggage);
      rememberExtractedBaggage(hoptraceContext, baggage);
      return extracted;
    } catch {
      // Only a broken Context implementation gets here; the request goes on untouched.
      return context;
    }
  }

  /**
   * Writes the request ID, the trace identity and the baggage of `context` into the carrier with
   * `setter`; nothing when tracing is suppressed. Never throws.
   */
  inject<Carrier>(context: Context, carrier: Carrier, setter: TextMapSetter<Carrier>): void {
    try {
      // As every OpenTelemetry propagator: a suppressed context (an exporter's own calls) gets
      // no header at all, or its export would be traced and propagated in turn.
      if (isTracingSuppressed(context)) return;
      const options = this.#hoptrace.options;
      const hoptraceContext = hoptraceContextOf(context) ?? tryGetContext();
      const span = spanToWrite(context, hoptraceContext);
      const pairs = outboundPairsWith(
        engineContext(hoptraceContext),
        options,
        span !== undefined && isB3Debug(context) ? { ...span, debug: true } : span,
      );
      const writesBaggage = options.formats.has('baggage');
      for (let index = 0; index + 1 < pairs.length; index += 2) {
        const name = pairs[index] as string;
        // The engine forwards the incoming baggage; which baggage goes is decided below.
        if (writesBaggage && name === BAGGAGE_HEADER) continue;
        setter.set(carrier, name, pairs[index + 1] as string);
      }
      if (!writesBaggage) return;
      const baggage = outboundBaggage(context, hoptraceContext);
      if (baggage !== undefined) setter.set(carrier, BAGGAGE_HEADER, baggage);
    } catch {
      // A setter that throws leaves the carrier as far as it got: the call must still go out.
    }
  }
}
