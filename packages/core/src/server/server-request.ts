import type { IncomingMessage } from 'node:http';
import { bindEmitter, bindRequestContext } from '../context/bind-emitter.js';
import type { ContextSlot } from '../context/context-slot.js';
import { contextStorage } from '../context/context-storage.js';
import { DIAGNOSTICS_HEADER } from '../diagnostics/trail.js';
import type { Hoptrace } from '../engine/create-hoptrace.js';
import { openExtraction } from '../engine/extract.js';
import { openDiagnostics } from './server-diagnostics.js';
import type { ServerExchange } from './server-exchange.js';
import { observeServerRequest } from './server-observation.js';

/**
 * Reads the request ID of a Node server request now and the rest of its trace context on first
 * use (see {@link ContextSlot}), handing a `trustRequestId` function the peer address and the
 * request. For adapters that must extract before they can touch the response (Fastify's
 * `genReqId`); the others call {@link openServerRequest}. Never throws on request input.
 *
 * @example
 * ```ts
 * const scope = extractServerRequest(hoptrace, request);
 * scope.requestId; // read and validated
 * scope.context; // the trace headers are read here, once
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

/** What {@link openServerRequest} is given: the pair, how to name its route, and its scope. */
export interface OpenServerRequest<Source = undefined> extends ServerExchange<Source> {
  /**
   * For an adapter that extracted already (Fastify's `genReqId`). Default: extracted here with
   * {@link extractServerRequest}.
   */
  readonly scope?: ContextSlot;
}

/**
 * The first step of every server adapter: reads the request ID of a Node request (the rest of its
 * trace context on first use: {@link extractServerRequest}) and puts it on its response right
 * away, so that every answer carries it (404s, errors, responses ended by other middleware), then
 * {@link handleDiagnosticsAndObservation}. Returns the request's scope, which
 * {@link runServerRequest} runs the app in. Never throws on request input.
 *
 * @example
 * ```ts
 * const hoptrace = createHoptrace(options);
 * server.on('request', (request, response) => {
 *   const exchange = { request, response };
 *   const scope = openServerRequest(hoptrace, exchange);
 *   runServerRequest(scope, exchange, () => app(request, response));
 * });
 * ```
 */
export function openServerRequest<Source = undefined>(
  hoptrace: Hoptrace,
  opening: OpenServerRequest<Source>,
): ContextSlot {
  const { request, response } = opening;
  const scope = opening.scope ?? extractServerRequest(hoptrace, request);
  if (!response.headersSent) response.setHeader(hoptrace.options.requestIdHeader, scope.requestId);
  handleDiagnosticsAndObservation(hoptrace, scope, opening);
  return scope;
}

/**
 * What {@link openServerRequest} does besides the response header, for an adapter that puts the
 * header on the response its own way (Fastify: through `reply.header()`, which keeps Node's
 * `writeHead` on its fast path):
 *
 * - strips `x-hoptrace-diag` from the request and, with the `diagnostics` option on and the right
 *   token, returns this hop's trail in `x-hoptrace-trail` ({@link openDiagnostics});
 * - with the `observe` option set, records the pair's `ServerObservation` once the response is
 *   done ({@link observeServerRequest}).
 *
 * With both off and no diagnostics header, that costs one check and one header lookup.
 *
 * @example
 * ```ts
 * reply.header(hoptrace.options.requestIdHeader, scope.requestId);
 * handleDiagnosticsAndObservation(hoptrace, scope, {
 *   request: request.raw,
 *   response: reply.raw,
 *   readRoute: routeOf,
 *   routeSource: request,
 * });
 * ```
 */
export function handleDiagnosticsAndObservation<Source = undefined>(
  hoptrace: Hoptrace,
  scope: ContextSlot,
  exchange: ServerExchange<Source>,
): void {
  const { observe, diagnostics } = hoptrace.options;
  // Both read the whole context: a request pays for its trace headers here only when one is on.
  if (observe !== undefined) observeServerRequest(observe, scope.context, exchange);
  if (diagnostics !== undefined || exchange.request.headers[DIAGNOSTICS_HEADER] !== undefined)
    openDiagnostics(diagnostics, scope, exchange);
}

/**
 * Runs `callback` in the request's `scope`, with the listeners of `exchange`'s request and
 * response bound to it (body `data`/`end` and `finish` events come from the socket's async
 * context otherwise: see {@link bindEmitter} and {@link bindRequestContext}). Returns what
 * `callback` returns. `exchange` may be the object given to {@link openServerRequest}.
 *
 * @example
 * ```ts
 * const exchange = { request, response };
 * const scope = openServerRequest(hoptrace, exchange);
 * runServerRequest(scope, exchange, () => next());
 * ```
 */
export function runServerRequest<Result>(
  scope: ContextSlot,
  exchange: Pick<ServerExchange<unknown>, 'request' | 'response'>,
  callback: () => Result,
): Result {
  const { request, response } = exchange;
  bindRequestContext(request, scope);
  const storage = contextStorage();
  // Node's responses know their request (`response.req`), which gives them its context; only an
  // unusual pair (a response made by hand for another request) needs a mark of its own.
  if (response.req !== request) storage.run(scope, bindEmitter, response);
  return storage.run(scope, callback);
}
