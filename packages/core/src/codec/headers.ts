import type { B3MultiHeaders } from './b3-multi.js';

// Every header hoptrace reads or writes, and every cap on what it reads, named once. The codecs
// and the engine import them from here; hoptrace's own diagnostics headers live with the trail
// (diagnostics/trail.ts).

// ---- Headers ----

/**
 * The request ID header when `requestIdHeader` is not set: what Envoy, Istio and nginx use.
 *
 * @example
 * ```ts
 * request.headers[DEFAULT_REQUEST_ID_HEADER]; // 'x-request-id'
 * ```
 */
export const DEFAULT_REQUEST_ID_HEADER = 'x-request-id';

/**
 * The correlation ID header when `correlationIdHeader` is not set.
 *
 * @example
 * ```ts
 * request.headers[DEFAULT_CORRELATION_ID_HEADER]; // 'x-correlation-id'
 * ```
 */
export const DEFAULT_CORRELATION_ID_HEADER = 'x-correlation-id';

/**
 * The single B3 header: `b3: {TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]`.
 *
 * Spec: openzipkin/b3-propagation README, "Single Header".
 *
 * @example
 * ```ts
 * request.headers[B3_SINGLE_HEADER]; // reads 'b3'
 * ```
 */
export const B3_SINGLE_HEADER = 'b3';

/**
 * The lower-case header name for each {@link B3MultiHeaders} property. Lower case because HTTP/2,
 * gRPC metadata and other case-sensitive transports require or prefer it, and HTTP/1.1 does not
 * care.
 *
 * Spec: openzipkin/b3-propagation README, "Multiple Headers" ("prefer lowercase keys") and
 * "gRPC Encoding".
 *
 * @example
 * ```ts
 * request.headers[B3_MULTI_HEADER_NAMES.traceId]; // reads 'x-b3-traceid'
 * ```
 */
export const B3_MULTI_HEADER_NAMES = {
  traceId: 'x-b3-traceid',
  spanId: 'x-b3-spanid',
  parentSpanId: 'x-b3-parentspanid',
  sampled: 'x-b3-sampled',
  flags: 'x-b3-flags',
} as const satisfies Record<keyof B3MultiHeaders, string>;

/**
 * The W3C `traceparent` header: `{version}-{trace-id}-{parent-id}-{trace-flags}`.
 *
 * Spec: W3C Trace Context Level 1 §3.2.
 *
 * @example
 * ```ts
 * request.headers[TRACEPARENT_HEADER]; // reads 'traceparent'
 * ```
 */
export const TRACEPARENT_HEADER = 'traceparent';

/**
 * The W3C `tracestate` header, which belongs to the `traceparent` beside it.
 *
 * Spec: W3C Trace Context Level 1 §3.3.
 *
 * @example
 * ```ts
 * request.headers[TRACESTATE_HEADER]; // reads 'tracestate'
 * ```
 */
export const TRACESTATE_HEADER = 'tracestate';

/**
 * Envoy's `x-ot-span-context` header (its Zipkin text form or a LightStep binary context in
 * base64), forwarded opaquely.
 *
 * @example
 * ```ts
 * request.headers[OT_SPAN_CONTEXT_HEADER]; // reads 'x-ot-span-context'
 * ```
 */
export const OT_SPAN_CONTEXT_HEADER = 'x-ot-span-context';

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
 * The headers of each format, in the order OpenTelemetry's own propagators list them in
 * `fields()` (`B3SinglePropagator`: `b3`; `B3MultiPropagator`: trace ID, span ID, flags, sampled,
 * parent span ID; `W3CTraceContextPropagator`: `traceparent`, `tracestate`;
 * `W3CBaggagePropagator`: `baggage`). The one list of the headers hoptrace carries per format:
 * what extraction reads, what the options refuse as a request ID or `forwardHeaders` name, what
 * `HoptracePropagator` asks a getter for and lists in `fields()`.
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
  'b3-single': Object.freeze([B3_SINGLE_HEADER]),
  'b3-multi': Object.freeze([
    B3_MULTI_HEADER_NAMES.traceId,
    B3_MULTI_HEADER_NAMES.spanId,
    B3_MULTI_HEADER_NAMES.flags,
    B3_MULTI_HEADER_NAMES.sampled,
    B3_MULTI_HEADER_NAMES.parentSpanId,
  ]),
  traceparent: Object.freeze([TRACEPARENT_HEADER, TRACESTATE_HEADER]),
  'x-ot-span-context': Object.freeze([OT_SPAN_CONTEXT_HEADER]),
  baggage: Object.freeze([BAGGAGE_HEADER]),
});

// ---- Limits on what is read ----
// Client-sent values are attacker-controlled and travel on to every downstream call: each header
// is capped before its grammar is checked.

/**
 * Longest `x-request-id` value accepted, in characters (all of them ASCII, so also bytes).
 *
 * 200 holds every format met in practice with room to spare: a UUID is 36 characters, nginx's
 * `$request_id` 32, an AWS `X-Amzn-Trace-Id` with all its fields 74, and the output of HAProxy's
 * documented `unique-id-format` (`7F000001:8296_7F00001E:1F90_4F7B0A69_0003:790A`) 46. The cap
 * exists because a client-sent ID is attacker-controlled and ends up in logs and in the response
 * (fastify#4192). hono caps at 255; 200 keeps log lines bounded while losing no real ID.
 *
 * @example
 * ```ts
 * 'a'.repeat(REQUEST_ID_MAX_LENGTH); // the longest accepted ID
 * ```
 */
export const REQUEST_ID_MAX_LENGTH = 200;

/**
 * Longest `b3` value there is: a 32-hex trace ID, a span ID, the sampling state and a parent span
 * ID (`32 + 1 + 16 + 1 + 1 + 1 + 16`). Used to tell `too-long` from `malformed` in a rejection.
 *
 * Spec: openzipkin/b3-propagation README, "Single Header".
 */
export const B3_SINGLE_MAX_LENGTH = 68;

/**
 * Longest value of one `x-b3-*` header there is: a 32-hex trace ID. Used to tell `too-long` from
 * `malformed` in a rejection.
 *
 * Spec: openzipkin/b3-propagation README, "Multiple Headers".
 */
export const B3_MULTI_MAX_LENGTH = 32;

/**
 * The longest `traceparent` of a higher version that is forwarded as received. Version `00` is 55
 * characters; later versions only add fields (§3.2.4), and this leaves room for several.
 */
export const TRACEPARENT_MAX_LENGTH = 512;

/**
 * Longest `tracestate` (all its lines joined) forwarded. W3C Trace Context §3.3.1.5 asks for at
 * least 512; 32 full members need about 16 KiB, but 32 members of at most 513 characters rarely
 * come near this, and anything longer is padding (empty members, OWS) that would ride on every
 * outbound call.
 */
export const TRACESTATE_MAX_LENGTH = 8192;

/**
 * The most list-members a `tracestate` may hold. A received `tracestate` with more is invalid and
 * dropped, as the W3C test suite expects (`test_tracestate_member_count_limit`).
 *
 * W3C Trace Context Level 1 §3.3.1.1: "There can be a maximum of 32 `list-member`s in a `list`."
 *
 * @example
 * ```ts
 * if (entries.length === TRACESTATE_MAX_MEMBERS) entries.pop(); // make room before adding one
 * ```
 */
export const TRACESTATE_MAX_MEMBERS = 32;

/**
 * Longest `x-ot-span-context` value accepted, in characters (all of them ASCII, so also bytes).
 *
 * The text form `traceid;spanid;parentspanid;cs` is at most 69 characters with a 128-bit trace ID
 * (32 + 16 + 16 hex, three `;` and a two-letter flag). A LightStep binary context without baggage
 * is a 22-byte protobuf (`BinaryCarrier.basic_ctx`: fixed64 trace and span IDs, a sampled flag),
 * 32 characters in base64. 512 leaves about 350 bytes for LightStep baggage items; anything larger
 * is not a span context any more but a payload, and the `baggage` header is the place for it.
 *
 * @example
 * ```ts
 * 'A'.repeat(OT_SPAN_CONTEXT_MAX_LENGTH); // the longest accepted value
 * ```
 */
export const OT_SPAN_CONTEXT_MAX_LENGTH = 512;

/**
 * Longest `baggage-string` forwarded, in bytes (the grammar is ASCII-only, so also characters).
 *
 * 8192 is the size W3C Baggage requires every platform to propagate in full. A platform "MAY
 * define higher limits", but hoptrace does not: the header travels with every outgoing request and
 * Node refuses requests whose headers exceed 16 KiB in total (`--max-http-header-size`), so more
 * baggage would make the next hop answer 431. The old per-member cap of 4096 bytes is gone from
 * the current draft and is not applied; this total bounds every member anyway.
 *
 * Spec: W3C Baggage, "Limits", condition 2: "The resulting `baggage-string` is of size 8192 bytes
 * or less."
 *
 * @example
 * ```ts
 * parseBaggage(`a=${'x'.repeat(BAGGAGE_MAX_LENGTH - 2)}`); // forwarded: exactly 8192 bytes
 * ```
 */
export const BAGGAGE_MAX_LENGTH = 8192;

/**
 * Most list-members forwarded.
 *
 * W3C Baggage requires at least 64 and lets a platform go higher ("SHOULD propagate as much
 * baggage information as is reasonable"). 180 is the most the grammar itself admits
 * (`baggage-string = list-member 0*179( OWS "," OWS list-member )`) and what OpenTelemetry SDKs
 * emit (`BAGGAGE_MAX_NAME_VALUE_PAIRS = 180`), so baggage from an OpenTelemetry service is never
 * cut for its member count alone.
 *
 * Spec: W3C Baggage, "Definition" (ABNF) and "Limits", condition 1.
 *
 * @example
 * ```ts
 * const members = Array.from({ length: BAGGAGE_MAX_MEMBERS + 1 }, (_, index) => `k${index}=v`);
 * parseBaggage(members.join(',')); // the first 180 members only
 * ```
 */
export const BAGGAGE_MAX_MEMBERS = 180;
