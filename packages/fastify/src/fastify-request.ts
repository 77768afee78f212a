import type { TraceContext } from '@hoptrace/core';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * This request's trace context (request ID, trace and span IDs, sampling, what was rejected):
     * the object `getContext()` returns anywhere inside the request. Set by the `hoptrace` plugin
     * in its `onRequest` hook; `null` only in hooks that run before it (register the plugin
     * first) or on requests answered before it ran.
     *
     * @example
     * ```ts
     * app.get('/', (request) => ({ traceId: request.hoptrace.traceId }));
     * ```
     */
    hoptrace: TraceContext;
  }
}
