import http2, { type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';
import { syncBuiltinESMExports } from 'node:module';

/**
 * What a hooked session hands each request to: the session's origin (`http://host:port`), the
 * request's headers; returns the headers to send (the same object when nothing is added).
 */
export type Http2RequestHeaders = (
  origin: string,
  headers: OutgoingHttpHeaders,
) => OutgoingHttpHeaders;

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
 * Fails without it: `test/http2-outbound.test.ts` "carries the request's headers on every stream
 * of a session made inside or outside the request".
 *
 * @example
 * ```ts
 * const unhook = hookHttp2Sessions((origin, headers) => ({ ...headers, 'x-request-id': id }));
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

function hookSession(session: ClientHttp2Session, authority: unknown, inject: Http2RequestHeaders) {
  const target = session as ClientHttp2Session & { [HOOKED]?: true };
  const origin = originOf(authority);
  if (target[HOOKED] === true || origin === undefined) return;
  target[HOOKED] = true;
  const request = session.request;
  session.request = function hoptraceRequest(this: ClientHttp2Session, headers, ...rest) {
    let sent = headers;
    try {
      sent = inject(origin, headers ?? {});
    } catch {
      // A hook must never break the caller's request.
    }
    return request.call(this, sent, ...rest);
  } as typeof session.request;
}
