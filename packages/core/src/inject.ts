import type { B3Identity } from './b3-context.js';
import { B3_MULTI_HEADER_NAMES, formatB3Multi } from './b3-multi.js';
import { formatB3Single } from './b3-single.js';
import { headerTarget, type WritableHeaderCarrier } from './header-target.js';
import { randomHexId } from './hex-id.js';
import { type HoptraceOptions, type ResolvedOptions, resolveOptions } from './options.js';
import type { TraceContext } from './trace-context.js';
import { formatTraceparent, TRACE_FLAG_SAMPLED } from './traceparent.js';

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
 * engine's own form: cheaper to build and walk than a record on the per-call path.
 */
function outboundPairs(context: TraceContext, options: ResolvedOptions): Pairs {
  const pairs: Pairs = [options.requestIdHeader, context.requestId];
  const { traceId, spanId, incoming } = context;
  const writesIdentity =
    traceId !== undefined &&
    spanId !== undefined &&
    (options.mode === 'child' || context.traceSource === 'generated');

  for (const name in incoming) {
    if (writesIdentity && TRACE_IDENTITY.has(name)) continue;
    const value = incoming[name];
    if (value !== undefined) pairs.push(name, value);
  }
  if (writesIdentity) {
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
 * The headers an outbound call made inside `context` must carry, lower-case name → value.
 *
 * - Always the request ID (under `requestIdHeader`).
 * - `forward` mode with an incoming trace: every valid incoming propagation header, byte for byte.
 * - `child` mode, or a trace started here: the trace identity written in every enabled format
 *   (B3 single, B3 multi, traceparent; tracestate when it belongs to the trace), plus the opaque
 *   headers (x-ot-span-context, baggage, `forwardHeaders`) as received. In `child` mode each call
 *   gets a new span ID whose parent is the current span (B3 README "Span ID";
 *   W3C Trace Context §3.2.2.4: a new parent-id per outbound request).
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
  return outboundHeadersResolved(context, resolveOptions(options));
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
 * Writes the outbound headers of `context` (see {@link outboundHeaders}) into `carrier`, and
 * returns the carrier. Idempotent: a header the carrier already has is left as it is (the
 * caller's value wins), and a carrier that already states a trace identity (`b3`, `x-b3-*`,
 * `traceparent`, `tracestate`) gets none of ours, so a call never carries a second `traceparent`
 * or a conflicting `b3`.
 *
 * @param carrier - fetch `Headers`, a Node `ClientRequest`, a plain record or a raw header array.
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
): Carrier {
  return injectHeadersResolved(context, carrier, resolveOptions(options));
}

/** {@link injectHeaders} with options already resolved: the outbound clients' per-call entry point. */
export function injectHeadersResolved<Carrier extends WritableHeaderCarrier>(
  context: TraceContext,
  carrier: Carrier,
  options: ResolvedOptions,
): Carrier {
  const pairs = outboundPairs(context, options);
  if (isEmptyRecord(carrier)) {
    // The common case of a call with no headers of its own: nothing to merge with.
    const record = carrier as Record<string, string>;
    for (let index = 0; index + 1 < pairs.length; index += 2) {
      record[pairs[index] as string] = pairs[index + 1] as string;
    }
    return carrier;
  }
  const target = headerTarget(carrier);
  let hasIdentity = false;
  for (const name of TRACE_IDENTITY_HEADERS) {
    if (target.has(name)) {
      hasIdentity = true;
      break;
    }
  }
  for (let index = 0; index + 1 < pairs.length; index += 2) {
    const name = pairs[index] as string;
    if ((hasIdentity && TRACE_IDENTITY.has(name)) || target.has(name)) continue;
    target.set(name, pairs[index + 1] as string);
  }
  return carrier;
}

function isEmptyRecord(carrier: WritableHeaderCarrier): boolean {
  if (Array.isArray(carrier) || Object.getPrototypeOf(carrier) !== Object.prototype) return false;
  for (const _key in carrier) return false;
  return true;
}
