import type { IncomingMessage, ServerResponse } from 'node:http';
import { bindEmitter, bindRequestContext } from '../context/bind-emitter.js';
import type { ContextSlot } from '../context/context-slot.js';
import { contextStorage } from '../context/context-storage.js';
import { DIAGNOSTICS_HEADER } from '../diagnostics/trail.js';
import type { Hoptrace } from '../engine/create-hoptrace.js';
import { openExtraction } from '../engine/extract.js';
import { openDiagnostics } from './server-diagnostics.js';
import { observeServerRequest, type RouteReader } from './server-observation.js';

/**
 * Reads the request ID of a Node server request now and the rest of its trace context on first
 * use (see {@link ContextSlot}), handing a `trustRequestId` function the peer address and the
 * request. For adapters that must extract before they can touch the response (Fastify's
 * `genReqId`); the others call {@link openServerRequest}. Never throws on request input.
 *
 * @example
 * ```ts
 * const slot = extractServerRequest(hoptrace, request);
 * slot.requestId; // read and validated
 * slot.context; // the trace headers are read here, once
 * ```
 */
export function extractServerRequest(hoptrace: Hoptrace, request: IncomingMessage): ContextSlot {
  // The peer address and the request are only for a trustRequestId function: reading the address
  // asks the OS (getpeername), so neither is gathered when no function will look at them.
  const { options } = hoptrace;
  const info =
    typeof options.trustRequestId === 'function'
      ? { remoteAddress: request.socket?.remoteAddress, request }
      : undefined;
  return openExtraction(request.headers, options, info);
}

/**
 * The first step of every server adapter: reads the request ID of a Node request (the rest of its
 * trace context on first use: {@link extractServerRequest}) and puts it on its response right
 * away, so that every answer carries it (404s, errors, responses ended by other middleware), then
 * {@link watchServerResponse}. Never throws on request input.
 *
 * `readRoute(routeSource)` names the route pattern the framework matched, for observations and
 * diagnostic trails (default: the request's path). `slot` is for an adapter that extracted
 * already (Fastify's `genReqId`); default: extracted here with {@link extractServerRequest}.
 *
 * @example
 * ```ts
 * const hoptrace = createHoptrace(options);
 * server.on('request', (request, response) => {
 *   const slot = openServerRequest(hoptrace, request, response);
 *   runServerRequest(slot, request, response, () => app(request, response));
 * });
 * ```
 */
export function openServerRequest<Source = undefined>(
  hoptrace: Hoptrace,
  request: IncomingMessage,
  response: ServerResponse,
  readRoute?: RouteReader<Source>,
  routeSource?: Source,
  slot: ContextSlot = extractServerRequest(hoptrace, request),
): ContextSlot {
  if (!response.headersSent) response.setHeader(hoptrace.options.requestIdHeader, slot.requestId);
  watchServerResponse(hoptrace, slot, request, response, readRoute, routeSource);
  return slot;
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
 * reply.header(hoptrace.options.requestIdHeader, slot.requestId);
 * watchServerResponse(hoptrace, slot, request.raw, reply.raw, routeOf, request);
 * ```
 */
export function watchServerResponse<Source = undefined>(
  hoptrace: Hoptrace,
  slot: ContextSlot,
  request: IncomingMessage,
  response: ServerResponse,
  readRoute?: RouteReader<Source>,
  routeSource?: Source,
): void {
  const { observe, diagnostics } = hoptrace.options;
  // Both read the whole context: a request pays for its trace headers here only when one is on.
  if (observe !== undefined)
    observeServerRequest(observe, slot.context, request, response, readRoute, routeSource);
  if (diagnostics !== undefined || request.headers[DIAGNOSTICS_HEADER] !== undefined)
    openDiagnostics(diagnostics, slot, request, response, readRoute, routeSource);
}

/**
 * Runs `callback` in the request's scope (`slot`), with the request's and response's listeners
 * bound to it (body `data`/`end` and `finish` events come from the socket's async context
 * otherwise: see {@link bindEmitter} and {@link bindRequestContext}). Returns what `callback`
 * returns.
 *
 * @example
 * ```ts
 * runServerRequest(slot, request, response, () => next());
 * ```
 */
export function runServerRequest<Result>(
  slot: ContextSlot,
  request: IncomingMessage,
  response: ServerResponse,
  callback: () => Result,
): Result {
  bindRequestContext(request, slot);
  const storage = contextStorage();
  // Node's responses know their request (`response.req`), which gives them its context; only an
  // unusual pair (a response made by hand for another request) needs a mark of its own.
  if (response.req !== request) storage.run(slot, bindEmitter, response);
  return storage.run(slot, callback);
}
