import type { HoptraceOptions } from '@hoptrace/core';
import {
  createHoptrace,
  openedBefore,
  openServerRequest,
  runServerRequest,
} from '@hoptrace/core/adapter';
import type { Middleware } from 'koa';
import type { HoptraceState } from './hoptrace-state.js';
import { keepRequestIdOnErrors } from './keep-request-id-on-errors.js';
import { exposeContext } from './state-context.js';

/** The route pattern `@koa/router` (and koa-router) matched, read when the response is done. */
function koaRoute(ctx: object): string | undefined {
  const route: unknown = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  return typeof route === 'string' ? route : undefined;
}

/**
 * Koa middleware (Koa 2 and 3) that runs every request in its hoptrace trace context and puts
 * the request ID on every response. Register it first, so that every later middleware, body
 * parser and error handler runs inside the context.
 *
 * Per request it reads the request ID, B3, W3C Trace Context, `x-ot-span-context` and `baggage`
 * headers (invalid ones are dropped, never echoed; the trace headers on first use of the
 * context), sets the request ID response header, sets `ctx.state.requestId` and
 * `ctx.state.hoptrace` ({@link HoptraceState}), and runs the rest of
 * the chain so that `getContext()` returns this request's context everywhere in it: after
 * `await`, timers, body parsing, in `ctx.req`/`ctx.res` listeners, and in Koa's error handling.
 *
 * Errors: Koa's default error handler removes every response header before answering; the request
 * ID header is kept on those answers too, and `app.on('error')` listeners run in the request's
 * context. Errors still reach Koa, the app's `'error'` event and your own error middleware
 * unchanged.
 *
 * Options are the core's ({@link HoptraceOptions}; defaults: `x-request-id`, all formats, `forward`
 * mode). They are validated here, once: a bad option throws `HoptraceOptionsError` naming it when
 * `hoptrace()` is called, never on a request.
 *
 * @example
 * ```ts
 * import Koa from 'koa';
 * import { getContext, hoptrace } from '@hoptrace/koa';
 *
 * const app = new Koa();
 * app.use(hoptrace({ requestIdHeader: 'x-request-id' }));
 * app.use(async (ctx) => {
 *   ctx.body = { requestId: ctx.state.requestId, traceId: getContext().traceId };
 * });
 * app.listen(3000);
 * ```
 */
export function hoptrace(options: HoptraceOptions = {}): Middleware<HoptraceState, object> {
  const engine = createHoptrace(options);
  const headerName = engine.options.requestIdHeader;
  // Not an async function: it returns the rest of the app's promise as it is, which spares Koa a
  // promise and an await per request (Koa's compose turns a synchronous throw into a rejection).
  return function hoptraceMiddleware(ctx, next) {
    // Used twice (an app and a mounted sub-app, or a router that adds its own): the request keeps
    // the context it has, so it never gets a second ID, as with Express.
    if (openedBefore(ctx.req) !== undefined) return next();
    const exchange = { request: ctx.req, response: ctx.res, readRoute: koaRoute, routeSource: ctx };
    const scope = openServerRequest(engine, exchange);
    exposeContext(ctx, scope, headerName);
    keepRequestIdOnErrors(ctx, scope, headerName);
    return runServerRequest(scope, exchange, next);
  };
}
