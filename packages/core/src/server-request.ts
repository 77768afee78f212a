import type { IncomingMessage, ServerResponse } from 'node:http';
import { bindEmitter, bindRequestContext } from './bind-emitter.js';
import { runWithContext } from './context-storage.js';
import type { Hoptrace } from './create-hoptrace.js';
import { openDiagnostics } from './server-diagnostics.js';
import { observeServerRequest, type RouteReader } from './server-observation.js';
import type { TraceContext } from './trace-context.js';
import { DIAGNOSTICS_HEADER } from './trail.js';

/**
 * Reads the trace context of a Node server request, handing a `trustRequestId` function the peer
 * address and the request. For adapters that must extract before they can touch the response
 * (Fastify's `genReqId`); the others call {@link openServerRequest}. Never throws on request input.
 *
 * @example
 * ```ts
 * const context = extractServerRequest(hoptrace, request);
 * ```
 */
export function extractServerRequest(hoptrace: Hoptrace, request: IncomingMessage): TraceContext {
  // The peer address and the request are only for a trustRequestId function: reading the address
  // asks the OS (getpeername), so neither is gathered when no function will look at them.
  const { options } = hoptrace;
  const info =
    typeof options.trustRequestId === 'function'
      ? { remoteAddress: request.socket?.remoteAddress, request }
      : undefined;
  return hoptrace.extract(request.headers, info);
}

/**
 * The first step of every server adapter: reads the trace context of a Node request and puts the
 * request ID on its response right away, so that every answer carries it (404s, errors, responses
 * ended by other middleware), then {@link watchServerResponse}. Never throws on request input.
 *
 * `readRoute(routeSource)` names the route pattern the framework matched, for observations and
 * diagnostic trails (default: the request's path). `context` is for an adapter that extracted
 * already (Fastify's `genReqId`); default: extracted here with {@link extractServerRequest}.
 *
 * @example
 * ```ts
 * const hoptrace = createHoptrace(options);
 * server.on('request', (request, response) => {
 *   const context = openServerRequest(hoptrace, request, response);
 *   runServerRequest(context, request, response, () => app(request, response));
 * });
 * ```
 */
export function openServerRequest<Source = undefined>(
  hoptrace: Hoptrace,
  request: IncomingMessage,
  response: ServerResponse,
  readRoute?: RouteReader<Source>,
  routeSource?: Source,
  context: TraceContext = extractServerRequest(hoptrace, request),
): TraceContext {
  if (!response.headersSent)
    response.setHeader(hoptrace.options.requestIdHeader, context.requestId);
  watchServerResponse(hoptrace, context, request, response, readRoute, routeSource);
  return context;
}

/**
 * What {@link openServerRequest} does besides the response header, for an adapter that puts the
 * header on the response its own way (Fastify: through `reply.header()`, which keeps Node's
 * `writeHead` on its fast path). It strips `x-hoptrace-diag` and, with the `diagnostics` option on
 * and the right token, returns this hop's trail in `x-hoptrace-trail` ({@link openDiagnostics});
 * with the `observe` option set, it records the pair's `ServerObservation` once the response is
 * done ({@link observeServerRequest}). With both off, that costs one check and one header lookup.
 *
 * @example
 * ```ts
 * reply.header(hoptrace.options.requestIdHeader, context.requestId);
 * watchServerResponse(hoptrace, context, request.raw, reply.raw, routeOf, request);
 * ```
 */
export function watchServerResponse<Source = undefined>(
  hoptrace: Hoptrace,
  context: TraceContext,
  request: IncomingMessage,
  response: ServerResponse,
  readRoute?: RouteReader<Source>,
  routeSource?: Source,
): void {
  const { observe, diagnostics } = hoptrace.options;
  if (observe !== undefined)
    observeServerRequest(observe, context, request, response, readRoute, routeSource);
  if (diagnostics !== undefined || request.headers[DIAGNOSTICS_HEADER] !== undefined)
    openDiagnostics(diagnostics, context, request, response, readRoute, routeSource);
}

/**
 * Runs `callback` in `context`, with the request's and response's listeners bound to it (body
 * `data`/`end` and `finish` events come from the socket's async context otherwise: see
 * {@link bindEmitter} and {@link bindRequestContext}). Returns what `callback` returns.
 *
 * @example
 * ```ts
 * runServerRequest(context, request, response, () => next());
 * ```
 */
export function runServerRequest<Result>(
  context: TraceContext,
  request: IncomingMessage,
  response: ServerResponse,
  callback: () => Result,
): Result {
  bindRequestContext(request, context);
  // Node's responses know their request (`response.req`), which gives them its context; only an
  // unusual pair (a response made by hand for another request) needs a mark of its own.
  if (response.req !== request) runWithContext(context, () => bindEmitter(response));
  return runWithContext(context, callback);
}
