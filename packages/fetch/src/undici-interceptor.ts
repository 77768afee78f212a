import type { IncomingHttpHeaders } from 'node:http';
import type { TraceContext } from '@hoptrace/core';
import { dispatchTargetUrl } from './call-target.js';
import { type ClientCall, recordFailure, recordResponse } from './client-observation.js';
import type { OutboundOptions } from './outbound.js';
import { createOutboundClient } from './outbound-call.js';

// undici is an optional peer: the types below describe the part of its dispatcher API the
// interceptor uses, so the published types compile where undici is not installed
// (`skipLibCheck: false`), and undici 6, 7 and 8's own types fit them.

/** undici's `UndiciHeaders`: the forms a dispatch's `headers` may take. */
export type DispatchHeadersLike =
  | Record<string, string | string[]>
  | IncomingHttpHeaders
  | string[]
  | Iterable<[string, string | string[] | undefined]>
  | null;

/** The part of undici's `Dispatcher.DispatchOptions` the interceptor reads (undici 6–8). */
export interface DispatchOptionsLike {
  origin?: string | URL;
  path: string;
  method: string;
  headers?: DispatchHeadersLike;
}

/** An undici dispatch handler, of either of its APIs: passed on, wrapped, never built here. */
export type DispatchHandlerLike = object;

/** undici's `Dispatcher.Dispatch`. */
export type DispatchLike = (options: DispatchOptionsLike, handler: DispatchHandlerLike) => boolean;

/** undici's `Dispatcher.DispatcherComposeInterceptor`: what `dispatcher.compose()` takes. */
export type DispatchInterceptorLike = (dispatch: DispatchLike) => DispatchLike;

/** The headers of a dispatch, copied into a form core's `injectHeaders` writes into. */
type HeadersCopy = Record<string, string | string[] | undefined> | string[];

/**
 * A copy of undici's `headers` option: a record stays a record and a flat `[name, value, …]`
 * array stays a flat array; an iterable of pairs (`Headers`, `Map`) becomes a flat array so
 * repeated names survive. `undefined` for a form undici would refuse itself: the dispatch is
 * then passed on untouched and undici reports it.
 */
function copyHeaders(headers: unknown): HeadersCopy | undefined {
  if (headers === undefined || headers === null) return {};
  if (Array.isArray(headers)) return [...(headers as string[])];
  if (typeof headers !== 'object') return undefined;
  if (Symbol.iterator in headers) {
    const flat: string[] = [];
    for (const pair of headers as Iterable<unknown>) {
      if (!Array.isArray(pair) || pair.length !== 2) return undefined;
      const [name, value] = pair as [unknown, unknown];
      if (typeof name !== 'string' || value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) flat.push(name, item as string);
    }
    return flat;
  }
  return { ...(headers as Record<string, string | string[] | undefined>) };
}

/**
 * The URL of a dispatch, for `propagateTo` (see `dispatchTargetUrl`): its origin, with its path
 * set on it so a path like `//other.host/` cannot change the host; an absolute-form path (a
 * dispatch to a forward proxy's origin) is the target, and the origin its proxy.
 */
function dispatchUrl(options: DispatchOptionsLike): URL | undefined {
  return dispatchTargetUrl(options.origin, options.path);
}

type Handler = DispatchHandlerLike;
type HandlerMethod = (...args: unknown[]) => unknown;

/** Every method of undici's handler APIs: the legacy one (6.x, 7.x) and the new one (7.x, 8.x). */
const HANDLER_METHODS = [
  'onConnect',
  'onUpgrade',
  'onHeaders',
  'onData',
  'onComplete',
  'onError',
  'onBodySent',
  'onRequestSent',
  'onResponseStarted',
  'onRequestStart',
  'onRequestUpgrade',
  'onResponseStart',
  'onResponseData',
  'onResponseEnd',
  'onResponseError',
] as const;

/**
 * A handler passing every call on to `handler`, with the methods it has (undici picks the API
 * from them), that records the call when its response headers arrive or it fails.
 */
function observingHandler(handler: Handler, recording: ClientCall): Handler {
  const methods = handler as unknown as Record<string, unknown>;
  const wrapper: Record<string, HandlerMethod> = {};
  for (const name of HANDLER_METHODS) {
    const method = methods[name];
    if (typeof method !== 'function') continue;
    const forward = (...args: unknown[]): unknown => method.apply(handler, args);
    wrapper[name] = forward;
  }
  const wrap = (name: string, observe: (args: unknown[]) => void): void => {
    const forward = wrapper[name];
    if (forward === undefined) return;
    wrapper[name] = (...args: unknown[]): unknown => {
      observe(args);
      return forward(...args);
    };
  };
  // Legacy: onHeaders(statusCode, rawHeaders, resume, statusText); 1xx never reach it.
  wrap('onHeaders', ([status, headers]) => {
    if (typeof status === 'number') recordResponse(recording, { status, headers });
  });
  wrap('onError', ([error]) => recordFailure(recording, { error }));
  // New: onResponseStart(controller, statusCode, headers, statusMessage).
  wrap('onResponseStart', ([, status, headers]) => {
    if (typeof status === 'number') recordResponse(recording, { status, headers });
  });
  wrap('onResponseError', ([, error]) => recordFailure(recording, { error }));
  return wrapper as unknown as Handler;
}

/**
 * An undici interceptor that adds the current request's ID and trace headers to every request
 * dispatched through it (per the `OutboundOptions`: formats, `mode`, `propagateTo`,
 * `outsideContext`, `callerHeaders`). Compose it onto any undici dispatcher (undici 6.21+ and 7);
 * set the composed one as the global dispatcher to cover `undici.request`, `undici.fetch` and
 * the other undici APIs called without a `dispatcher`.
 *
 * Each dispatch gets a copy of its `headers` (record, flat array, or iterable of pairs) with
 * hoptrace's headers injected; the caller's object is never changed. Headers the caller set win,
 * a stale copy of the current span's identity is replaced, and no header is sent twice. Because
 * the context is read per dispatch, keep-alive connections shared by many requests are fine.
 * Errors are undici's own, unchanged. With `observe`, each dispatch that got the headers is
 * recorded when its response headers arrive or it fails (`remote` is `null`: undici hides it).
 * Beside OpenTelemetry's undici instrumentation, with `bridgeOpenTelemetry()`: the request leaves
 * with one trace identity, the client span OTel opened for it, and hoptrace's request ID (see
 * `ensureTracerHooks`).
 *
 * @param options - See {@link OutboundOptions}. Bad options throw `HoptraceOptionsError` here.
 * @returns An interceptor for undici's `Dispatcher.compose` (its `DispatcherComposeInterceptor`).
 *
 * With undici's retry interceptor, list this one first:
 * `agent.compose(hoptraceInterceptor(), interceptors.retry())`. `compose` makes the last
 * interceptor the outermost, so the retry interceptor then re-dispatches each attempt through
 * this one, and with `outboundRequestId: 'per-call'` every attempt gets its own request ID; the
 * other order injects once and re-sends those headers on every attempt.
 *
 * Follows undici's interceptor API (`Dispatcher.compose`, docs/api/Dispatcher.md) and W3C Trace
 * Context / B3 propagation as core's `injectHeaders`.
 *
 * @example
 * ```ts
 * import { Agent, request, setGlobalDispatcher } from 'undici';
 * import { hoptraceInterceptor } from '@hoptrace/fetch';
 *
 * const dispatcher = new Agent().compose(hoptraceInterceptor({ mode: 'child' }));
 * await request('http://orders.internal/orders/42', { dispatcher });
 * setGlobalDispatcher(dispatcher); // or for every undici call
 * ```
 */
export function hoptraceInterceptor(options?: OutboundOptions): DispatchInterceptorLike {
  // Beside a bridged tracer, its undici instrumentation appends its own identity to each call.
  const client = createOutboundClient(options, { besideTracer: 'undici' });
  // The context of each logical call, by its handler. A retry interceptor re-dispatches every
  // attempt with the same handler, from socket and timer callbacks whose async context is the
  // connection's, which may be another request's: the first dispatch's context is the call's.
  const contexts = new WeakMap<object, TraceContext | null>();
  return function hoptraceInterceptor(dispatch: DispatchLike): DispatchLike {
    return function hoptraceDispatch(dispatchOptions, handler) {
      const started = client.start({
        target: () => dispatchUrl(dispatchOptions),
        method: () => dispatchOptions.method,
        headers: () => copyHeaders(dispatchOptions.headers),
        context: (find) => {
          const remembered = contexts.get(handler);
          if (remembered !== undefined) return remembered ?? undefined;
          const found = find();
          contexts.set(handler, found ?? null);
          return found;
        },
      });
      if (started === undefined) return dispatch(dispatchOptions, handler);
      const sent = { ...dispatchOptions, headers: started.headers };
      const { recording } = started;
      return dispatch(
        sent,
        recording === undefined ? handler : observingHandler(handler, recording),
      );
    };
  };
}
