import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { createHoptrace } from '../engine/create-hoptrace.js';
import type { HoptraceOptions } from '../engine/options.js';
import { HoptraceOptionsError } from '../errors.js';
import type { ServerExchange } from './server-exchange.js';
import { openServerRequest, runServerRequest } from './server-request.js';

/**
 * The response that goes with `Request`: node:http's `ServerResponse` for an `IncomingMessage`,
 * the HTTP/2 compatibility API's `Http2ServerResponse` for an `Http2ServerRequest`.
 */
export type ResponseFor<Request extends IncomingMessage | Http2ServerRequest> =
  Request extends Http2ServerRequest
    ? Http2ServerResponse<Request>
    : Request extends IncomingMessage
      ? ServerResponse<Request>
      : never;

/**
 * A plain request listener: `node:http`'s (`node:https`'s), or that of the `node:http2`
 * compatibility API (`http2.createServer(listener)`, `createSecureServer`), whose request and
 * response are `Http2ServerRequest` and `Http2ServerResponse`.
 */
export type RequestListener<
  Request extends IncomingMessage | Http2ServerRequest = IncomingMessage,
  Response extends ResponseFor<Request> = ResponseFor<Request>,
> = (request: Request, response: Response) => void | Promise<void>;

/**
 * Wraps a `node:http` request listener: each request runs inside its trace context (read it with
 * `getContext()`), also in listeners on the request and response (`data`, `end`, `finish`: see
 * {@link bindEmitter}), and the response carries the request ID under `requestIdHeader`, set
 * before the listener runs so that every response has it, whatever path answers.
 *
 * The same listener serves `node:http2`'s compatibility API: `http2.createServer(hoptraceHandler(
 * (request, response) => …))` types `request` and `response` as `Http2ServerRequest` and
 * `Http2ServerResponse`, and each stream is observed as HTTP `2.0`.
 *
 * Options are validated here, once (throws {@link HoptraceOptionsError} naming a bad option).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { getContext, hoptraceHandler } from '@hoptrace/core';
 *
 * createServer(hoptraceHandler((request, response) => {
 *   response.end(getContext().requestId);
 * })).listen(3000);
 * ```
 */
export function hoptraceHandler<
  Request extends IncomingMessage | Http2ServerRequest = IncomingMessage,
  Response extends ResponseFor<Request> = ResponseFor<Request>,
>(
  handler: RequestListener<Request, Response>,
  options: HoptraceOptions = {},
): RequestListener<Request, Response> {
  if (typeof handler !== 'function') {
    throw new HoptraceOptionsError(
      'handler',
      `must be a request listener function, got ${typeof handler}`,
    );
  }
  const hoptrace = createHoptrace(options);
  return function hoptraceRequestListener(request, response) {
    // The compatibility API's request and response stand in for node:http's: they have what the
    // server kit reads (headers, socket, setHeader, headersSent, response.req, the events), as
    // `server-observation-http2.test.ts` shows with real HTTP/2 streams.
    const exchange = { request, response } as unknown as Pick<
      ServerExchange,
      'request' | 'response'
    >;
    const scope = openServerRequest(hoptrace, exchange);
    return runServerRequest(scope, exchange, () => handler(request, response));
  };
}
