import { type Context, createContextKey } from '@opentelemetry/api';

/**
 * The key `@opentelemetry/core`'s `suppressTracing(context)` sets to `true`. Built here from the
 * same description, because `createContextKey` is `Symbol.for(description)`: the very symbol
 * core uses, without `@opentelemetry/core` as a runtime dependency of `@hoptrace/core`.
 *
 * Spec: OpenTelemetry JS `@opentelemetry/core`, `src/trace/suppress-tracing.ts`
 * (`createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING')`).
 *
 * @example
 * ```ts
 * import { suppressTracing } from '@opentelemetry/core';
 * suppressTracing(ROOT_CONTEXT).getValue(SUPPRESS_TRACING_KEY); // true
 * ```
 */
export const SUPPRESS_TRACING_KEY: symbol = createContextKey(
  'OpenTelemetry SDK Context Key SUPPRESS_TRACING',
);

/**
 * The key `@opentelemetry/propagator-b3` keeps B3 debug under: `'d'` after a `b3: …-d` header,
 * `'1'` after `X-B3-Flags: 1`; its B3 propagators write debug when it is set. The same
 * `Symbol.for` trick as {@link SUPPRESS_TRACING_KEY}.
 *
 * Spec: OpenTelemetry JS `@opentelemetry/propagator-b3`, `src/common.ts`
 * (`createContextKey('OpenTelemetry Context Key B3 Debug Flag')`); openzipkin/b3-propagation
 * "Debug Flag".
 *
 * @example
 * ```ts
 * import { B3_DEBUG_FLAG_KEY as theirs } from '@opentelemetry/propagator-b3/build/src/common.js';
 * B3_DEBUG_FLAG_KEY === theirs; // true
 * ```
 */
export const B3_DEBUG_FLAG_KEY: symbol = createContextKey(
  'OpenTelemetry Context Key B3 Debug Flag',
);

/**
 * Whether `context` was marked by `suppressTracing()`: as `isTracingSuppressed` of
 * `@opentelemetry/core` reads it (exactly `true`).
 *
 * @example
 * ```ts
 * isTracingSuppressed(suppressTracing(ROOT_CONTEXT)); // true
 * ```
 */
export function isTracingSuppressed(context: Context): boolean {
  return context.getValue(SUPPRESS_TRACING_KEY) === true;
}

/**
 * Whether `context` carries B3 debug under {@link B3_DEBUG_FLAG_KEY}. OpenTelemetry's B3
 * propagators store `'d'` or `'1'` and test for truthiness (single) or `'1'` (multi); either
 * value counts here.
 *
 * @example
 * ```ts
 * isB3Debug(ROOT_CONTEXT.setValue(B3_DEBUG_FLAG_KEY, 'd')); // true
 * ```
 */
export function isB3Debug(context: Context): boolean {
  const value = context.getValue(B3_DEBUG_FLAG_KEY);
  return value === 'd' || value === '1';
}
