import type { B3Identity } from '../codec/b3-context.js';
import {
  B3_MULTI_HEADER_NAMES,
  type B3MultiHeaders,
  formatB3Multi,
  parseB3Multi,
} from '../codec/b3-multi.js';
import { formatB3Single, parseB3Single } from '../codec/b3-single.js';
import { isSafeHeaderValue } from '../codec/header-value.js';
import { randomHexId } from '../codec/hex-id.js';
import { formatTraceparent, parseTraceparent, TRACE_FLAG_SAMPLED } from '../codec/traceparent.js';
import { currentRequestOptions } from '../context/context-storage.js';
import type { TraceContext } from '../context/trace-context.js';
import { diagnosticHopOf } from '../diagnostics/diagnostic-hop.js';
import { DIAGNOSTICS_HEADER } from '../diagnostics/trail.js';
import { type ActiveSpan, activeSpan } from './active-span.js';
import { type HeaderTarget, headerTarget, type WritableHeaderCarrier } from './header-target.js';
import {
  type HoptraceOptions,
  newRequestId,
  type ResolvedOptions,
  resolveOptions,
} from './options.js';

/**
 * The headers that together state one trace identity. A carrier that already has any of them
 * gets none of ours, so one request never carries two different traces.
 */
export const TRACE_IDENTITY_HEADERS: readonly string[] = Object.freeze([
  'b3',
  ...Object.values(B3_MULTI_HEADER_NAMES),
  'traceparent',
  'tracestate',
]);

const TRACE_IDENTITY = new Set(TRACE_IDENTITY_HEADERS);

/** Appends `name, value` to a flat pair list. */
type Pairs = string[];

function writeIdentity(
  pairs: Pairs,
  identity: B3Identity,
  options: ResolvedOptions,
  tracestate: string | undefined,
): void {
  if (options.formats.has('b3-single')) pairs.push('b3', formatB3Single(identity));
  if (options.formats.has('b3-multi')) {
    const multi = formatB3Multi(identity);
    if (multi.traceId !== undefined) pairs.push(B3_MULTI_HEADER_NAMES.traceId, multi.traceId);
    if (multi.spanId !== undefined) pairs.push(B3_MULTI_HEADER_NAMES.spanId, multi.spanId);
    if (multi.parentSpanId !== undefined)
      pairs.push(B3_MULTI_HEADER_NAMES.parentSpanId, multi.parentSpanId);
    if (multi.sampled !== undefined) pairs.push(B3_MULTI_HEADER_NAMES.sampled, multi.sampled);
    if (multi.flags !== undefined) pairs.push(B3_MULTI_HEADER_NAMES.flags, multi.flags);
  }
  if (options.formats.has('traceparent')) {
    const traceparent = formatTraceparent({
      version: '00',
      // W3C Trace Context §3.2.2.3: a 64-bit trace ID is left-padded with zeros to 128 bits.
      traceId: identity.traceId.padStart(32, '0'),
      parentId: identity.spanId,
      traceFlags:
        identity.sampling === 'accept' || identity.sampling === 'debug' ? TRACE_FLAG_SAMPLED : 0,
    });
    pairs.push('traceparent', traceparent);
    if (tracestate !== undefined) pairs.push('tracestate', tracestate);
  }
}

/**
 * The outbound headers as a flat `[name, value, …]` list, in the order they are written. The
 * engine's own form: cheaper to build and walk than a record on the per-call path. The trace
 * identity is the active local span's when a tracer bridge reports one (see {@link activeSpan}).
 */
function outboundPairs(context: TraceContext, options: ResolvedOptions): Pairs {
  return outboundPairsWith(context, options, activeSpan());
}

/**
 * {@link outboundPairs} with the span to carry given: `span` (a tracer's span, valid and checked)
 * replaces the request's own identity in every enabled format, as is: no child span is minted and
 * no B3 parent is written, because the tracer reports that span and knows its parent. Without
 * `span`, the request's identity per `mode`. Without `context`, only `span` (no request ID).
 */
export function outboundPairsWith(
  context: TraceContext | undefined,
  options: ResolvedOptions,
  span: ActiveSpan | undefined,
): Pairs {
  return withoutUnsafeValues(candidatePairs(context, options, span));
}

/**
 * Removes, in place, every pair whose value {@link isSafeHeaderValue} refuses. Extraction keeps
 * no such value, but a context may be built by hand or bridged from a tracer, and the
 * diagnostics_channel hooks write after the client's own checks: this is the one place that
 * holds for every client, so no call can fail, or carry a smuggled line, for a header we added.
 */
function withoutUnsafeValues(pairs: Pairs): Pairs {
  let kept = 0;
  for (let index = 0; index + 1 < pairs.length; index += 2) {
    const value = pairs[index + 1] as string;
    if (!isSafeHeaderValue(value)) continue;
    pairs[kept] = pairs[index] as string;
    pairs[kept + 1] = value;
    kept += 2;
  }
  pairs.length = kept;
  return pairs;
}

function candidatePairs(
  context: TraceContext | undefined,
  options: ResolvedOptions,
  span: ActiveSpan | undefined,
): Pairs {
  if (context === undefined) {
    const pairs: Pairs = [];
    if (span !== undefined) writeSpan(pairs, span, undefined, options);
    return pairs;
  }
  const correlationHeader = options.correlationIdHeader;
  // per-call: a fresh ID for this request/response pair, the chain's ID beside it (resolveOptions
  // guarantees a correlation header in that mode).
  const perCall = options.outboundRequestId === 'per-call' && correlationHeader !== undefined;
  const pairs: Pairs = perCall
    ? [
        options.requestIdHeader,
        newRequestId(options),
        correlationHeader,
        context.correlationId ?? context.requestId,
      ]
    : [options.requestIdHeader, context.requestId];
  const { traceId, spanId, incoming } = context;
  const writesIdentity =
    span !== undefined ||
    (traceId !== undefined &&
      spanId !== undefined &&
      (options.mode === 'child' || context.traceSource === 'generated'));

  for (const name in incoming) {
    if (writesIdentity && TRACE_IDENTITY.has(name)) continue;
    if (perCall && name === correlationHeader) continue;
    const value = incoming[name];
    if (value !== undefined) pairs.push(name, value);
  }
  // A diagnostic request (accepted by this service's adapter) takes its token downstream.
  const diagnostic = diagnosticHopOf(context);
  if (diagnostic !== undefined) pairs.push(DIAGNOSTICS_HEADER, diagnostic.token);
  if (span !== undefined) {
    writeSpan(pairs, span, context, options);
  } else if (writesIdentity && traceId !== undefined && spanId !== undefined) {
    const child = options.mode === 'child';
    writeIdentity(
      pairs,
      {
        traceId,
        spanId: child ? randomHexId(8) : spanId,
        parentSpanId: child ? spanId : context.parentSpanId,
        sampling: context.sampling,
      },
      options,
      context.tracestate,
    );
  }
  return pairs;
}

/**
 * Writes a tracer's span. A trace that arrived as 64-bit B3 keeps its 16-hex form in B3 (the
 * tracer holds it zero-padded to 32, W3C Trace Context §3.2.2.3), and B3 debug stays on while
 * the span is sampled (B3 README: debug is sticky downstream). A span the tracer marked debug
 * (`span.debug`) is debug in any case, and so sampled in every format: B3 debug implies accept.
 */
function writeSpan(
  pairs: Pairs,
  span: ActiveSpan,
  context: TraceContext | undefined,
  options: ResolvedOptions,
): void {
  const sameTrace = context?.traceId !== undefined && sameTraceId(span.traceId, context.traceId);
  const debug = span.debug === true || (span.sampled && sameTrace && context?.debug === true);
  writeIdentity(
    pairs,
    {
      traceId: sameTrace && context?.traceId !== undefined ? context.traceId : span.traceId,
      spanId: span.spanId,
      sampling: debug ? 'debug' : span.sampled ? 'accept' : 'deny',
    },
    options,
    span.tracestate,
  );
}

/**
 * The headers an outbound call made inside `context` must carry, lower-case name → value.
 *
 * - Always the request ID (under `requestIdHeader`): the current request's (`outboundRequestId:
 *   'forward'`), or a fresh one per call with the chain's ID under `correlationIdHeader`
 *   (`'per-call'`: the incoming correlation ID, else the current request ID).
 * - `forward` mode with an incoming trace: every valid incoming propagation header, byte for byte.
 * - `child` mode, or a trace started here: the trace identity written in every enabled format
 *   (B3 single, B3 multi, traceparent; tracestate when it belongs to the trace), plus the opaque
 *   headers (x-ot-span-context, baggage, `forwardHeaders`) as received. In `child` mode each call
 *   gets a new span ID whose parent is the current span (B3 README "Span ID";
 *   W3C Trace Context §3.2.2.4: a new parent-id per outbound request).
 *
 * `options` default as {@link injectHeaders}'s: the current request's server options, else the
 * defaults.
 *
 * @example
 * ```ts
 * const headers = outboundHeaders(getContext(), { mode: 'child' });
 * await fetch(url, { headers });
 * ```
 */
export function outboundHeaders(
  context: TraceContext,
  options?: HoptraceOptions,
): Record<string, string> {
  return outboundHeadersResolved(context, optionsOrCurrent(options));
}

/**
 * `options` resolved; without them, those of the server adapter that opened the current request
 * (see `currentRequestOptions`), so a call written by hand follows the same configuration as the
 * outbound clients; outside a request, the defaults.
 */
function optionsOrCurrent(options: HoptraceOptions | undefined): ResolvedOptions {
  return options === undefined
    ? (currentRequestOptions() ?? resolveOptions())
    : resolveOptions(options);
}

/** {@link outboundHeaders} with options already resolved. */
export function outboundHeadersResolved(
  context: TraceContext,
  options: ResolvedOptions,
): Record<string, string> {
  const pairs = outboundPairs(context, options);
  const headers: Record<string, string> = {};
  for (let index = 0; index + 1 < pairs.length; index += 2) {
    headers[pairs[index] as string] = pairs[index + 1] as string;
  }
  return headers;
}

/**
 * Whose trace identity wins when an outbound carrier already has propagation headers.
 *
 * - `keep` (default): headers the caller set explicitly win. A trace identity the caller stated
 *   (another trace, or its own child span of this one) is kept whole and none of ours is added,
 *   so a call never carries two. A *stale* identity is replaced: one that repeats the current
 *   span itself (copied from the incoming request, or from an earlier call) or does not parse.
 * - `replace`: every header hoptrace writes replaces the caller's value.
 */
export type CallerHeaders = 'keep' | 'replace';

/** How {@link injectHeaders} merges with headers already on the carrier. */
export interface InjectBehaviour {
  /** Default `keep`. See {@link CallerHeaders}. */
  readonly callerHeaders?: CallerHeaders;
}

/**
 * Writes the outbound headers of `context` (see {@link outboundHeaders}) into `carrier`, and
 * returns the carrier. Idempotent, and never leaves two values of one header: a header the
 * carrier already has keeps the caller's value (unless `callerHeaders: 'replace'`; in
 * `outboundRequestId: 'per-call'` mode a request ID that merely copies the current request's is
 * replaced by the call's own); a trace
 * identity (`b3`, `x-b3-*`, `traceparent`, `tracestate`) the caller stated is kept whole, while a
 * stale one (the current span repeated, or unparseable) is replaced whole by ours, so a call
 * never carries a second `traceparent` or a `b3` that contradicts it.
 *
 * @param carrier - fetch `Headers`, a Node `ClientRequest`, a plain record or a raw header array.
 * @param options - default: inside a request, the options of the server adapter that opened it
 *   (so `hoptrace({ mode: 'child' })` on the server makes calls written by hand child spans too);
 *   outside one, the defaults.
 *
 * @example
 * ```ts
 * const headers = injectHeaders(getContext(), new Headers(init.headers));
 * ```
 */
export function injectHeaders<Carrier extends WritableHeaderCarrier>(
  context: TraceContext,
  carrier: Carrier,
  options?: HoptraceOptions,
  behaviour?: InjectBehaviour,
): Carrier {
  return injectHeadersResolved(context, carrier, optionsOrCurrent(options), behaviour);
}

/** {@link injectHeaders} with options already resolved: the outbound clients' per-call entry point. */
export function injectHeadersResolved<Carrier extends WritableHeaderCarrier>(
  context: TraceContext,
  carrier: Carrier,
  options: ResolvedOptions,
  behaviour?: InjectBehaviour,
): Carrier {
  const span = activeSpan();
  const pairs = outboundPairsWith(context, options, span);
  if (isEmptyRecord(carrier)) {
    // The common case of a call with no headers of its own: nothing to merge with.
    const record = carrier as Record<string, string>;
    for (let index = 0; index + 1 < pairs.length; index += 2) {
      record[pairs[index] as string] = pairs[index + 1] as string;
    }
    return carrier;
  }
  const target = headerTarget(carrier);
  const replace = behaviour?.callerHeaders === 'replace';
  const identity = replace ? 'stale' : callerIdentity(target, context, span);
  if (identity === 'stale') {
    // Ours replaces it whole: a leftover x-b3-parentspanid or tracestate of the old identity
    // would contradict the new one.
    const written = new Set<string>();
    for (let index = 0; index < pairs.length; index += 2) written.add(pairs[index] as string);
    for (const name of TRACE_IDENTITY_HEADERS) {
      if (!written.has(name) && target.has(name)) target.delete(name);
    }
  }
  for (let index = 0; index + 1 < pairs.length; index += 2) {
    const name = pairs[index] as string;
    const value = pairs[index + 1] as string;
    if (TRACE_IDENTITY.has(name)) {
      if (identity === 'caller') continue;
    } else if (!replace && target.has(name) && !isCopiedRequestId(name, target, context, options))
      continue;
    if (target.get(name) !== value) target.set(name, value);
  }
  return carrier;
}

/**
 * In `per-call` mode, a carrier's request ID that is the current request's own ID is a copy of
 * the incoming pair's ID (headers passed along wholesale), not an ID the caller chose for this
 * call: it is replaced, or two request/response pairs would share one ID.
 */
function isCopiedRequestId(
  name: string,
  target: HeaderTarget,
  context: TraceContext,
  options: ResolvedOptions,
): boolean {
  return (
    options.outboundRequestId === 'per-call' &&
    name === options.requestIdHeader &&
    target.get(name) === context.requestId
  );
}

/** Whether `left` and `right` name the same trace (a 64-bit B3 ID equals its zero-padded form). */
function sameTraceId(left: string, right: string | undefined): boolean {
  return right !== undefined && left.padStart(32, '0') === right.padStart(32, '0');
}

/**
 * What the carrier's own trace identity headers are: `none`; `stale` (they repeat the current
 * span, or do not parse, so ours replaces them); or `caller` (a valid identity of the caller's
 * own: another trace, a child span, or a bare sampling decision, which wins). The active span of
 * a tracer counts as current too: a carrier with only its `traceparent` (what a tracer's own
 * instrumentation wrote) gets the same span in every other enabled format.
 */
function callerIdentity(
  target: HeaderTarget,
  context: TraceContext,
  span: ActiveSpan | undefined,
): 'none' | 'stale' | 'caller' {
  let found = false;
  const isCurrentSpan = (traceId: string, spanId: string): boolean =>
    (sameTraceId(traceId, context.traceId) && spanId === context.spanId) ||
    (span !== undefined && sameTraceId(traceId, span.traceId) && spanId === span.spanId);

  const traceparent = target.get('traceparent');
  if (traceparent !== undefined) {
    found = true;
    const parsed = parseTraceparent(traceparent);
    if (parsed !== undefined && !isCurrentSpan(parsed.traceId, parsed.parentId)) return 'caller';
  }
  const single = target.get('b3');
  if (single !== undefined) {
    found = true;
    const parsed = parseB3Single(single);
    if (parsed !== undefined) {
      if (parsed.traceId === undefined) return 'caller';
      if (!isCurrentSpan(parsed.traceId, parsed.spanId)) return 'caller';
    }
  }
  const multi: { -readonly [Field in keyof B3MultiHeaders]: string | undefined } = {
    traceId: undefined,
    spanId: undefined,
    parentSpanId: undefined,
    sampled: undefined,
    flags: undefined,
  };
  let hasMulti = false;
  for (const field of B3_MULTI_FIELDS) {
    const value = target.get(B3_MULTI_HEADER_NAMES[field]);
    if (value === undefined) continue;
    multi[field] = value;
    hasMulti = true;
  }
  if (hasMulti) {
    found = true;
    const parsed = parseB3Multi(multi);
    if (parsed !== undefined) {
      if (parsed.traceId === undefined) {
        if (multi.parentSpanId === undefined) return 'caller';
      } else if (!isCurrentSpan(parsed.traceId, parsed.spanId)) return 'caller';
    }
  }
  // A tracestate alone belongs to no traceparent: stale.
  if (!found && !target.has('tracestate')) return 'none';
  return context.traceId === undefined && span === undefined ? 'caller' : 'stale';
}

const B3_MULTI_FIELDS = Object.keys(B3_MULTI_HEADER_NAMES) as (keyof B3MultiHeaders)[];
function isEmptyRecord(carrier: WritableHeaderCarrier): boolean {
  if (Array.isArray(carrier) || Object.getPrototypeOf(carrier) !== Object.prototype) return false;
  for (const _key in carrier) return false;
  return true;
}
