import type { B3Context } from './b3-context.js';
import { formatB3SamplingState, parseB3SamplingState } from './b3-sampling.js';
import { isHexId } from './hex-id.js';
import { trimOptionalWhitespace } from './optional-whitespace.js';
import type { Sampling } from './sampling.js';

const HYPHEN = 0x2d;
const SPAN_ID_LENGTH = 16;

/**
 * Parses the value of the single `b3` header:
 * `{TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]`, or a sampling state alone.
 *
 * - TraceId: 16 or 32 lower-case hex, kept at the width received (never padded or truncated).
 * - SpanId and ParentSpanId: 16 lower-case hex.
 * - SamplingState: `1` accept, `0` deny, `d` debug; absent means defer.
 * - `0`, `1` or `d` alone is a sampling-only context (`{ sampling }`, no IDs).
 *
 * Leading and trailing spaces and tabs (HTTP OWS, RFC 9110 §5.5) are ignored; any other deviation
 * returns `undefined`: upper-case hex, all-zero IDs, wrong lengths, a parent without a sampling
 * state, empty or extra fields. Malformed input is never repaired, because a repaired ID would
 * silently join spans to a trace they do not belong to. Never throws.
 *
 * Runs in constant time apart from the whitespace strip: field boundaries are fixed offsets
 * derived from the position of the first hyphen, so there is no split and no regex backtracking.
 *
 * Spec: openzipkin/b3-propagation README, "Single Header" (TraceId, SpanId, Sampling State,
 * ParentSpanId) and RATIONALE.md.
 *
 * @returns The context, or `undefined` when `value` is malformed (including empty).
 * @example
 * ```ts
 * parseB3Single('80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90');
 * // { traceId: '80f198ee56343ba864fe8b2a57d3eff7', spanId: 'e457b5a2e4d86bd1',
 * //   parentSpanId: '05e3ac9a4f6e3b90', sampling: 'accept' }
 * parseB3Single('0'); // { sampling: 'deny' }
 * parseB3Single('80f198ee56343ba8-e457b5a2e4d86bd1-05e3ac9a4f6e3b90'); // undefined
 * ```
 */
export function parseB3Single(value: string): B3Context | undefined {
  const field = trimOptionalWhitespace(value);
  const length = field.length;

  if (length === 1) {
    const sampling = parseB3SamplingState(field);
    return sampling === undefined ? undefined : { sampling };
  }

  // A 32-hex trace ID has a hex digit at offset 16, so the first hyphen alone tells the width.
  let traceIdLength: number;
  if (field.charCodeAt(16) === HYPHEN) traceIdLength = 16;
  else if (field.charCodeAt(32) === HYPHEN) traceIdLength = 32;
  else return undefined;

  const spanStart = traceIdLength + 1;
  const spanEnd = spanStart + SPAN_ID_LENGTH;
  let sampling: Sampling = 'defer';
  let parentSpanId: string | undefined;

  if (length !== spanEnd) {
    if (field.charCodeAt(spanEnd) !== HYPHEN) return undefined;
    // charAt past the end yields '', which is not a state: this also rejects a trailing hyphen.
    const state = parseB3SamplingState(field.charAt(spanEnd + 1));
    if (state === undefined) return undefined;
    sampling = state;
    const stateEnd = spanEnd + 2;
    if (length !== stateEnd) {
      if (length !== stateEnd + 1 + SPAN_ID_LENGTH || field.charCodeAt(stateEnd) !== HYPHEN) {
        return undefined;
      }
      parentSpanId = field.slice(stateEnd + 1);
      if (!isHexId(parentSpanId, SPAN_ID_LENGTH)) return undefined;
    }
  }

  const traceId = field.slice(0, traceIdLength);
  const spanId = field.slice(spanStart, spanEnd);
  if (!isHexId(traceId, traceIdLength) || !isHexId(spanId, SPAN_ID_LENGTH)) return undefined;

  return parentSpanId === undefined
    ? { traceId, spanId, sampling }
    : { traceId, spanId, parentSpanId, sampling };
}

/**
 * Formats a context as the value of the single `b3` header.
 *
 * - With IDs: `{TraceId}-{SpanId}`, then `-1`, `-0` or `-d` unless the sampling is `defer`, then
 *   `-{ParentSpanId}` when there is a parent and a sampling state to put before it.
 * - Sampling only: `1`, `0` or `d`.
 * - Sampling only with `defer`: `''`. There is nothing to say, and an empty `b3` header would be
 *   malformed, so callers must not write the header when this returns `''`.
 *
 * A `defer` context with a parent loses its parent: the encoding is positional, defer is the
 * absence of the sampling field, and the parent can only sit after that field ("the last two
 * fields are optional", in that order). Dropping the optional parent is the only valid encoding;
 * the trace and span IDs, which are what receivers correlate on, are kept. Use the multi-header
 * encoding (`formatB3Multi`) when such a parent must survive.
 *
 * IDs are written as they are (a 64-bit trace ID stays 16 hex) and are not re-validated: the
 * context is expected to come from a parser or from `randomHexId`.
 *
 * Spec: openzipkin/b3-propagation README, "Single Header"; RATIONALE.md, "Encoding 'not yet
 * sampled'" and "Encoding debug".
 *
 * @example
 * ```ts
 * formatB3Single({ traceId: '80f198ee56343ba8', spanId: 'e457b5a2e4d86bd1', sampling: 'debug' });
 * // '80f198ee56343ba8-e457b5a2e4d86bd1-d'
 * formatB3Single({ sampling: 'deny' }); // '0'
 * formatB3Single({ sampling: 'defer' }); // '' (write no header)
 * ```
 */
export function formatB3Single(context: B3Context): string {
  const state = formatB3SamplingState(context.sampling);
  if (context.traceId === undefined) return state ?? '';
  const ids = `${context.traceId}-${context.spanId}`;
  if (state === undefined) return ids;
  return context.parentSpanId === undefined
    ? `${ids}-${state}`
    : `${ids}-${state}-${context.parentSpanId}`;
}
