import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TraceContext } from '../context/trace-context.js';
import type { Endpoint, ResolvedObserver } from '../diagnostics/observation.js';
import type { RouteReader, ServerExchange } from './server-exchange.js';

/**
 * Sockets that already carried a request. A WeakSet keyed by the socket: nothing is written on
 * Node's object, and a socket that is gone leaves nothing behind.
 */
const usedSockets = new WeakSet<object>();

function endpoint(address: string | undefined, port: number | undefined): Endpoint | undefined {
  return address === undefined || port === undefined ? undefined : { address, port };
}

/** The path of a request target without its query string (`/orders/7?x=1` → `/orders/7`). */
function pathOf(url: string | undefined): string {
  if (url === undefined || url === '') return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** The request target as the client sent it, also inside Express's mounted routers. */
export function requestTarget(request: IncomingMessage): string | undefined {
  // Express rewrites `request.url` inside mounted routers; `originalUrl` keeps what was asked.
  const url = (request as IncomingMessage & { originalUrl?: unknown }).originalUrl;
  return typeof url === 'string' ? url : request.url;
}

/**
 * The route pattern the framework matched (`readRoute(routeSource)`), else the path of `target`
 * without its query string. Never throws.
 */
export function routeOf<Source>(
  target: string | undefined,
  readRoute?: RouteReader<Source>,
  routeSource?: Source,
): string {
  let route: string | undefined;
  if (readRoute !== undefined) {
    try {
      route = readRoute(routeSource as Source);
    } catch {
      // A framework object in an odd state must not break the response.
    }
  }
  return typeof route === 'string' && route !== '' ? route : pathOf(target);
}

/**
 * Records one `ServerObservation` (each field is documented on that type, in `observation.ts`;
 * the JSON line format `hoptrace topology` reads is in packages/cli/README.md, "Record format")
 * for this request/response pair through `observer`, exactly once: when the response finishes
 * (`finish`), or when the connection closes before it did (`close`; `status` is then 0 if no
 * status line was sent). The observer gets it later, off the request's path
 * (`ResolvedObserver.record`).
 *
 * Everything the socket can tell (addresses, whether it carried an earlier request) is read now,
 * at the start of the request: by `close` the socket may be detached or destroyed. The route is
 * read at the end, when the framework has matched it (`readRoute(routeSource)`); without one, or
 * when it returns `undefined`, the record carries the request's path without its query string.
 *
 * Called by {@link openServerRequest} when the `observe` option is set; never throws on request
 * input.
 *
 * @example
 * ```ts
 * const observe = hoptrace.options.observe;
 * if (observe !== undefined) {
 *   observeServerRequest(observe, context, { request, response, readRoute, routeSource: ctx });
 * }
 * ```
 */
export function observeServerRequest<Source>(
  observer: ResolvedObserver,
  context: TraceContext,
  exchange: ServerExchange<Source>,
): void {
  const { request, response, readRoute, routeSource } = exchange;
  const start = Date.now();
  const startedAt = performance.now();
  // HTTP/2 compatibility requests have a socket proxy; a request made by hand may have none.
  const socket = request.socket as Socket | null | undefined;
  let local: Endpoint | undefined;
  let remote: Endpoint | undefined;
  let reusedSocket = false;
  if (socket !== null && socket !== undefined) {
    local = endpoint(socket.localAddress, socket.localPort);
    remote = endpoint(socket.remoteAddress, socket.remotePort);
    // An HTTP/2 request's socket is a proxy made per stream; its connection is the session.
    const connection = (request as { stream?: { session?: object } }).stream?.session ?? socket;
    reusedSocket = usedSockets.has(connection);
    if (!reusedSocket) usedSockets.add(connection);
  }
  const target = requestTarget(request);
  let recorded = false;
  const record = (): void => {
    if (recorded) return;
    recorded = true;
    response.removeListener('finish', record);
    response.removeListener('close', record);
    observer.record({
      hoptrace: 'server',
      service: observer.service,
      requestId: context.requestId,
      correlationId: context.correlationId,
      traceId: context.traceId,
      spanId: context.spanId,
      method: request.method ?? '',
      route: routeOf(target, readRoute, routeSource),
      // `close` before `finish`: the client went away. What was sent, if a status line was.
      status: response.writableFinished || response.headersSent ? response.statusCode : 0,
      local,
      remote,
      httpVersion: request.httpVersion,
      reusedSocket,
      start,
      durationMs: performance.now() - startedAt,
    });
  };
  response.once('finish', record);
  response.once('close', record);
}
