import type { TraceContext } from '@hoptrace/core';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * This request's trace context (request ID, trace and span IDs, sampling, what was rejected):
     * the object `getContext()` returns anywhere inside the request. Set from the start of the
     * request by the `genReqId` of `hoptraceServerOptions()` (which the plugin installs itself on
     * an app with Fastify's default request IDs), else by the plugin's `onRequest` hook: `null`
     * only in hooks that run before that hook on an app with a `genReqId` or `requestIdHeader`
     * of its own (register the plugin first there).
     *
     * @example
     * ```ts
     * app.get('/', (request) => ({ traceId: request.hoptrace.traceId }));
     * ```
     */
    hoptrace: TraceContext;
  }
}
