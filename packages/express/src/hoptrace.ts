import type { HoptraceOptions } from '@hoptrace/core';
import {
  createHoptrace,
  openedBefore,
  openServerRequest,
  runServerRequest,
} from '@hoptrace/core/adapter';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { installRequestAccessors } from './request-accessors.js';

/**
 * The route pattern Express matched, with the mount path of the router it lives in
 * (`/api` + `/orders/:id`), read when the response is done; `undefined` when no route matched.
 */
function expressRoute(request: Request): string | undefined {
  const path: unknown = (request as Partial<Request>).route?.path;
  return typeof path === 'string' ? `${request.baseUrl ?? ''}${path}` : undefined;
}

/**
 * Express middleware (Express 4 and 5) that runs every request in its trace context: it reads and
 * validates the request ID and the B3 / W3C trace headers, puts the request ID on the response,
 * sets `req.id` and `req.hoptrace`, and calls the rest of the app inside the context, so that
 * `getContext()` returns this request's context in every handler, after every `await`, and in
 * listeners on `req` and `res` (body parsers, `res.on('finish')`).
 *
 * Register it first: the response header is set before any other middleware runs, so 404s, the
 * default error handler's 500s and responses ended early by other middleware all carry it, and
 * everything registered after it runs in the context.
 *
 * Options are core's {@link HoptraceOptions} (defaults: `x-request-id`, every format, `forward`
 * mode), validated here, once: a bad option throws `HoptraceOptionsError` naming it when the app
 * is built, never on a request.
 *
 * Registering it again further down (a sub-app or router that adds its own) keeps the first
 * context, so one request never gets two IDs.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { getContext, hoptrace } from '@hoptrace/express';
 *
 * const app = express();
 * app.use(hoptrace({ requestIdHeader: 'x-correlation-id' }));
 * app.use(express.json());
 * app.post('/orders', async (req, res) => {
 *   await saveOrder(req.body);
 *   res.json({ requestId: getContext().requestId }); // same as req.id
 * });
 * ```
 */
export function hoptrace(options: HoptraceOptions = {}): RequestHandler {
  const engine = createHoptrace(options);
  return function hoptraceMiddleware(request: Request, response: Response, next: NextFunction) {
    // Registered again (a sub-app or router that adds its own): the request keeps the context it
    // has, so it never gets a second ID.
    if (openedBefore(request) !== undefined) {
      next();
      return;
    }
    const exchange = { request, response, readRoute: expressRoute, routeSource: request };
    const scope = openServerRequest(engine, exchange);
    if (!installRequestAccessors(request)) {
      request.id = scope.requestId;
      request.hoptrace = scope.context;
    } else if (Object.hasOwn(request, 'id')) {
      // Set by middleware that ran before this one: hoptrace's validated ID replaces it, as before.
      request.id = scope.requestId;
    }
    runServerRequest(scope, exchange, next);
  };
}
