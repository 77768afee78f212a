import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Reads the route pattern a framework matched (`/orders/:id`) from `source` once the response is
 * done, or `undefined` when none matched (a 404) or the framework does not know it. A plain
 * function of its argument, so an adapter passes one shared function and allocates nothing per
 * request.
 */
export type RouteReader<Source> = (source: Source) => string | undefined;

/**
 * One request/response pair of a Node server, as an adapter hands it to the server kit, with how
 * to name its route.
 *
 * @example
 * ```ts
 * const exchange: ServerExchange<Request> = {
 *   request,
 *   response,
 *   readRoute: (request) => request.route?.path,
 *   routeSource: request,
 * };
 * ```
 */
export interface ServerExchange<Source = undefined> {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  /**
   * Names the route pattern the framework matched, for observations and diagnostic trails, read
   * when the response is done as `readRoute(routeSource)`. Default: the request's path.
   */
  readonly readRoute?: RouteReader<Source>;
  /** What `readRoute` reads the route from (the framework's request or context object). */
  readonly routeSource?: Source;
}
