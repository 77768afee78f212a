import type {
  ClientObservation,
  Endpoint,
  FailureFlag,
  TraceContext,
  WritableHeaderCarrier,
} from '@hoptrace/core';
import {
  type HeaderTarget,
  headerTarget,
  type ResolvedObserver,
  type ResolvedOptions,
  type SentIdentity,
  sentIdentity,
} from '@hoptrace/core/adapter';
import {
  type DiagnosticCall,
  diagnosticHopOf,
  TRAIL_HEADER,
  trailAddress,
} from '@hoptrace/core/diagnostics';
import { markRecordedByClient, recordingKey, takeRecordedByClient } from './recorded-calls.js';

/**
 * One outbound call being recorded: what the request carried and when it left. Made by
 * {@link startClientCall}, finished once by {@link recordResponse} or {@link recordFailure}, which
 * hand it to the `observe` option's observer and, for a diagnostic request, to its hop's trail.
 */
export interface ClientCall {
  readonly observer: ResolvedObserver | undefined;
  readonly diagnostic: DiagnosticCall | undefined;
  readonly requestIdHeader: string;
  readonly requestId: string;
  readonly correlationId: string | undefined;
  readonly target: { readonly host: string; readonly port: number };
  /** Epoch milliseconds. */
  readonly start: number;
  /** `performance.now()` at the start, for `durationMs`. */
  readonly startedAt: number;
  /** Set when the client reported a timeout (node:http's `'timeout'` event) before the error. */
  timedOut: boolean;
  /** Set once the record is written: a call is recorded once. */
  done: boolean;
  /** Forgets the client's mark on the call (see `recorded-calls`), once it is recorded. */
  readonly forget: (() => void) | undefined;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  'http:': 80,
  'https:': 443,
  'ws:': 80,
  'wss:': 443,
};

/**
 * The host and port a URL targets; the port defaults by protocol (80 for `http:`, 443 for
 * `https:`, else 0). An IPv6 host loses its brackets, as sockets report addresses.
 *
 * @example
 * ```ts
 * targetOf(new URL('http://orders.internal/a')); // { host: 'orders.internal', port: 80 }
 * ```
 */
export function targetOf(url: URL | undefined): { host: string; port: number } {
  if (url === undefined) return { host: '', port: 0 };
  const hostname = url.hostname;
  const host =
    hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  const port = url.port === '' ? (DEFAULT_PORTS[url.protocol] ?? 0) : Number(url.port);
  return { host, port };
}

/**
 * The peer of a `net.Socket` (or anything with `remoteAddress`/`remotePort`), or `null` when it
 * cannot be told (no socket, or already closed).
 *
 * @example
 * ```ts
 * socketEndpoint(clientRequest.socket); // { address: '127.0.0.1', port: 8080 }
 * ```
 */
export function socketEndpoint(socket: unknown): Endpoint | null {
  if (typeof socket !== 'object' || socket === null) return null;
  try {
    const { remoteAddress, remotePort } = socket as {
      readonly remoteAddress?: unknown;
      readonly remotePort?: unknown;
    };
    if (typeof remoteAddress !== 'string' || typeof remotePort !== 'number') return null;
    return { address: remoteAddress, port: remotePort };
  } catch {
    return null;
  }
}

/** What {@link startClientCall} is told about a call that got hoptrace's headers. */
export interface ClientCallStart {
  /** The request context whose headers the call carries. */
  readonly context: TraceContext;
  /** The headers as written: `per-call` mode minted a fresh ID there, a caller's own ID wins. */
  readonly sent: WritableHeaderCarrier;
  /**
   * The URL the call connects to, `undefined` when the client cannot tell. Asked only for a call
   * that is recorded: building it costs more than the rest of a call's work.
   */
  readonly url: () => URL | undefined;
  readonly method: string;
  /**
   * `client` (default) for `wrapFetch`, the interceptor and axios; `hook` for
   * `instrumentOutbound`'s hooks, which leave a call to the client that already records it.
   */
  readonly source?: 'client' | 'hook';
}

/**
 * Starts recording a call that got hoptrace's headers, when anything wants it: the `observe`
 * option, or the diagnostic hop of the context's request (see core's `diagnosticHopOf`);
 * otherwise returns `undefined` at the cost of one lookup. The request and correlation IDs are
 * read back from `sent`, the headers actually written. Call it right before the call leaves, so
 * `start` and `durationMs` cover the call alone. A hook's start returns `undefined` for a call a
 * client already records.
 *
 * @example
 * ```ts
 * const call = startClientCall(options, { context, sent: headers, url: () => url, method: 'GET' });
 * if (call !== undefined) promise.then((response) => recordResponse(call, response));
 * ```
 */
export function startClientCall(
  options: ResolvedOptions,
  start: ClientCallStart,
): ClientCall | undefined {
  const { context, sent, method, source = 'client' } = start;
  const observer = options.observe;
  const hop = diagnosticHopOf(context);
  if (observer === undefined && hop === undefined) return undefined;
  const url = start.url();
  let requestId: string | undefined;
  let correlationId: string | undefined;
  let target: HeaderTarget | undefined;
  try {
    target = headerTarget(sent);
    requestId = target.get(options.requestIdHeader);
    if (options.correlationIdHeader !== undefined) {
      correlationId = target.get(options.correlationIdHeader);
    }
  } catch {
    // An odd carrier: the context still says what was meant to be sent.
  }
  // A call a hoptrace client already records reaches instrumentOutbound's hooks too: once only.
  const key = recordingKey(requestId ?? context.requestId, method, url);
  if (source === 'hook' && takeRecordedByClient(context, key)) return undefined;
  let diagnostic: DiagnosticCall | undefined;
  if (hop !== undefined) {
    let identity: SentIdentity = { traceId: null, spanId: null };
    try {
      if (target !== undefined) identity = sentIdentity(target);
    } catch {
      // As above.
    }
    diagnostic = hop.startCall(method.toUpperCase(), url, {
      requestId: requestId ?? context.requestId,
      ...identity,
    });
  }
  return {
    observer,
    diagnostic,
    requestIdHeader: options.requestIdHeader,
    requestId: requestId ?? context.requestId,
    correlationId: correlationId ?? context.correlationId,
    target: targetOf(url),
    start: Date.now(),
    startedAt: performance.now(),
    timedOut: false,
    done: false,
    forget: source === 'client' ? markRecordedByClient(context, key) : undefined,
  };
}

const latin1 = new TextDecoder('latin1');

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value instanceof Uint8Array) return latin1.decode(value);
  if (Array.isArray(value)) return text(value[0]);
  return undefined;
}

/**
 * The value of `name` (lower-case) in response headers of any form clients hand out: a fetch
 * `Headers` or `AxiosHeaders` (`get`), a flat raw `[name, value, …]` array of strings or bytes
 * (undici), or a record (Node, undici's new handler API). The first value when repeated.
 *
 * @example
 * ```ts
 * responseHeader([Buffer.from('X-Request-ID'), Buffer.from('abc')], 'x-request-id'); // 'abc'
 * ```
 */
export function responseHeader(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  if (Array.isArray(headers)) {
    for (let index = 0; index + 1 < headers.length; index += 2) {
      if (text(headers[index])?.toLowerCase() === name) return text(headers[index + 1]);
    }
    return undefined;
  }
  const get = (headers as { readonly get?: unknown }).get;
  if (typeof get === 'function') return text(get.call(headers, name));
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === name) return text((headers as Record<string, unknown>)[key]);
  }
  return undefined;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ECONNABORTED',
  'ETIMEDOUT',
]);
const ABORT_CODES = new Set(['ABORT_ERR', 'UND_ERR_ABORTED', 'ERR_CANCELED']);
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const RESET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ERR_STREAM_PREMATURE_CLOSE',
  // node:http2: a stream reset by the peer (RST_STREAM with an error code, REFUSED_STREAM among
  // them), a stream cancelled because its session went away, a session that got GOAWAY or
  // failed, a request on a session already destroyed.
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_STREAM_CANCEL',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_INVALID_SESSION',
]);

function flagOf(error: unknown): FailureFlag | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, code, message } = error as {
    readonly name?: unknown;
    readonly code?: unknown;
    readonly message?: unknown;
  };
  if (name === 'TimeoutError' || (typeof code === 'string' && TIMEOUT_CODES.has(code))) return 'UT';
  if (name === 'AbortError' || (typeof code === 'string' && ABORT_CODES.has(code))) return 'DC';
  if (typeof code === 'string' && CONNECT_CODES.has(code)) return 'UF';
  if (typeof code === 'string' && RESET_CODES.has(code)) return 'UC';
  if (message === 'other side closed' || message === 'socket hang up') return 'UC';
  return undefined;
}

const PRIORITY: readonly FailureFlag[] = ['UT', 'DC', 'UF', 'UC'];

/**
 * Why a call got no response, in Envoy's response-flag vocabulary, from the error the client
 * reported and its `cause` chain (fetch wraps undici's error in a `TypeError: fetch failed`,
 * axios in an `AxiosError`):
 *
 * - `UT` timeout: a `TimeoutError` (`AbortSignal.timeout`), undici's headers/body timeouts,
 *   axios' `ECONNABORTED`/`ETIMEDOUT`. A timeout wins over the abort it caused (node:http wraps
 *   the signal's `TimeoutError` in an `AbortError`).
 * - `DC` the caller went away: an `AbortError`, undici's `UND_ERR_ABORTED`, axios' `ERR_CANCELED`.
 * - `UF` connection failure: `ECONNREFUSED`, `ENOTFOUND`, `EHOSTUNREACH`, `ENETUNREACH`,
 *   `EAI_AGAIN`, and undici's `UND_ERR_CONNECT_TIMEOUT` (as Envoy: a connect timeout is a
 *   connection failure, `UT` is for a response that did not come). Also any error not listed
 *   here: no response arrived and none of the other flags can be told.
 * - `UC` reset or closed: `ECONNRESET` (`socket hang up`), `EPIPE`, undici's `UND_ERR_SOCKET`
 *   (`other side closed`), `UND_ERR_CLOSED`; node:http2's `ERR_HTTP2_STREAM_ERROR` (the peer
 *   reset the stream), `ERR_HTTP2_STREAM_CANCEL` (its session went away: a refused connection's
 *   cancel names `ECONNREFUSED` as its cause, hence `UF`), `ERR_HTTP2_GOAWAY_SESSION`,
 *   `ERR_HTTP2_SESSION_ERROR`, `ERR_HTTP2_INVALID_SESSION`.
 *
 * @param error - The client's error.
 * @param reason - Checked first when given: the reason of the caller's aborted signal, for
 *   clients (axios) that replace it with an error of their own.
 *
 * @example
 * ```ts
 * failureFlag(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })); // 'UF'
 * ```
 */
export function failureFlag(error: unknown, reason?: unknown): FailureFlag {
  const found = new Set<FailureFlag>();
  const reasonFlag = flagOf(reason);
  if (reasonFlag !== undefined) return reasonFlag;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const flag = flagOf(current);
    if (flag !== undefined) found.add(flag);
    current = (current as { readonly cause?: unknown }).cause;
  }
  for (const flag of PRIORITY) if (found.has(flag)) return flag;
  return 'UF';
}

/** What the client knows of the connection a call went over, when it can tell. */
export interface CallConnection {
  /** The peer, when the client exposes its socket. Default: `null` (undici hides it). */
  readonly remote?: Endpoint | null;
  /** The HTTP version, `2.0` for a node:http2 stream; left out of the record when not given. */
  readonly httpVersion?: string;
  /** Whether the connection carried an earlier call; left out of the record when not given. */
  readonly reusedSocket?: boolean;
}

/** How a call ended, as {@link write} records it. */
interface CallOutcome extends CallConnection {
  readonly status: number | null;
  readonly echoedRequestId: string | null;
  readonly failure: FailureFlag | null;
  /** The response's trail header, for a diagnostic call. */
  readonly trail?: string | undefined;
}

function write(call: ClientCall, outcome: CallOutcome): void {
  if (call.done) return;
  call.done = true;
  call.forget?.();
  const { status, echoedRequestId, failure, remote = null, trail } = outcome;
  const { httpVersion, reusedSocket } = outcome;
  if (call.diagnostic !== undefined) {
    const at = remote === null ? null : trailAddress(remote.address, remote.port);
    if (failure !== null) call.diagnostic.failure(failure, at);
    else if (status !== null) call.diagnostic.response(status, trail, at);
  }
  if (call.observer === undefined) return;
  const observation: ClientObservation = {
    hoptrace: 'client',
    service: call.observer.service,
    requestId: call.requestId,
    correlationId: call.correlationId,
    echoedRequestId,
    matched: echoedRequestId === call.requestId,
    target: call.target,
    remote,
    status,
    failure,
    start: call.start,
    durationMs: performance.now() - call.startedAt,
    // Only when the client told them: the records of every other client keep their fields.
    ...(httpVersion === undefined ? undefined : { httpVersion }),
    ...(reusedSocket === undefined ? undefined : { reusedSocket }),
  };
  call.observer.record(observation);
}

/** A response whose headers arrived, as {@link recordResponse} takes it. */
export interface ClientResponse extends CallConnection {
  readonly status: number;
  /** The response headers, any form {@link responseHeader} reads. */
  readonly headers: unknown;
}

/**
 * Records a call whose response headers arrived. Never throws.
 *
 * @example
 * ```ts
 * recordResponse(call, { status: response.status, headers: response.headers });
 * ```
 */
export function recordResponse(call: ClientCall, response: ClientResponse): void {
  try {
    const { status, headers } = response;
    const echoed = responseHeader(headers, call.requestIdHeader) ?? null;
    const trail = call.diagnostic === undefined ? undefined : responseHeader(headers, TRAIL_HEADER);
    write(call, {
      ...connectionOf(response),
      status,
      echoedRequestId: echoed,
      failure: null,
      trail,
    });
  } catch {
    // Observing must never change the call.
  }
}

/** The connection fields alone of a response or failure: the record takes nothing else of them. */
function connectionOf(given: CallConnection): CallConnection {
  const { remote, httpVersion, reusedSocket } = given;
  return { remote, httpVersion, reusedSocket };
}

/** A call that got no response, as {@link recordFailure} takes it. */
export interface ClientFailure extends CallConnection {
  /** The client's error. */
  readonly error: unknown;
  /** The reason of the caller's aborted signal, for clients (axios) that replace it (see {@link failureFlag}). */
  readonly reason?: unknown;
}

/**
 * Records a call that got no response, flagged by {@link failureFlag}. Never throws.
 *
 * @example
 * ```ts
 * promise.catch((error) => recordFailure(call, { error }));
 * ```
 */
export function recordFailure(call: ClientCall, failure: ClientFailure): void {
  try {
    const { error, reason } = failure;
    const flag = call.timedOut ? 'UT' : failureFlag(error, reason);
    write(call, { ...connectionOf(failure), status: null, echoedRequestId: null, failure: flag });
  } catch {
    // Observing must never change the call.
  }
}
