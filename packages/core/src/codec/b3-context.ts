import type { Sampling } from './sampling.js';

/**
 * What one B3 encoding (single `b3` header or the `x-b3-*` headers) carries.
 *
 * Either a full identity (trace ID and span ID, with an optional parent span ID) plus its sampling
 * state, or only a sampling state (`b3: 0`, `X-B3-Sampled: 1` alone). IDs are lower-case hex and
 * are kept exactly as received: a 64-bit (16 hex) trace ID stays 16 hex.
 *
 * Spec: openzipkin/b3-propagation README, "Identifiers" and "Sampling State".
 *
 * @example
 * ```ts
 * const context: B3Context = {
 *   traceId: '80f198ee56343ba864fe8b2a57d3eff7',
 *   spanId: 'e457b5a2e4d86bd1',
 *   parentSpanId: '05e3ac9a4f6e3b90',
 *   sampling: 'accept',
 * };
 * ```
 */
export type B3Context = B3Identity | B3SamplingOnly;

/** A B3 context with a trace identity. */
export interface B3Identity {
  /** 16 or 32 lower-case hex, never all zero. */
  readonly traceId: string;
  /** 16 lower-case hex, never all zero. */
  readonly spanId: string;
  /** 16 lower-case hex; absent on a root span. */
  readonly parentSpanId?: string | undefined;
  /** The sampling decision that travels with the IDs. */
  readonly sampling: Sampling;
}

/** A B3 context that only carries a sampling decision (`b3: 0`, `b3: 1`, `b3: d`). */
export interface B3SamplingOnly {
  /** Never set: a sampling-only context carries no IDs. */
  readonly traceId?: undefined;
  /** Never set. */
  readonly spanId?: undefined;
  /** Never set. */
  readonly parentSpanId?: undefined;
  /** The decision: accept (`1`), deny (`0`) or debug (`d`). */
  readonly sampling: Sampling;
}
