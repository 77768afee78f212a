import type { B3Context } from '../codec/b3-context.js';
import {
  B3_MULTI_HEADER_NAMES,
  B3_SINGLE_HEADER,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
} from '../codec/headers.js';
import { randomHexId } from '../codec/hex-id.js';
import type { Sampling } from '../codec/sampling.js';
import { TRACE_FLAG_SAMPLED, type Traceparent } from '../codec/traceparent.js';
import type { TraceSource } from '../context/trace-context.js';
import type { HeaderVerdicts } from './header-verdicts.js';

/** The valid trace headers of a request, by format (`undefined`: absent, rejected or not read). */
export interface TraceHeaders {
  readonly single: B3Context | undefined;
  readonly multi: B3Context | undefined;
  readonly traceparent: Traceparent | undefined;
}

/** The trace a request joins (or starts), and where it came from. */
export interface ChosenTrace {
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  readonly parentSpanId: string | undefined;
  readonly sampling: Sampling;
  readonly traceSource: TraceSource | undefined;
}

/**
 * Picks the trace by precedence: B3 single, then B3 multi (B3 README: "the single header variant
 * takes precedence over the multiple header one when extracting fields"), then W3C traceparent;
 * with none, a new trace when `startTrace` is on. A B3 header with only a sampling decision
 * (`b3: 0`) has only that to give: it sets the sampling of whichever identity is used.
 *
 * @example
 * ```ts
 * chooseTrace({ single: { sampling: 'deny' }, multi: undefined, traceparent }, true);
 * // traceparent's IDs, sampling 'deny', traceSource 'traceparent'
 * ```
 */
export function chooseTrace(found: TraceHeaders, startTrace: boolean): ChosenTrace {
  const { single, multi, traceparent } = found;
  const sampling: Sampling =
    (single ?? multi)?.sampling ?? (traceparent ? traceparentSampling(traceparent) : 'defer');

  if (single?.traceId !== undefined) {
    return {
      traceId: single.traceId,
      spanId: single.spanId,
      parentSpanId: single.parentSpanId ?? parentFromMulti(single, multi),
      sampling,
      traceSource: 'b3-single',
    };
  }
  if (multi?.traceId !== undefined) {
    const { traceId, spanId, parentSpanId } = multi;
    return { traceId, spanId, parentSpanId, sampling, traceSource: 'b3-multi' };
  }
  if (traceparent !== undefined) {
    const { traceId, parentId } = traceparent;
    return {
      traceId,
      spanId: parentId,
      parentSpanId: undefined,
      sampling,
      traceSource: 'traceparent',
    };
  }
  if (startTrace) {
    return {
      traceId: randomHexId(16),
      spanId: randomHexId(8),
      parentSpanId: undefined,
      sampling,
      traceSource: 'generated',
    };
  }
  return {
    traceId: undefined,
    spanId: undefined,
    parentSpanId: undefined,
    sampling,
    traceSource: undefined,
  };
}

/**
 * B3 single can carry a parent only after a sampling state (`{trace}-{span}-{sampled}-{parent}`),
 * so with the decision deferred a sender writes `b3: {trace}-{span}` and the parent in
 * x-b3-parentspanid alone. When both name the same span, the multi header's parent belongs to it;
 * dropping it would cut the parent link at every deferred hop.
 */
function parentFromMulti(single: B3Context, multi: B3Context | undefined): string | undefined {
  if (multi !== undefined && multi.traceId === single.traceId && multi.spanId === single.spanId) {
    return multi.parentSpanId;
  }
  return undefined;
}

function traceparentSampling(traceparent: Traceparent): Sampling {
  return (traceparent.traceFlags & TRACE_FLAG_SAMPLED) === TRACE_FLAG_SAMPLED ? 'accept' : 'deny';
}

/**
 * Headers that name another trace than `traceId` (the one in use) are not forwarded: a hop must
 * not carry two traces, and a `tracestate` belongs to its `traceparent`'s trace (W3C Trace
 * Context §3.3). Each dropped one is recorded as `conflicting` (`tracestate`: `orphaned`).
 *
 * @example
 * ```ts
 * dropConflicts(verdicts, chosen.traceId, found);
 * ```
 */
export function dropConflicts(
  verdicts: HeaderVerdicts,
  traceId: string,
  found: TraceHeaders,
): void {
  const { incoming } = verdicts;
  const { single, multi, traceparent } = found;
  const padded = traceId.padStart(32, '0');
  if (single?.traceId !== undefined && !sameTrace(padded, single.traceId)) {
    verdicts.reject(B3_SINGLE_HEADER, 'conflicting', incoming[B3_SINGLE_HEADER]?.length ?? 0);
    delete incoming[B3_SINGLE_HEADER];
  }
  if (multi?.traceId !== undefined && !sameTrace(padded, multi.traceId)) {
    let length = 0;
    for (const name of Object.values(B3_MULTI_HEADER_NAMES)) {
      length += incoming[name]?.length ?? 0;
      delete incoming[name];
    }
    verdicts.reject('x-b3-*', 'conflicting', length);
  }
  if (traceparent !== undefined && !sameTrace(traceparent.traceId, traceId)) {
    verdicts.reject(TRACEPARENT_HEADER, 'conflicting', incoming[TRACEPARENT_HEADER]?.length ?? 0);
    delete incoming[TRACEPARENT_HEADER];
    const tracestate = incoming[TRACESTATE_HEADER];
    if (tracestate !== undefined) {
      verdicts.reject(TRACESTATE_HEADER, 'orphaned', tracestate.length);
      delete incoming[TRACESTATE_HEADER];
    }
  }
}

/**
 * Whether a W3C 32-hex trace ID and a B3 trace ID (16 or 32 hex) name the same trace: a 64-bit
 * B3 ID is the W3C ID left-padded with zeros (W3C Trace Context §3.2.2.3).
 *
 * @example
 * ```ts
 * sameTrace('000000000000000080f198ee56343ba8', '80f198ee56343ba8'); // true
 * ```
 */
export function sameTrace(w3cTraceId: string, traceId: string | undefined): boolean {
  if (traceId === undefined) return false;
  if (traceId.length === 32) return traceId === w3cTraceId;
  return w3cTraceId === `0000000000000000${traceId}`;
}
