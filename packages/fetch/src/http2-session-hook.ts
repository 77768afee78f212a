import http2, {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type IncomingHttpStatusHeader,
  type OutgoingHttpHeaders,
} from 'node:http2';
import { syncBuiltinESMExports } from 'node:module';
import {
  type CallConnection,
  type ClientCall,
  recordFailure,
  recordResponse,
  socketEndpoint,
} from './client-observation.js';

/** What the installations did with one stream's headers: {@link Http2RequestHeaders}' answer. */
export interface Http2Injection {
  /** The headers to send: the same object when nothing was added. */
  readonly headers: OutgoingHttpHeaders;
  /** The recordings the outbound pipeline started for it: one per installation that records. */
  readonly calls: readonly ClientCall[];
}

/**
 * What a hooked session hands each request to: the session's origin (`http://host:port`), the
 * request's headers, and whether the stream may be recorded (`false` for a gRPC stream, which
 * `@hoptrace/grpc` records); returns the headers to send and the recordings to settle.
 */
export type Http2RequestHeaders = (
  origin: string,
  headers: OutgoingHttpHeaders,
  record: boolean,
) => Http2Injection;

const HOOKED = Symbol.for('hoptrace.http2-session-request.v1');

/**
 * Wraps `http2.connect` so that every session it makes from now on hands each `request(headers)`
 * to `inject` first. Node has no diagnostics_channel where a client HTTP/2 request's headers can
 * still be changed (Node 24's `http2.client.stream.created` comes after they are packed; Node 20
 * has none), so this is the one way to reach them without the caller's help. The wrap is on the
 * module's `connect` (then `syncBuiltinESMExports`, so `import { connect } from 'node:http2'`
 * sees it too) and on each new session object, never on a prototype: sessions made before, or by
 * another `connect`, are left alone. Returns the function that puts `connect` back.
 *
 * The recordings `inject` returns (those the outbound pipeline's `start` began) are settled
 * here from the stream's events, since nothing else sees them (Node 20 has no HTTP/2
 * diagnostics channel at all): the `'response'` headers give the status (`:status`), the echoed
 * request ID and the diagnostic trail; a stream that closes without one is a failure, flagged
 * by `failureFlag` from its error (`ERR_HTTP2_STREAM_ERROR` when the peer reset it: `UC`; an
 * `AbortSignal`'s `AbortError`: `DC`; a refused connection: `UF`), `UT` after its `'timeout'`,
 * else `UC` (the session or the stream closed first, as node:http's `socket hang up`). Each
 * record says `httpVersion: '2.0'` and `reusedSocket`: false for a session's first stream, true
 * after. A gRPC stream (`content-type: application/grpc…`) gets its headers (idempotent: those
 * its interceptor wrote are kept) but is handed over with `record: false`, so never recorded
 * here: `@hoptrace/grpc` records it.
 *
 * Fails without it: `test/http2-outbound.test.ts` "carries the request's headers on every stream
 * of a session made inside or outside the request".
 *
 * @example
 * ```ts
 * const unhook = hookHttp2Sessions((origin, headers) => ({
 *   headers: { ...headers, 'x-request-id': id },
 *   calls: [],
 * }));
 * ```
 */
export function hookHttp2Sessions(inject: Http2RequestHeaders): () => void {
  const original = http2.connect;
  const connect = function hoptraceConnect(this: unknown, ...args: unknown[]) {
    const session = (original as (...given: unknown[]) => ClientHttp2Session).apply(this, args);
    hookSession(session, args[0], inject);
    return session;
  } as typeof http2.connect;
  http2.connect = connect;
  syncBuiltinESMExports();
  return () => {
    if (http2.connect !== connect) return;
    http2.connect = original;
    syncBuiltinESMExports();
  };
}

/** The origin `connect` was given (a URL or a string), as `http(s)://host:port`. */
function originOf(authority: unknown): string | undefined {
  try {
    const url = authority instanceof URL ? authority : new URL(String(authority));
    return url.origin;
  } catch {
    return undefined;
  }
}

/**
 * Whether a request's headers name a gRPC call: `content-type` starting with `application/grpc`
 * (`application/grpc`, `application/grpc+proto`), as gRPC over HTTP/2 requires.
 */
function isGrpc(headers: OutgoingHttpHeaders): boolean {
  for (const name of Object.keys(headers)) {
    if (name.toLowerCase() !== 'content-type') continue;
    const value = headers[name];
    const type = Array.isArray(value) ? value[0] : value;
    return typeof type === 'string' && type.toLowerCase().startsWith('application/grpc');
  }
  return false;
}

function hookSession(session: ClientHttp2Session, authority: unknown, inject: Http2RequestHeaders) {
  const target = session as ClientHttp2Session & { [HOOKED]?: true };
  const origin = originOf(authority);
  if (target[HOOKED] === true || origin === undefined) return;
  target[HOOKED] = true;
  const request = session.request;
  let streams = 0;
  session.request = function hoptraceRequest(this: ClientHttp2Session, headers, ...rest) {
    const connection = { httpVersion: '2.0', reusedSocket: streams > 0 } as const;
    streams += 1;
    let sent = headers;
    let calls: readonly ClientCall[] = [];
    try {
      const given = headers ?? {};
      ({ headers: sent, calls } = inject(origin, given, !isGrpc(given)));
    } catch {
      // A hook must never break the caller's request.
    }
    let stream: ClientHttp2Stream;
    try {
      stream = request.call(this, sent, ...rest);
    } catch (error) {
      // A session closed or destroyed refuses the request (`ERR_HTTP2_INVALID_SESSION`): that is
      // how the call ended. The caller gets the error as without hoptrace.
      for (const call of calls) recordFailure(call, { error, ...connection });
      throw error;
    }
    if (calls.length > 0) settle(stream, this, calls, connection);
    return stream;
  } as typeof session.request;
}

/**
 * The error of a stream that closed with none and no response: its session went away first or
 * it was reset with `CANCEL` or `NO_ERROR` (Node reports neither as an error), which
 * `failureFlag` reads as `UC`.
 */
const CLOSED_FIRST: Readonly<{ code: string }> = Object.freeze({
  code: 'ERR_HTTP2_STREAM_CANCEL',
});

/**
 * Reports the response or failure of `stream` to each of its recordings. Only listeners that
 * change nothing: an `'error'` listener would catch errors the caller left unhandled, so the
 * error is read from the stream (`errored`) once it closes.
 */
function settle(
  stream: ClientHttp2Stream,
  session: ClientHttp2Session,
  calls: readonly ClientCall[],
  connection: CallConnection,
): void {
  let answered = false;
  stream.once('response', (headers: IncomingHttpHeaders & IncomingHttpStatusHeader) => {
    answered = true;
    const status = Number(headers[':status']);
    const remote = socketEndpoint(session.socket);
    for (const call of calls) recordResponse(call, { status, headers, remote, ...connection });
  });
  stream.once('timeout', () => {
    for (const call of calls) call.timedOut = true;
  });
  stream.once('close', () => {
    if (answered) return;
    const error: unknown = stream.errored ?? CLOSED_FIRST;
    const remote = socketEndpoint(session.socket);
    for (const call of calls) recordFailure(call, { error, remote, ...connection });
  });
}
