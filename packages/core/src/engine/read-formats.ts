import type { B3Context } from '../codec/b3-context.js';
import { type B3MultiHeaders, parseB3Multi } from '../codec/b3-multi.js';
import { parseB3Single } from '../codec/b3-single.js';
import { parseBaggage } from '../codec/baggage.js';
import {
  B3_MULTI_HEADER_NAMES,
  B3_MULTI_MAX_LENGTH,
  B3_SINGLE_HEADER,
  B3_SINGLE_MAX_LENGTH,
  BAGGAGE_HEADER,
  BAGGAGE_MAX_LENGTH,
  OT_SPAN_CONTEXT_HEADER,
  OT_SPAN_CONTEXT_MAX_LENGTH,
  TRACEPARENT_HEADER,
  TRACEPARENT_MAX_LENGTH,
  TRACESTATE_HEADER,
  TRACESTATE_MAX_LENGTH,
} from '../codec/headers.js';
import { trimOptionalWhitespace } from '../codec/optional-whitespace.js';
import { rejectionReason } from '../codec/rejection.js';
import { parseTraceparent, type Traceparent, traceparentToForward } from '../codec/traceparent.js';
import { isValidTracestate } from '../codec/tracestate.js';
import { parseOtSpanContext } from '../codec/x-ot-span-context.js';
import { firstValue, type HeaderVerdicts, onlyValue } from './header-verdicts.js';
import type { HeaderValues } from './read-carrier.js';

// One reader per format: each takes the values read from the carrier, has the format's codec
// judge them, keeps what is valid in `verdicts.incoming` (as it will be forwarded) and records a
// rejection with its reason for the rest. A format left out of `formats` is not read at all.

/**
 * The single `b3` header; repeated, the first value wins.
 *
 * @example
 * ```ts
 * readB3Single(new Map([['b3', ['0']]]), verdicts); // { sampling: 'deny' }
 * ```
 */
export function readB3Single(
  values: HeaderValues,
  verdicts: HeaderVerdicts,
): B3Context | undefined {
  if (!values.has(B3_SINGLE_HEADER)) return undefined;
  const raw = firstValue(values.get(B3_SINGLE_HEADER)) ?? '';
  const single = parseB3Single(raw);
  if (single === undefined) verdicts.rejectValue(B3_SINGLE_HEADER, raw, B3_SINGLE_MAX_LENGTH);
  else verdicts.incoming[B3_SINGLE_HEADER] = raw;
  return single;
}

/**
 * The `x-b3-*` headers, judged as one set; each repeated header's first value wins. A set with
 * nothing meaningful in it (no header, or `X-B3-Flags` other than `1`, which "can be ignored") is
 * as good as absent.
 *
 * @example
 * ```ts
 * readB3Multi(new Map([['x-b3-sampled', ['1']]]), verdicts); // { sampling: 'accept' }
 * ```
 */
export function readB3Multi(values: HeaderValues, verdicts: HeaderVerdicts): B3Context | undefined {
  const raw: B3MultiHeaders = {
    traceId: firstValue(values.get(B3_MULTI_HEADER_NAMES.traceId)),
    spanId: firstValue(values.get(B3_MULTI_HEADER_NAMES.spanId)),
    parentSpanId: firstValue(values.get(B3_MULTI_HEADER_NAMES.parentSpanId)),
    sampled: firstValue(values.get(B3_MULTI_HEADER_NAMES.sampled)),
    flags: firstValue(values.get(B3_MULTI_HEADER_NAMES.flags)),
  };
  const meaningful =
    raw.traceId !== undefined ||
    raw.spanId !== undefined ||
    raw.parentSpanId !== undefined ||
    raw.sampled !== undefined ||
    raw.flags === '1';
  if (!meaningful) return undefined;
  const multi = parseB3Multi(raw);
  if (multi === undefined) {
    rejectB3Multi(raw, verdicts);
    return undefined;
  }
  const { incoming } = verdicts;
  if (raw.traceId !== undefined) incoming[B3_MULTI_HEADER_NAMES.traceId] = raw.traceId;
  if (raw.spanId !== undefined) incoming[B3_MULTI_HEADER_NAMES.spanId] = raw.spanId;
  if (raw.parentSpanId !== undefined) {
    incoming[B3_MULTI_HEADER_NAMES.parentSpanId] = raw.parentSpanId;
  }
  // Forwarded as the spec spells it: debug as Flags alone (no Sampled beside it), and a legacy
  // `true`/`false` as 1/0 ("you shouldn't encode X-B3-Sampled as true or false").
  if (multi.sampling === 'debug') incoming[B3_MULTI_HEADER_NAMES.flags] = '1';
  else if (multi.sampling !== 'defer') {
    incoming[B3_MULTI_HEADER_NAMES.sampled] = multi.sampling === 'accept' ? '1' : '0';
  }
  return multi;
}

/**
 * The codec judges the x-b3-* headers as one set. Name the header that is broken on its own
 * (empty, too long, bad characters) when there is one; otherwise the set is malformed as a whole
 * (e.g. a span ID without a trace ID).
 */
function rejectB3Multi(raw: B3MultiHeaders, verdicts: HeaderVerdicts): void {
  let length = 0;
  for (const key of Object.keys(B3_MULTI_HEADER_NAMES) as (keyof B3MultiHeaders)[]) {
    const value = raw[key];
    if (value === undefined) continue;
    length += value.length;
    const reason = rejectionReason(value, B3_MULTI_MAX_LENGTH);
    if (reason !== 'malformed') {
      verdicts.reject(B3_MULTI_HEADER_NAMES[key], reason, value.length);
      return;
    }
  }
  verdicts.reject('x-b3-*', 'malformed', length);
}

/**
 * W3C `traceparent` and the `tracestate` that belongs to it. A `traceparent` of a later version
 * is forwarded as its version-`00` form when its tail cannot go on (and the replacement is
 * recorded as a rejection).
 *
 * @example
 * ```ts
 * readTraceparent(new Map([['traceparent', ['00-…-01']]]), verdicts); // { version: '00', … }
 * ```
 */
export function readTraceparent(
  values: HeaderValues,
  verdicts: HeaderVerdicts,
): Traceparent | undefined {
  const traceparent = readTraceparentOnly(values.get(TRACEPARENT_HEADER), verdicts);
  // W3C Trace Context §3.3.1: several tracestate lines are one list, joined with commas. An
  // empty line adds no member (the W3C test suite's test_tracestate_empty_header ignores it).
  const tracestate = (values.get(TRACESTATE_HEADER) ?? [])
    .map(trimOptionalWhitespace)
    .filter((line) => line !== '')
    .join(',');
  if (tracestate === '') return traceparent;
  if (traceparent === undefined) {
    // §3.3: without a valid traceparent, tracestate is not propagated.
    verdicts.reject(TRACESTATE_HEADER, 'orphaned', tracestate.length);
  } else if (tracestate.length > TRACESTATE_MAX_LENGTH) {
    verdicts.reject(TRACESTATE_HEADER, 'too-long', tracestate.length);
  } else if (!isValidTracestate(tracestate)) {
    verdicts.rejectValue(TRACESTATE_HEADER, tracestate, TRACESTATE_MAX_LENGTH);
  } else {
    verdicts.incoming[TRACESTATE_HEADER] = tracestate;
  }
  return traceparent;
}

function readTraceparentOnly(
  values: readonly string[] | undefined,
  verdicts: HeaderVerdicts,
): Traceparent | undefined {
  if (values === undefined) return undefined;
  const raw = onlyValue(values, TRACEPARENT_HEADER);
  if (typeof raw !== 'string') {
    verdicts.rejected.push(raw);
    return undefined;
  }
  const traceparent = parseTraceparent(raw);
  if (traceparent === undefined) {
    verdicts.rejectSingleValue(TRACEPARENT_HEADER, raw, TRACEPARENT_MAX_LENGTH);
    return undefined;
  }
  const forwarded = traceparentToForward(raw, traceparent);
  // A later version's tail that could not go on is recorded: the header was replaced.
  if (forwarded !== raw)
    verdicts.rejectSingleValue(TRACEPARENT_HEADER, raw, TRACEPARENT_MAX_LENGTH);
  verdicts.incoming[TRACEPARENT_HEADER] = forwarded;
  return traceparent;
}

/**
 * Envoy's `x-ot-span-context`, forwarded opaquely once its charset and length pass.
 *
 * @example
 * ```ts
 * readOtSpanContext(new Map([['x-ot-span-context', ['a;b;c;cs']]]), verdicts);
 * ```
 */
export function readOtSpanContext(values: HeaderValues, verdicts: HeaderVerdicts): void {
  const lines = values.get(OT_SPAN_CONTEXT_HEADER);
  if (lines === undefined) return;
  const raw = onlyValue(lines, OT_SPAN_CONTEXT_HEADER);
  if (typeof raw !== 'string') {
    verdicts.rejected.push(raw);
    return;
  }
  const valid = parseOtSpanContext(raw);
  if (valid === undefined) {
    verdicts.rejectSingleValue(OT_SPAN_CONTEXT_HEADER, raw, OT_SPAN_CONTEXT_MAX_LENGTH);
  } else verdicts.incoming[OT_SPAN_CONTEXT_HEADER] = valid;
}

/**
 * W3C `baggage`: several lines are one list; forwarded within its limits (`parseBaggage` may keep
 * fewer members than it got, and that is what goes on).
 *
 * @example
 * ```ts
 * readBaggage(new Map([['baggage', ['userId=alice']]]), verdicts);
 * ```
 */
export function readBaggage(values: HeaderValues, verdicts: HeaderVerdicts): void {
  const lines = values.get(BAGGAGE_HEADER);
  if (lines === undefined) return;
  // An empty line among several adds no member, so it is skipped rather than turning the joined
  // list invalid.
  const joined =
    lines.length === 1
      ? (lines[0] ?? '')
      : lines.filter((line) => trimOptionalWhitespace(line) !== '').join(',');
  const valid = joined === '' ? undefined : parseBaggage(joined);
  if (valid === undefined) verdicts.rejectValue(BAGGAGE_HEADER, joined, BAGGAGE_MAX_LENGTH);
  else verdicts.incoming[BAGGAGE_HEADER] = valid;
}
