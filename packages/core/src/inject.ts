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

function writeIdentity(
  headers: Record<string, string>,
  identity: B3Identity,
  options: ResolvedOptions,
  tracestate: string | undefined,
): void {
  if (options.formats.has('b3-single')) headers.b3 = formatB3Single(identity);
  if (options.formats.has('b3-multi')) {
    const multi = formatB3Multi(identity);
    for (const key of Object.keys(
      B3_MULTI_HEADER_NAMES,
    ) as (keyof typeof B3_MULTI_HEADER_NAMES)[]) {
      const value = multi[key];
      if (value !== undefined) headers[B3_MULTI_HEADER_NAMES[key]] = value;
    }
  }
  if (options.formats.has('traceparent')) {
    headers.traceparent = formatTraceparent({
      version: '00',
      // W3C Trace Context §3.2.2.3: a 64-bit trace ID is left-padded with zeros to 128 bits.
      traceId: identity.traceId.padStart(32, '0'),
      parentId: identity.spanId,
      traceFlags:
        identity.sampling === 'accept' || identity.sampling === 'debug' ? TRACE_FLAG_SAMPLED : 0,
    });
    if (tracestate !== undefined) headers.tracestate = tracestate;
  }
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
  const resolved = resolveOptions(options);
  const headers: Record<string, string> = { [resolved.requestIdHeader]: context.requestId };
  const { traceId, spanId } = context;
  const writesIdentity =
    traceId !== undefined &&
    spanId !== undefined &&
    (resolved.mode === 'child' || context.traceSource === 'generated');

  for (const name in context.incoming) {
    if (writesIdentity && TRACE_IDENTITY.has(name)) continue;
    const value = context.incoming[name];
    if (value !== undefined) headers[name] = value;
  }
  if (writesIdentity) {
    const child = resolved.mode === 'child';
    writeIdentity(
      headers,
      {
        traceId,
        spanId: child ? randomHexId(8) : spanId,
        parentSpanId: child ? spanId : context.parentSpanId,
        sampling: context.sampling,
      },
      resolved,
      context.tracestate,
    );
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
  const headers = outboundHeaders(context, options);
  const target = headerTarget(carrier);
  const hasIdentity = TRACE_IDENTITY_HEADERS.some((name) => target.get(name) !== undefined);
  for (const name in headers) {
    if (hasIdentity && TRACE_IDENTITY.has(name)) continue;
    const value = headers[name];
    if (value === undefined || target.get(name) !== undefined) continue;
    target.set(name, value);
  }
  return carrier;
}
