import type { B3Context } from './b3-context.js';
import { formatB3SamplingState } from './b3-sampling.js';
import { isHexId } from './hex-id.js';
import { trimOptionalWhitespace } from './optional-whitespace.js';
import type { Sampling } from './sampling.js';

/** Re-exported where it was first defined; named in `headers.ts` with every other header. */
export { B3_MULTI_HEADER_NAMES } from './headers.js';

const SPAN_ID_LENGTH = 16;

/**
 * The raw values of the B3 multi-header encoding, one property per `x-b3-*` header.
 *
 * `undefined` means the header is absent, which is not the same as present and empty: an empty
 * `X-B3-Sampled:` is malformed. When a header was repeated, the engine has already kept the first
 * value ("When extracting state headers, the first value wins").
 *
 * Spec: openzipkin/b3-propagation README, "Multiple Headers".
 *
 * @example
 * ```ts
 * const headers: B3MultiHeaders = {
 *   traceId: '463ac35c9f6413ad48485a3953bb6124',
 *   spanId: 'a2fb4a1d1a96d312',
 *   sampled: '1',
 * };
 * ```
 */
export interface B3MultiHeaders {
  /** `X-B3-TraceId`: 16 or 32 lower-case hex. */
  readonly traceId?: string | undefined;
  /** `X-B3-SpanId`: 16 lower-case hex. */
  readonly spanId?: string | undefined;
  /** `X-B3-ParentSpanId`: 16 lower-case hex; absent on a root span. */
  readonly parentSpanId?: string | undefined;
  /** `X-B3-Sampled`: `1` or `0` (`true`/`false` read leniently); absent means defer. */
  readonly sampled?: string | undefined;
  /** `X-B3-Flags`: `1` means debug; other values are ignored. */
  readonly flags?: string | undefined;
}

/**
 * Parses the B3 multi-header encoding.
 *
 * - `traceId` and `spanId` come together (a context with IDs) or not at all (sampling only);
 *   one without the other is malformed. `parentSpanId` is only valid alongside them.
 * - IDs follow the same rules as `b3`: trace ID 16 or 32 lower-case hex kept at its width, span
 *   and parent span ID 16 lower-case hex, never all zero.
 * - `sampled`: `1` accept, `0` deny, absent defer. The legacy `true`/`false` are read as accept
 *   and deny (exact lower case only); anything else, including the empty string, is malformed.
 * - `flags`: `1` means debug, which wins over `sampled`; absent or any other value is ignored.
 * - Sampling only (`sampled` and/or `flags: 1`, no IDs) yields `{ sampling }`.
 *
 * Leading and trailing spaces and tabs (HTTP OWS, RFC 9110 §5.5) are ignored in every value.
 * Never throws.
 *
 * Spec: openzipkin/b3-propagation README, "Multiple Headers" (TraceId, SpanId, ParentSpanId,
 * Sampling State, Debug Flag); RATIONALE.md for the flags-over-sampled mapping.
 *
 * @returns The context; `undefined` when every header is absent (or only an ignored `flags`
 *   value is present), and when any of them is malformed.
 * @example
 * ```ts
 * parseB3Multi({ traceId: '463ac35c9f6413ad', spanId: 'a2fb4a1d1a96d312', sampled: '1' });
 * // { traceId: '463ac35c9f6413ad', spanId: 'a2fb4a1d1a96d312', sampling: 'accept' }
 * parseB3Multi({ flags: '1' }); // { sampling: 'debug' }
 * parseB3Multi({ traceId: '463ac35c9f6413ad' }); // undefined (no span ID)
 * parseB3Multi({ sampled: '' }); // undefined (empty is malformed, not absent)
 * ```
 */
export function parseB3Multi(headers: B3MultiHeaders): B3Context | undefined {
  let sampling: Sampling = 'defer';
  if (headers.sampled !== undefined) {
    const decision = parseSampled(trimOptionalWhitespace(headers.sampled));
    if (decision === undefined) return undefined;
    sampling = decision;
  }
  // RATIONALE.md maps the sampling field as "if x-b3-flags 'd' else x-b3-sampled": debug wins
  // even over a contradicting `X-B3-Sampled: 0`. Other flag values "can be ignored" (README).
  if (headers.flags !== undefined && trimOptionalWhitespace(headers.flags) === '1') {
    sampling = 'debug';
  }

  const rawTraceId = headers.traceId;
  const rawSpanId = headers.spanId;
  const rawParentSpanId = headers.parentSpanId;

  if (rawTraceId === undefined && rawSpanId === undefined) {
    // A parent locates a span in a trace, so without the trace it is nonsense, not a hint.
    if (rawParentSpanId !== undefined || sampling === 'defer') return undefined;
    return { sampling };
  }
  if (rawTraceId === undefined || rawSpanId === undefined) return undefined;

  const traceId = trimOptionalWhitespace(rawTraceId);
  if (!isHexId(traceId, traceId.length === 32 ? 32 : 16)) return undefined;
  const spanId = trimOptionalWhitespace(rawSpanId);
  if (!isHexId(spanId, SPAN_ID_LENGTH)) return undefined;
  if (rawParentSpanId === undefined) return { traceId, spanId, sampling };

  const parentSpanId = trimOptionalWhitespace(rawParentSpanId);
  if (!isHexId(parentSpanId, SPAN_ID_LENGTH)) return undefined;
  return { traceId, spanId, parentSpanId, sampling };
}

/**
 * Formats a context as B3 multi-header values; a property is present only when its header must be
 * written, so callers can write every property they find.
 *
 * - IDs are written as they are (a 64-bit trace ID stays 16 hex), with the parent when there is
 *   one. Unlike `b3`, this encoding keeps the parent of a `defer` context.
 * - `accept` → `sampled: '1'`, `deny` → `sampled: '0'`, `defer` → no `sampled`. `true`/`false` are
 *   never written.
 * - `debug` → `flags: '1'` and no `sampled`: "Debug implies an accept decision, so don't also
 *   send the `X-B3-Sampled` header".
 * - Sampling only: just `sampled` or `flags`; sampling only with `defer` gives `{}` (nothing to
 *   write).
 *
 * IDs are not re-validated: the context is expected to come from a parser or from `randomHexId`.
 *
 * Spec: openzipkin/b3-propagation README, "Multiple Headers" → "Sampling State" and "Debug Flag".
 *
 * @example
 * ```ts
 * formatB3Multi({ traceId: '463ac35c9f6413ad', spanId: 'a2fb4a1d1a96d312', sampling: 'debug' });
 * // { traceId: '463ac35c9f6413ad', spanId: 'a2fb4a1d1a96d312', flags: '1' }
 * formatB3Multi({ sampling: 'deny' }); // { sampled: '0' }
 * ```
 */
export function formatB3Multi(context: B3Context): B3MultiHeaders {
  const headers: {
    traceId?: string;
    spanId?: string;
    parentSpanId?: string;
    sampled?: string;
    flags?: string;
  } = {};
  if (context.traceId !== undefined) {
    headers.traceId = context.traceId;
    headers.spanId = context.spanId;
    if (context.parentSpanId !== undefined) headers.parentSpanId = context.parentSpanId;
  }
  if (context.sampling === 'debug') {
    headers.flags = '1';
  } else {
    const state = formatB3SamplingState(context.sampling);
    if (state !== undefined) headers.sampled = state;
  }
  return headers;
}

function parseSampled(value: string): 'accept' | 'deny' | undefined {
  switch (value) {
    case '1':
      return 'accept';
    case '0':
      return 'deny';
    // Pre-spec tracers wrote these; the README allows a lenient reader to accept them.
    case 'true':
      return 'accept';
    case 'false':
      return 'deny';
    default:
      return undefined;
  }
}
