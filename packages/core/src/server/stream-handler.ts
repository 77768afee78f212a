import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { bindEmitter } from '../context/bind-emitter.js';
import { runWithContext } from '../context/context-storage.js';
import { createHoptrace } from '../engine/create-hoptrace.js';
import type { HoptraceOptions } from '../engine/options.js';
import { HoptraceOptionsError } from '../errors.js';

/** A listener of an HTTP/2 server's `'stream'` event (Node's core HTTP/2 API). */
export type StreamListener = (
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  flags: number,
  rawHeaders: string[],
) => void | Promise<void>;

/**
 * Wraps a listener of an HTTP/2 server's `'stream'` event (`http2.createServer().on('stream',
 * …)`, h2c or TLS): each stream runs inside its trace context, read from the request's headers
 * (read it with `getContext()`), also in the stream's own listeners (`data`, `end`, `close`), and
 * the response head carries the request ID under `requestIdHeader`, whichever of `respond`,
 * `respondWithFile` or `respondWithFD` answers. A request ID header the listener sets itself
 * wins. For the compatibility API (`http2.createServer(listener)` with `(request, response)`),
 * use {@link hoptraceHandler}.
 *
 * Options are validated here, once (throws {@link HoptraceOptionsError} naming a bad option).
 * `observe` and `diagnostics` are refused: the stream API has no request and response objects
 * to record; use the compatibility API for them.
 *
 * Spec: RFC 9113 §8.3 (request pseudo-headers are not ours: only the regular fields are read).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http2';
 * import { getContext, hoptraceStreamHandler } from '@hoptrace/core';
 *
 * createServer().on('stream', hoptraceStreamHandler((stream) => {
 *   stream.respond({ ':status': 200 });
 *   stream.end(getContext().requestId);
 * })).listen(3000);
 * ```
 */
export function hoptraceStreamHandler(
  handler: StreamListener,
  options: HoptraceOptions = {},
): StreamListener {
  if (typeof handler !== 'function') {
    throw new HoptraceOptionsError(
      'handler',
      `must be a 'stream' listener function, got ${typeof handler}`,
    );
  }
  for (const name of ['observe', 'diagnostics'] as const) {
    if (options[name] !== undefined) {
      throw new HoptraceOptionsError(
        name,
        'is not supported by hoptraceStreamHandler: use the compatibility API, http2.createServer(hoptraceHandler(listener))',
      );
    }
  }
  const hoptrace = createHoptrace(options);
  const idHeader = hoptrace.options.requestIdHeader;
  return function hoptraceStreamListener(stream, headers, flags, rawHeaders) {
    const context = hoptrace.extract(headers, {
      remoteAddress: stream.session?.socket?.remoteAddress,
      request: stream,
    });
    const withRequestId = (head: OutgoingHttpHeaders | undefined): OutgoingHttpHeaders => {
      if (head !== undefined && Object.keys(head).some((name) => name.toLowerCase() === idHeader)) {
        return head;
      }
      return { [idHeader]: context.requestId, ...head };
    };
    // Own properties of this stream, not Http2Stream.prototype: only the streams this listener
    // received answer with the ID.
    const { respond, respondWithFile, respondWithFD } = stream;
    stream.respond = (head, responseOptions) =>
      respond.call(stream, withRequestId(head), responseOptions);
    stream.respondWithFile = (path, head, responseOptions) =>
      respondWithFile.call(stream, path, withRequestId(head), responseOptions);
    stream.respondWithFD = (fd, head, responseOptions) =>
      respondWithFD.call(stream, fd, withRequestId(head), responseOptions);
    return runWithContext(context, () => {
      bindEmitter(stream);
      return handler(stream, headers, flags, rawHeaders);
    });
  };
}
