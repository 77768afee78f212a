/**
 * @hoptrace/core/otel: hoptrace as an OpenTelemetry `TextMapPropagator`, and the bridge that lets
 * hoptrace's adapters and outbound clients live beside OpenTelemetry's instrumentations.
 * Needs `@opentelemetry/api` 1.x (an optional peer dependency of `@hoptrace/core`).
 *
 * @packageDocumentation
 */

export { bridgeOpenTelemetry } from './bridge.js';
export { HOPTRACE_CONTEXT_KEY } from './context-key.js';
export { HoptracePropagator } from './hoptrace-propagator.js';
