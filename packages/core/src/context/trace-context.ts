import type { Rejection } from '../codec/rejection.js';
import type { Sampling } from '../codec/sampling.js';

/**
 * Where the trace identity of a {@link TraceContext} came from.
 *
 * - `b3-single`, `b3-multi`, `traceparent`: read from that incoming header;
 * - `generated`: no valid trace arrived, so hoptrace started one here.
 */
export type TraceSource = 'b3-single' | 'b3-multi' | 'traceparent' | 'generated';

/**
 * Everything hoptrace knows about the current request's trace: built once per request by
 * `extract` (in a server adapter, the first time something asks for it: see `ContextSlot`),
 * immutable (frozen) afterwards, and read back with `getContext()`.
 *
 * @example
 * ```ts
 * const context = extract({ 'x-request-id': 'abc', b3: '80f198ee56343ba8-e457b5a2e4d86bd1-1' });
 * context.requestId; // 'abc'
 * context.traceId; // '80f198ee56343ba8' (64-bit B3 trace IDs keep their width)
 * context.sampled; // true
 * ```
 */
export interface TraceContext {
  /** The request ID: the incoming one when valid and trusted, otherwise a generated one. */
  readonly requestId: string;
  /** `incoming` when the request ID arrived with the request, `generated` otherwise. */
  readonly requestIdSource: 'incoming' | 'generated';
  /**
   * A valid incoming request ID that was replaced because `trustRequestId` refused it. Kept so
   * logs can still join on it; it passed validation, so it is safe to log. Invalid IDs are never
   * kept (see {@link TraceContext.rejected}).
   */
  readonly untrustedRequestId: string | undefined;
  /**
   * The chain's ID from the incoming `correlationIdHeader` (sent by a caller whose outbound
   * request IDs are `per-call`), when valid and trusted; `undefined` otherwise. Invalid values are
   * never kept (see {@link TraceContext.rejected}). A `per-call` service sends it on, or its own
   * `requestId` when there is none.
   */
  readonly correlationId: string | undefined;
  /** 32 (or 16, for 64-bit B3) lower-case hex; `undefined` only when `startTrace` is off and no trace arrived. */
  readonly traceId: string | undefined;
  /** The current span: 16 lower-case hex (B3 span ID, or W3C parent-id). */
  readonly spanId: string | undefined;
  /** The parent of the current span, when B3 sent one. */
  readonly parentSpanId: string | undefined;
  /** The sampling decision: accept, deny, defer (no decision) or debug. */
  readonly sampling: Sampling;
  /** `true` to record, `false` not to, `undefined` when deferred. Debug counts as sampled. */
  readonly sampled: boolean | undefined;
  /** B3 debug: implies sampled and stays on downstream. */
  readonly debug: boolean;
  /** Where the trace identity came from. `undefined` when there is none. */
  readonly traceSource: TraceSource | undefined;
  /** The W3C `tracestate` to propagate (valid and belonging to the trace), or `undefined`. */
  readonly tracestate: string | undefined;
  /** The W3C `baggage` to propagate, or `undefined`. */
  readonly baggage: string | undefined;
  /**
   * Every valid incoming propagation header, lower-case name → value exactly as received
   * (repeated headers joined). This is what `forward` mode writes, byte for byte.
   */
  readonly incoming: Readonly<Record<string, string>>;
  /** The incoming headers that were dropped or replaced, with the reason. */
  readonly rejected: readonly Rejection[];
}
