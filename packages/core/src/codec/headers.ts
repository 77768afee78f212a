import { B3_MULTI_HEADER_NAMES } from './b3-multi.js';

/**
 * A header format hoptrace reads and writes.
 *
 * - `b3-single`: `b3`; `b3-multi`: `x-b3-traceid`, `x-b3-spanid`, `x-b3-parentspanid`,
 *   `x-b3-sampled`, `x-b3-flags` (openzipkin/b3-propagation);
 * - `traceparent`: W3C `traceparent` with its `tracestate` (W3C Trace Context Level 1);
 * - `x-ot-span-context`: forwarded opaquely (Envoy's Zipkin/LightStep form);
 * - `baggage`: W3C `baggage`, forwarded.
 */
export type HeaderFormat =
  | 'b3-single'
  | 'b3-multi'
  | 'traceparent'
  | 'x-ot-span-context'
  | 'baggage';

/** Every {@link HeaderFormat}: the default of `formats`. */
export const ALL_FORMATS: readonly HeaderFormat[] = Object.freeze([
  'b3-single',
  'b3-multi',
  'traceparent',
  'x-ot-span-context',
  'baggage',
]);

/**
 * The W3C Baggage header (`HoptracePropagator.inject` writes it itself, from the context's
 * OpenTelemetry `Baggage`, rather than as the engine forwards it).
 *
 * Spec: W3C Baggage, "Header Name".
 *
 * @example
 * ```ts
 * setter.set(carrier, BAGGAGE_HEADER, 'userId=alice');
 * ```
 */
export const BAGGAGE_HEADER = 'baggage';

/**
 * The headers of each format, in the order OpenTelemetry's own propagators list them in
 * `fields()` (`B3SinglePropagator`: `b3`; `B3MultiPropagator`: trace ID, span ID, flags, sampled,
 * parent span ID; `W3CTraceContextPropagator`: `traceparent`, `tracestate`;
 * `W3CBaggagePropagator`: `baggage`). The one list of the headers hoptrace carries per format:
 * what the options refuse as a request ID or `forwardHeaders` name, what `HoptracePropagator`
 * asks a getter for and lists in `fields()`.
 *
 * Spec: openzipkin/b3-propagation; W3C Trace Context Level 1 §3; W3C Baggage; OpenTelemetry
 * Propagators API (`Fields`).
 *
 * @example
 * ```ts
 * FORMAT_HEADERS.traceparent; // ['traceparent', 'tracestate']
 * ```
 */
export const FORMAT_HEADERS: Readonly<Record<HeaderFormat, readonly string[]>> = Object.freeze({
  'b3-single': Object.freeze(['b3']),
  'b3-multi': Object.freeze([
    B3_MULTI_HEADER_NAMES.traceId,
    B3_MULTI_HEADER_NAMES.spanId,
    B3_MULTI_HEADER_NAMES.flags,
    B3_MULTI_HEADER_NAMES.sampled,
    B3_MULTI_HEADER_NAMES.parentSpanId,
  ]),
  traceparent: Object.freeze(['traceparent', 'tracestate']),
  'x-ot-span-context': Object.freeze(['x-ot-span-context']),
  baggage: Object.freeze([BAGGAGE_HEADER]),
});
