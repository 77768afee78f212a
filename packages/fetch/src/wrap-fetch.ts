import { HoptraceOptionsError } from '@hoptrace/core';
import { describeValue } from '@hoptrace/core/adapter';
import { absoluteTargetUrl } from './call-target.js';
import { type ClientCall, recordFailure, recordResponse } from './client-observation.js';
import type { OutboundOptions } from './outbound.js';
import { createOutboundClient } from './outbound-call.js';

/**
 * Any fetch-shaped function: Node's global `fetch`, undici's npm `fetch`, or a test double. The
 * `never` parameters only say "some input, some init": {@link wrapFetch} keeps the exact type of
 * the fetch it is given.
 */
export type FetchFunction = (input: never, init?: never) => Promise<unknown>;

/** What the `Headers` constructor accepts. */
type HeadersInit = ConstructorParameters<typeof Headers>[0];

/** The part of a `RequestInit` the wrapper reads; every other member is passed on as given. */
interface FetchInit {
  readonly headers?: unknown;
  readonly method?: unknown;
}

/** The part of a fetch `Request` the wrapper reads (Node's, undici's npm one, or a polyfill's). */
interface RequestLike {
  readonly url: string;
  readonly method: string;
  readonly headers: Iterable<[string, string]>;
}

// Duck typing, not `instanceof Request`: undici's npm Request is another class than Node's.
function isRequestLike(input: unknown): input is RequestLike {
  if (typeof input !== 'object' || input === null) return false;
  const candidate = input as Partial<Record<keyof RequestLike, unknown>>;
  const headers = candidate.headers;
  return (
    typeof candidate.url === 'string' &&
    typeof candidate.method === 'string' &&
    typeof headers === 'object' &&
    headers !== null &&
    typeof (headers as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function'
  );
}

/**
 * The URL a fetch input targets, for `propagateTo` (see `absoluteTargetUrl`): fetch connects to
 * the host of its absolute URL, or tunnels to it through a `ProxyAgent`, which reaches that host
 * alone. A `ProxyAgent` forwarding without a tunnel is below what this wrapper sees (the README
 * says so; `instrumentOutbound` judges it). `undefined` when it cannot be told.
 */
function urlOf(input: unknown): URL | undefined {
  if (typeof input === 'string' || input instanceof URL) return absoluteTargetUrl(input);
  if (isRequestLike(input)) return absoluteTargetUrl(input.url);
  // A URL from another realm or polyfill, which fetch stringifies too.
  const href: unknown = (input as { href?: unknown } | null | undefined)?.href;
  return typeof href === 'string' ? absoluteTargetUrl(href) : undefined;
}

/** The method a fetch call uses: `init.method`, else the Request input's, else `GET`. */
function methodOf(input: unknown, init: FetchInit | undefined): string {
  if (typeof init?.method === 'string') return init.method;
  return isRequestLike(input) ? input.method : 'GET';
}

/** A plain `{ name: value }` object, which fetch reads as a record (not Headers, not pairs). */
function isPlainRecord(value: unknown): value is Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * A copy of the headers the call would send: `init.headers` when given (fetch then ignores the
 * Request's own), otherwise the Request input's. Never the caller's object.
 *
 * No headers, or a plain record, stay a plain record: building a `Headers` costs about 4 µs per
 * call (every name and value validated, then again by fetch), ten times the rest of the wrapper.
 */
function copyHeaders(
  input: unknown,
  init: FetchInit | undefined,
): Headers | Record<string, string> {
  const given = init?.headers;
  if (given === undefined)
    return isRequestLike(input) ? new Headers(input.headers as HeadersInit) : {};
  return isPlainRecord(given) ? { ...given } : new Headers(given as HeadersInit);
}

/**
 * Wraps a fetch function so that every call made inside a request context carries that
 * request's ID and trace headers (per the `OutboundOptions`: formats, `mode`, `propagateTo`,
 * `outsideContext`, `callerHeaders`).
 *
 * Each call gets a new `Headers` (copied from `init.headers`, or from the `Request` input's
 * headers) with hoptrace's headers injected; the caller's `Headers`, records and `init` are never
 * changed. A `Request` input keeps its method and body. Headers the caller set win, and a stale
 * copy of the current span's identity is replaced, so no header is ever sent twice. A call that
 * gets no headers (outside a context with `outsideContext: 'skip'`, or a host `propagateTo`
 * excludes) is passed through with its arguments untouched. With `observe`, each call that got
 * the headers is recorded once its response headers arrive or it fails (see `client-observation`).
 * Errors and rejections are fetch's
 * own, unchanged; the context is still active in the caller's `catch`.
 *
 * Beside OpenTelemetry's undici instrumentation, with `bridgeOpenTelemetry()`: the call leaves
 * with one trace identity, the client span OTel opened for it, and hoptrace's request ID (a
 * shared `undici:request:create` hook removes the copy OTel appends over ours; see
 * `ensureTracerHooks`).
 *
 * @param fetch - The fetch to wrap. Default: `globalThis.fetch`, read when `wrapFetch` is called.
 *   undici's npm `fetch` works too and keeps its own types.
 * @param options - See {@link OutboundOptions}. Bad options throw `HoptraceOptionsError` here.
 * @returns A function named `hoptraceFetch`, typed as the fetch it wraps.
 *
 * Follows the Fetch Standard (a Request input with `init.headers` takes those headers, keeps
 * its method and body) and W3C Trace Context / B3 propagation as core's `injectHeaders`.
 *
 * @example
 * ```ts
 * import { wrapFetch } from '@hoptrace/fetch';
 *
 * const fetch = wrapFetch(undefined, { mode: 'child', propagateTo: ['*.svc.cluster.local'] });
 * const response = await fetch('http://orders.shop.svc.cluster.local/orders/42');
 *
 * import { fetch as undiciFetch } from 'undici';
 * const tracedUndiciFetch = wrapFetch(undiciFetch);
 * ```
 */
export function wrapFetch(fetch?: undefined, options?: OutboundOptions): typeof globalThis.fetch;
/** Wraps the given `fetch` (undici's npm `fetch`, a polyfill…), keeping its exact type. */
export function wrapFetch<Fetch extends FetchFunction>(
  fetch: Fetch,
  options?: OutboundOptions,
): Fetch;
export function wrapFetch(fetch?: FetchFunction, options?: OutboundOptions): FetchFunction {
  const target: unknown = fetch === undefined ? globalThis.fetch : fetch;
  if (typeof target !== 'function') {
    throw new HoptraceOptionsError(
      'fetch',
      `must be a fetch function (globalThis.fetch is used when omitted); got ${describeValue(target)}`,
    );
  }
  const call = target as (...args: unknown[]) => Promise<unknown>;
  // Beside a bridged tracer, its undici instrumentation appends its own identity to each call.
  const client = createOutboundClient(options, { besideTracer: 'undici' });

  function hoptraceFetch(...args: unknown[]): Promise<unknown> {
    const [input, init] = args as [unknown, FetchInit | undefined];
    const started = client.start({
      target: () => urlOf(input),
      method: () => methodOf(input, init),
      headers: () => copyHeaders(input, init),
    });
    if (started === undefined) return call(...args);
    const result = call(input, { ...init, headers: started.headers });
    return started.recording === undefined ? result : observeResponse(started.recording, result);
  }
  return hoptraceFetch as unknown as FetchFunction;
}

/**
 * The same outcome as `result`, recorded on the way: a response's status and request ID header, or
 * the failure. fetch resolves once the response headers arrived, so that is what is timed.
 */
function observeResponse(recording: ClientCall, result: Promise<unknown>): Promise<unknown> {
  if (typeof (result as Partial<Promise<unknown>> | null)?.then !== 'function') return result;
  return result.then(
    (response) => {
      const { status, headers } = (response ?? {}) as { status?: unknown; headers?: unknown };
      if (typeof status === 'number') recordResponse(recording, { status, headers });
      return response;
    },
    (error: unknown) => {
      recordFailure(recording, { error });
      throw error;
    },
  );
}
