/**
 * Every header a mesh sends for a trace and hoptrace reads and writes: the request ID, B3 single
 * and multi, W3C `traceparent`/`tracestate`, `x-ot-span-context` and `baggage`. Written out here
 * rather than taken from core, so that a test checks core's own list against an independent one.
 *
 * @example
 * ```ts
 * const forwarded = TRACE_HEADER_NAMES.filter((name) => request.headers[name] !== undefined);
 * ```
 */
export const TRACE_HEADER_NAMES: readonly string[] = Object.freeze([
  'x-request-id',
  'b3',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'traceparent',
  'tracestate',
  'x-ot-span-context',
  'baggage',
]);
