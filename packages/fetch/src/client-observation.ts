import {
  type ClientObservation,
  type Endpoint,
  type FailureFlag,
  headerTarget,
  type ResolvedObserver,
  type TraceContext,
  type WritableHeaderCarrier,
} from '@hoptrace/core';
import type { Outbound } from './outbound.js';

/**
 * One outbound call being observed: what the request carried and when it left. Made by
 * {@link startClientCall}, finished once by {@link recordResponse} or {@link recordFailure}.
 */
export interface ClientCall {
  readonly observer: ResolvedObserver;
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

/**
 * Starts observing a call that got hoptrace's headers. The request and correlation IDs are read
 * back from `sent`, the headers actually written: `per-call` mode minted a fresh ID there, and a
 * caller's own ID wins over ours. Call it only when `observer` is set, right before the call
 * leaves, so `start` and `durationMs` cover the call alone.
 *
 * @example
 * ```ts
 * const observe = outbound.hoptrace.options.observe;
 * const call = observe && startClientCall(observe, outbound, context, headers, url);
 * ```
 */
export function startClientCall(
  observer: ResolvedObserver,
  outbound: Outbound,
  context: TraceContext,
  sent: WritableHeaderCarrier,
  url: URL | undefined,
): ClientCall {
  const options = outbound.hoptrace.options;
  let requestId: string | undefined;
  let correlationId: string | undefined;
  try {
    const target = headerTarget(sent);
    requestId = target.get(options.requestIdHeader);
    if (options.correlationIdHeader !== undefined) {
      correlationId = target.get(options.correlationIdHeader);
    }
  } catch {
    // An odd carrier: the context still says what was meant to be sent.
  }
  return {
    observer,
    requestIdHeader: options.requestIdHeader,
    requestId: requestId ?? context.requestId,
    correlationId: correlationId ?? context.correlationId,
    target: targetOf(url),
    start: Date.now(),
    startedAt: performance.now(),
    timedOut: false,
    done: false,
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
 * The value of `name` (lower-case) in response headers of any shape clients hand out: a fetch
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
 *   (`other side closed`), `UND_ERR_CLOSED`.
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

function write(
  call: ClientCall,
  status: number | null,
  echoedRequestId: string | null,
  failure: FailureFlag | null,
  remote: Endpoint | null,
): void {
  if (call.done) return;
  call.done = true;
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
  };
  call.observer.record(observation);
}

/**
 * Records a call whose response headers arrived. Never throws.
 *
 * @param headers - The response headers, any shape {@link responseHeader} reads.
 *
 * @example
 * ```ts
 * recordResponse(call, response.status, response.headers, null);
 * ```
 */
export function recordResponse(
  call: ClientCall,
  status: number,
  headers: unknown,
  remote: Endpoint | null,
): void {
  try {
    const echoed = responseHeader(headers, call.requestIdHeader) ?? null;
    write(call, status, echoed, null, remote);
  } catch {
    // Observing must never change the call.
  }
}

/**
 * Records a call that got no response, flagged by {@link failureFlag}. Never throws.
 *
 * @example
 * ```ts
 * promise.catch((error) => recordFailure(call, error, null));
 * ```
 */
export function recordFailure(
  call: ClientCall,
  error: unknown,
  remote: Endpoint | null,
  reason?: unknown,
): void {
  try {
    write(call, null, null, call.timedOut ? 'UT' : failureFlag(error, reason), remote);
  } catch {
    // Observing must never change the call.
  }
}
