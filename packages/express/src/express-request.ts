import type { TraceContext } from '@hoptrace/core';

/**
 * The fields the {@link hoptrace} middleware sets on every Express request. They are merged into
 * `Express.Request` (the global namespace `@types/express` 4 and 5 both declare for this), so
 * `req.id` and `req.hoptrace` are typed in every handler with no cast once this package is
 * imported anywhere in the program.
 *
 * Why `id`: it is the field pino-http reads for its `reqId`, and the one express-request-id sets,
 * so loggers and code written for either get hoptrace's validated request ID unchanged.
 *
 * @example
 * ```ts
 * import { hoptrace } from '@hoptrace/express';
 *
 * app.use(hoptrace());
 * app.get('/', (req, res) => {
 *   res.json({ id: req.id, traceId: req.hoptrace.traceId });
 * });
 * ```
 */
export interface HoptraceRequestFields {
  /** This request's ID: the valid incoming one, otherwise a fresh one (`context.requestId`). */
  id: string;
  /** This request's trace context, the same object `getContext()` returns inside the request. */
  hoptrace: TraceContext;
}

declare global {
  // Express declares its request type in this global namespace (`@types/express` 4 and 5) so
  // that packages can merge fields into `req` for every handler.
  namespace Express {
    interface Request extends HoptraceRequestFields {}
  }
}
