import { type Context, createContextKey } from '@opentelemetry/api';
import type { TraceContext } from '../context/trace-context.js';

/**
 * The OpenTelemetry context key under which {@link HoptracePropagator} keeps the hoptrace
 * {@link TraceContext} it extracted (request ID, incoming headers, rejections), beside the span
 * context OpenTelemetry reads. `createContextKey` is `Symbol.for`-based, so every copy of this
 * entry (ESM and CJS) uses the same key.
 *
 * Spec: OpenTelemetry Context API ("Create a key").
 *
 * @example
 * ```ts
 * import { context } from '@opentelemetry/api';
 * import { HOPTRACE_CONTEXT_KEY } from '@hoptrace/core/otel';
 *
 * const hoptraceContext = context.active().getValue(HOPTRACE_CONTEXT_KEY); // TraceContext | undefined
 * ```
 */
export const HOPTRACE_CONTEXT_KEY: symbol = createContextKey('hoptrace.trace-context');

/**
 * The hoptrace context kept in an OpenTelemetry context, or `undefined`. Checks the shape, since
 * anything can be stored under a key.
 */
export function hoptraceContextOf(otelContext: Context): TraceContext | undefined {
  const value = otelContext.getValue(HOPTRACE_CONTEXT_KEY);
  return typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<TraceContext>).requestId === 'string'
    ? (value as TraceContext)
    : undefined;
}
