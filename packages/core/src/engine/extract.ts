import { isSampled } from '../codec/sampling.js';
import { ContextSlot } from '../context/context-slot.js';
import type { TraceContext } from '../context/trace-context.js';
import {
  chooseRequestId,
  type ExtractRequestInfo,
  type IncomingRequest,
  type RequestIdChoice,
  readCorrelationId,
} from './choose-request-id.js';
import { chooseTrace, dropConflicts } from './choose-trace-source.js';
import { readForwardHeaders } from './forward-headers.js';
import type { HeaderCarrier, HeaderRecord } from './header-carrier.js';
import { HeaderVerdicts } from './header-verdicts.js';
import { type HoptraceOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { readCarrier, readRecordHeader } from './read-carrier.js';
import {
  readB3Multi,
  readB3Single,
  readBaggage,
  readOtSpanContext,
  readTraceparent,
} from './read-formats.js';

/** Most requests have no rejection: they share one frozen empty list. */
const NO_REJECTIONS: readonly never[] = Object.freeze([]);

export type { ExtractRequestInfo } from './choose-request-id.js';
export { sameTrace } from './choose-trace-source.js';

/**
 * Reads the trace context of an incoming request from its headers. Never throws on any header
 * input: invalid headers are dropped and listed in `rejected` with the reason; an invalid or
 * missing request ID is replaced by a generated one; when no valid trace arrived, a new one
 * starts (unless `startTrace: false`).
 *
 * Precedence between formats: B3 single, then B3 multi (B3 README: the single header takes
 * precedence), then W3C traceparent. A B3 header that carries only a sampling decision
 * (`b3: 0`) sets the sampling of whichever identity is used.
 *
 * @param headers - Node `IncomingHttpHeaders`, a fetch `Headers`, a plain record, or undici raw headers.
 * @param options - {@link HoptraceOptions}; validated once per object (throws on bad options).
 * @param info - The peer address and framework request, handed to a `trustRequestId` function.
 * @returns A frozen {@link TraceContext}.
 *
 * @example
 * ```ts
 * import { extract } from '@hoptrace/core';
 * const context = extract(request.headers);
 * console.log(context.requestId, context.traceId, context.rejected);
 * ```
 */
export function extract(
  headers: HeaderCarrier,
  options?: HoptraceOptions,
  info?: ExtractRequestInfo,
): TraceContext {
  return extractResolved(headers, resolveOptions(options), info);
}

/** {@link extract} with options already resolved: the engine's per-request entry point. */
export function extractResolved(
  headers: HeaderCarrier,
  options: ResolvedOptions,
  info?: ExtractRequestInfo,
): TraceContext {
  return extractContext({ headers, options, info }, undefined);
}

/**
 * Reads the request ID of a request whose headers are a record (Node's `IncomingHttpHeaders`)
 * now, and the rest of its trace context on first use of the slot's `context` (see
 * {@link ContextSlot} for why): {@link extractContext} then runs with the request ID chosen here.
 * Never throws on header input.
 *
 * @example
 * ```ts
 * const slot = openExtraction(request.headers, hoptrace.options, undefined);
 * response.setHeader('x-request-id', slot.requestId);
 * slot.context.traceId; // the trace headers are read here
 * ```
 */
export function openExtraction(
  headers: HeaderRecord,
  options: ResolvedOptions,
  info: ExtractRequestInfo | undefined,
): ContextSlot {
  const request: IncomingRequest = { headers, options, info };
  // Only the request ID header, looked up by name: it is all a server needs before it answers.
  const requestId = chooseRequestId(readRecordHeader(headers, options.requestIdHeader), request);
  return new ContextSlot(
    requestId.requestId,
    { finish: () => extractContext(request, requestId) },
    options,
  );
}

/**
 * The one extraction: reads the request's headers, validates each format, picks the trace by
 * precedence and builds the frozen {@link TraceContext}. `requestId` is the choice made when the
 * request arrived ({@link openExtraction}), or `undefined` to make it from these headers.
 */
function extractContext(
  request: IncomingRequest,
  requestId: RequestIdChoice | undefined,
): TraceContext {
  const { options } = request;
  const { formats } = options;

  // 1. The values of every header hoptrace reads, from whatever carrier this is.
  const values = readCarrier(request.headers, options);

  // 2. The request ID and the correlation ID: kept when valid and trusted.
  const chosen = requestId ?? chooseRequestId(values.get(options.requestIdHeader), request);
  const verdicts = new HeaderVerdicts(chosen.rejection);
  const correlationId = verdicts.keep(
    options.correlationIdHeader,
    readCorrelationId(values, request, chosen.trusted),
  );

  // 3. Each format, judged by its codec: kept in `incoming` when valid, `rejected` with why.
  const found = {
    single: formats.has('b3-single') ? readB3Single(values, verdicts) : undefined,
    multi: formats.has('b3-multi') ? readB3Multi(values, verdicts) : undefined,
    traceparent: formats.has('traceparent') ? readTraceparent(values, verdicts) : undefined,
  };
  if (formats.has('x-ot-span-context')) readOtSpanContext(values, verdicts);
  if (formats.has('baggage')) readBaggage(values, verdicts);
  readForwardHeaders(values, options, verdicts);

  // 4. The trace: B3 single, then B3 multi, then traceparent, else a new one. Headers that name
  // another trace are not forwarded.
  const trace = chooseTrace(found, options.startTrace);
  if (trace.traceId !== undefined) dropConflicts(verdicts, trace.traceId, found);

  // 5. The context, frozen.
  const { incoming, rejected } = verdicts;
  return Object.freeze({
    requestId: chosen.requestId,
    requestIdSource: chosen.source,
    untrustedRequestId: chosen.untrustedRequestId,
    correlationId,
    traceId: trace.traceId,
    spanId: trace.spanId,
    parentSpanId: trace.parentSpanId,
    sampling: trace.sampling,
    sampled: isSampled(trace.sampling),
    debug: trace.sampling === 'debug',
    traceSource: trace.traceSource,
    tracestate: incoming.tracestate,
    baggage: incoming.baggage,
    incoming: Object.freeze(incoming),
    rejected: rejected.length === 0 ? NO_REJECTIONS : Object.freeze(rejected),
  });
}
