import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHoptrace } from '../engine/create-hoptrace.js';
import type { HoptraceOptions } from '../engine/options.js';
import { HoptraceOptionsError } from '../errors.js';
import { openServerRequest, runServerRequest } from './server-request.js';

/** A plain `node:http` request listener. */
export type RequestListener<
  Request extends IncomingMessage = IncomingMessage,
  Response extends ServerResponse<Request> = ServerResponse<Request>,
> = (request: Request, response: Response) => void | Promise<void>;

/**
 * Wraps a `node:http` request listener: each request runs inside its trace context (read it with
 * `getContext()`), also in listeners on the request and response (`data`, `end`, `finish`: see
 * {@link bindEmitter}), and the response carries the request ID under `requestIdHeader`, set
 * before the listener runs so that every response has it, whatever path answers.
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
  Request extends IncomingMessage = IncomingMessage,
  Response extends ServerResponse<Request> = ServerResponse<Request>,
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
    const exchange = { request, response };
    const scope = openServerRequest(hoptrace, exchange);
    return runServerRequest(scope, exchange, () => handler(request, response));
  };
}
