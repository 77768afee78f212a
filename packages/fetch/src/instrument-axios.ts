import {
  type HeadersLike,
  HoptraceOptionsError,
  type TraceContext,
  type WritableHeaderCarrier,
} from '@hoptrace/core';
import { describeValue } from '@hoptrace/core/adapter';
import { absoluteTargetUrl, callTargetUrl } from './call-target.js';
import {
  type ClientCall,
  recordFailure,
  recordResponse,
  socketEndpoint,
} from './client-observation.js';
import type { OutboundOptions } from './outbound.js';
import { createOutboundClient } from './outbound-call.js';

/**
 * The part of an axios request config the interceptor reads: its headers. axios 1.x hands
 * request interceptors an `AxiosHeaders`; a plain record or no headers at all are handled too,
 * since another interceptor may have replaced them.
 */
export interface AxiosRequestConfigLike {
  headers?: unknown;
  method?: unknown;
  /** axios' `proxy` (`{ protocol, host, port }`, or `false`): where the http adapter connects. */
  proxy?: unknown;
}

/**
 * The part of an `AxiosInstance` (or the default `axios` export) {@link instrumentAxios} uses.
 * Structural, so any axios 1.x instance fits without a cast and axios stays an optional peer.
 */
export interface AxiosInstanceLike {
  readonly interceptors: {
    readonly request: {
      use(
        onFulfilled?: (<Config extends AxiosRequestConfigLike>(config: Config) => Config) | null,
        onRejected?: null,
        options?: { synchronous?: boolean },
      ): number;
      eject(id: number): void;
    };
    /** Used only with the `observe` option, to see each call's response or error. */
    readonly response?: {
      use(
        onFulfilled?: (<Response>(response: Response) => Response) | null,
        onRejected?: ((error: unknown) => Promise<never>) | null,
      ): number;
      eject(id: number): void;
    };
  };
  getUri(config?: AxiosRequestConfigLike): string;
}

/** The part of `AxiosHeaders` used here; its names are case-insensitive. */
interface AxiosHeadersLike {
  get(name: string): unknown;
  set(name: string, value: string): unknown;
  has(name: string): boolean;
  delete(name: string): unknown;
}

function isAxiosHeaders(headers: unknown): headers is AxiosHeadersLike {
  const candidate = headers as Partial<AxiosHeadersLike> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.get === 'function' &&
    typeof candidate.set === 'function' &&
    typeof candidate.has === 'function' &&
    typeof candidate.delete === 'function'
  );
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return value.join(', ');
  }
  return undefined;
}

/**
 * `AxiosHeaders` seen as a fetch `Headers`, which core's injection knows. `AxiosHeaders` has no
 * `forEach`, so core alone would take it for a plain record and bypass its case-insensitive
 * accessors. A `false` value is axios' way to say "never send this header": it counts as present
 * (the caller's choice wins) and `set` without `rewrite` leaves it alone.
 */
function axiosHeadersAdapter(headers: AxiosHeadersLike): HeadersLike {
  return {
    get: (name) => headerText(headers.get(name)) ?? null,
    set: (name, value) => {
      headers.set(name, value);
    },
    has: (name) => {
      const value = headers.get(name);
      return value !== undefined && value !== null;
    },
    delete: (name) => {
      headers.delete(name);
    },
    forEach: (callback) => {
      for (const [name, value] of Object.entries(headers)) {
        const text = headerText(value);
        if (text !== undefined) callback(text, name);
      }
    },
  };
}

/** The headers of one axios call, ready for hoptrace's to be written into. */
interface AxiosHeadersWrite {
  /** What ours are written into. */
  readonly carrier: WritableHeaderCarrier;
  /** Finishes the write (puts the result on the config); returns what the call sends. */
  finish(): WritableHeaderCarrier;
}

/** The request ID header of a call, and the IDs hoptrace wrote in `per-call` mode. */
interface RequestIdHandling {
  readonly header: string;
  /** Set in `per-call` mode: the IDs hoptrace wrote, which a retry does not reuse. */
  readonly ownIds: OwnRequestIds | undefined;
}

/**
 * `config.headers` as `AxiosHeaders`: written in place, through {@link axiosHeadersAdapter}. A
 * request ID hoptrace wrote on an earlier attempt (a retry re-sending the config) is removed
 * first, so the attempt gets its own.
 */
function prepareAxiosHeaders(
  headers: AxiosHeadersLike,
  context: TraceContext,
  requestId: RequestIdHandling,
): AxiosHeadersWrite {
  const { header, ownIds } = requestId;
  const adapter = axiosHeadersAdapter(headers);
  let callerSet = ownIds !== undefined && adapter.has(header);
  if (callerSet && ownIds?.isOwn(context, adapter.get(header) ?? undefined)) {
    headers.delete(header);
    callerSet = false;
  }
  return {
    carrier: adapter,
    finish() {
      // Only what hoptrace wrote: a caller's own ID must keep winning on a retry.
      if (!callerSet) ownIds?.remember(context, adapter.get(header) ?? undefined);
      return adapter;
    },
  };
}

/**
 * A plain-record `config.headers` (or none): ours are written into a new record, since the
 * caller's may be shared with other calls, which replaces `config.headers` (axios turns it back
 * into `AxiosHeaders` before sending). Values that are not header text (axios' `false` = "never
 * send", `null`, nested default buckets) are kept aside and put back last, so they still win.
 */
function prepareHeaderRecord(
  config: AxiosRequestConfigLike,
  context: TraceContext,
  requestId: RequestIdHandling,
): AxiosHeadersWrite {
  const { header, ownIds } = requestId;
  const text: Record<string, string | string[] | number> = {};
  const other: Record<string, unknown> = {};
  let callerSet = false;
  const headers = config.headers;
  if (typeof headers === 'object' && headers !== null) {
    for (const [name, value] of Object.entries(headers)) {
      const valueText = headerText(value);
      if (valueText === undefined) other[name] = value;
      else if (
        ownIds !== undefined &&
        name.toLowerCase() === header &&
        ownIds.isOwn(context, valueText)
      ) {
        // A retry re-sending the config of an earlier attempt: its per-call ID is not reused.
      } else {
        if (name.toLowerCase() === header) callerSet = true;
        text[name] = value as string | string[] | number;
      }
    }
  }
  return {
    carrier: text,
    finish() {
      if (!callerSet) ownIds?.remember(context, headerText(text[header]));
      const merged = { ...text, ...other };
      config.headers = merged;
      return merged as Record<string, string>;
    },
  };
}

/**
 * The per-call request IDs this instrumentation wrote, per request context. A retry interceptor
 * (axios-retry and the like) re-sends the config of the failed attempt, so the second pass finds
 * the first attempt's ID in `config.headers`: by the caller-headers rule it would be kept, and two
 * request/response pairs would share it. Recognised as ours, it is replaced; an ID the caller
 * set is not in here and still wins. Keyed by the context so it goes when the request does.
 */
class OwnRequestIds {
  readonly #byContext = new WeakMap<TraceContext, Set<string>>();

  isOwn(context: TraceContext, value: string | undefined): boolean {
    return value !== undefined && this.#byContext.get(context)?.has(value) === true;
  }

  remember(context: TraceContext, value: string | undefined): void {
    if (value === undefined) return;
    const ids = this.#byContext.get(context);
    if (ids === undefined) this.#byContext.set(context, new Set([value]));
    else ids.add(value);
  }
}

/** The part of axios' `proxy` option its http adapter reads (it takes `hostname` over `host`). */
interface AxiosProxyLike {
  readonly protocol?: unknown;
  readonly hostname?: unknown;
  readonly host?: unknown;
  readonly port?: unknown;
}

/**
 * The URL a call goes to, for `propagateTo` (see `callTargetUrl`), from `getUri(config)` and
 * `config.proxy`. With a proxy, axios' http adapter sends a plain-http target to the proxy in
 * absolute form (both get the headers: both are judged) and tunnels an https one with CONNECT
 * (the target alone gets them). The fetch adapter ignores `proxy`; judging the proxy too then
 * errs on the side of sending nothing. A proxy from the environment (`HTTP_PROXY`) is not seen
 * here.
 */
function axiosTargetUrl(uri: string, proxy: unknown): URL | undefined {
  const target = absoluteTargetUrl(uri);
  if (target === undefined || typeof proxy !== 'object' || proxy === null) return target;
  if (target.protocol === 'https:') return target;
  const { protocol, hostname, host, port } = proxy as AxiosProxyLike;
  const name = typeof hostname === 'string' && hostname !== '' ? hostname : host;
  if (typeof name !== 'string') return undefined;
  return callTargetUrl({
    protocol: typeof protocol === 'string' && protocol !== '' ? protocol : 'http:',
    hostname: name,
    port: typeof port === 'number' || typeof port === 'string' ? port : undefined,
    path: target.href,
  });
}

/** The part of an axios response the observer reads. */
interface AxiosResponseLike {
  readonly status?: unknown;
  readonly headers?: unknown;
  readonly config?: unknown;
  /** A `ClientRequest` with the http adapter; a fetch `Request` with the fetch adapter. */
  readonly request?: unknown;
}

/** The part of an `AxiosError` the observer reads. */
interface AxiosErrorLike {
  readonly config?: { readonly signal?: unknown } | null;
  readonly response?: AxiosResponseLike | null;
  readonly request?: unknown;
}

function recordingOf(
  recordings: WeakMap<object, ClientCall>,
  config: unknown,
): ClientCall | undefined {
  return typeof config === 'object' && config !== null ? recordings.get(config) : undefined;
}

function socketOf(request: unknown): unknown {
  return typeof request === 'object' && request !== null
    ? (request as { readonly socket?: unknown }).socket
    : undefined;
}

function recordAxiosResponse(recording: ClientCall, response: AxiosResponseLike): void {
  const { status, headers } = response;
  if (typeof status !== 'number') return;
  recordResponse(recording, {
    status,
    headers,
    remote: socketEndpoint(socketOf(response.request)),
  });
}

/**
 * Throws `HoptraceOptionsError` naming `instance` unless it has what {@link instrumentAxios}
 * uses (`interceptors.request.use`/`eject`, `getUri`): `instrumentAxios(undefined)` or a config
 * object in its place would otherwise fail later with a TypeError of axios' shape, or not at all.
 */
function checkAxiosInstance(instance: unknown): void {
  // Optional chaining reads nothing off a primitive or null: `(42).interceptors` is undefined.
  const candidate = instance as Partial<AxiosInstanceLike> | null | undefined;
  const request = candidate?.interceptors?.request;
  if (
    typeof request?.use !== 'function' ||
    typeof request.eject !== 'function' ||
    typeof candidate?.getUri !== 'function'
  ) {
    throw new HoptraceOptionsError(
      'instance',
      `must be axios or an instance from axios.create() (with interceptors.request and getUri), got ${describeValue(instance)}`,
    );
  }
}

/**
 * Adds a request interceptor to an axios instance (or the default `axios` export) that writes the
 * request ID and trace headers of the current request context into each call's
 * `config.headers`, and returns a function that removes it (calling it again does nothing).
 *
 * - Outside a request context nothing is added (unless `outsideContext: 'new-trace'`).
 * - Headers the caller set win; a stale copied `traceparent`/`b3` is replaced, never duplicated
 *   (see core's `injectHeaders`).
 * - With `propagateTo`, the host comes from `instance.getUri(config)` (baseURL + url + params);
 *   with a `proxy` and a plain-http URL, the proxy must be allowed too;
 *   a relative URL (no baseURL) gets nothing.
 * - Works with axios' `http` and `fetch` adapters. The interceptor is `synchronous`, so it runs
 *   inside the caller's `instance.get()` and reads the caller's context. axios builds
 *   `config.headers` afresh for each request, so `instance.defaults.headers` is never written.
 * - A failing call (503, ECONNREFUSED) rejects with axios' own error, unchanged.
 * - Beside OpenTelemetry's http and undici instrumentations, with `bridgeOpenTelemetry()`: the
 *   call leaves with one trace identity, the client span OTel opened for it, and hoptrace's
 *   request ID, with either adapter (see `ensureTracerHooks`).
 * - With `observe`, a response interceptor also records each call that got the headers, after
 *   axios settled it (the body read, so `durationMs` includes it); `remote` comes from the http
 *   adapter's socket.
 * - With `outboundRequestId: 'per-call'`, each call gets a fresh request ID, retries too: a retry
 *   interceptor (axios-retry style) re-sends the failed attempt's config, and the request ID
 *   hoptrace wrote there is recognised and replaced, while an ID the caller set still wins.
 *
 * Bad options throw `HoptraceOptionsError` here, not per call. Headers follow B3
 * (openzipkin/b3-propagation), W3C Trace Context and W3C Baggage.
 *
 * @param instance - `axios`, or an instance from `axios.create()` (axios 1.7+).
 * @param options - see {@link OutboundOptions}; defaults: every host, `mode: 'forward'`,
 *   `outsideContext: 'skip'`, `callerHeaders: 'keep'`.
 * @returns `eject()`: stops adding headers to this instance's calls.
 *
 * @example
 * ```ts
 * import axios from 'axios';
 * const client = axios.create({ baseURL: 'http://orders.internal' });
 * const eject = instrumentAxios(client, { mode: 'child', propagateTo: ['*.internal'] });
 * // inside a request handler: carries x-request-id, b3, traceparent…
 * await client.get('/orders/42');
 * eject();
 * ```
 */
export function instrumentAxios(
  instance: AxiosInstanceLike,
  options: OutboundOptions = {},
): () => void {
  checkAxiosInstance(instance);
  // Beside a bridged tracer, its http or undici instrumentation writes its own identity over or
  // after ours (which adapter a call takes is axios' choice: both are handled).
  const client = createOutboundClient(options, { besideTracer: 'undici-and-http' });
  // Used by the calls whose options (the server's or this client's) say `per-call`.
  const perCallIds = new OwnRequestIds();

  const targetUrl = (config: AxiosRequestConfigLike): URL | undefined => {
    try {
      return axiosTargetUrl(instance.getUri(config), config.proxy);
    } catch {
      // A URL axios cannot build is axios' error to report, on the call itself.
      return undefined;
    }
  };

  // The recording each config started, for the response interceptor: axios hands the config it
  // sent on as `response.config` and `error.config`. Also without `observe`: any request may be a
  // diagnostic one.
  const recordings = new WeakMap<object, ClientCall>();

  const interceptor = <Config extends AxiosRequestConfigLike>(config: Config): Config => {
    let write: AxiosHeadersWrite | undefined;
    const started = client.start({
      target: () => targetUrl(config),
      method: () => (typeof config.method === 'string' ? config.method : 'GET'),
      headers: (context, engine) => {
        const { options: callOptions } = engine.hoptrace;
        const requestId: RequestIdHandling = {
          header: callOptions.requestIdHeader,
          ownIds: callOptions.outboundRequestId === 'per-call' ? perCallIds : undefined,
        };
        const headers = config.headers;
        write = isAxiosHeaders(headers)
          ? prepareAxiosHeaders(headers, context, requestId)
          : prepareHeaderRecord(config, context, requestId);
        return write.carrier;
      },
      sent: (headers) => write?.finish() ?? headers,
    });
    if (started?.recording !== undefined) recordings.set(config, started.recording);
    return config;
  };

  let id: number | undefined = instance.interceptors.request.use(interceptor, null, {
    synchronous: true,
  });
  const responses = instance.interceptors.response;
  let responseId: number | undefined;
  if (responses !== undefined) {
    responseId = responses.use(
      <Response>(response: Response): Response => {
        const seen = response as AxiosResponseLike | undefined;
        const call = recordingOf(recordings, seen?.config);
        if (call !== undefined && seen !== undefined) recordAxiosResponse(call, seen);
        return response;
      },
      (thrown: unknown): Promise<never> => {
        const error = (thrown ?? {}) as AxiosErrorLike;
        const call = recordingOf(recordings, error?.config);
        if (call !== undefined) {
          if (error.response !== undefined && error.response !== null) {
            recordAxiosResponse(call, error.response);
          } else {
            const signal = error.config?.signal as { aborted?: unknown; reason?: unknown } | null;
            const reason = signal?.aborted === true ? signal.reason : undefined;
            recordFailure(call, { error, remote: socketEndpoint(socketOf(error.request)), reason });
          }
        }
        return Promise.reject(thrown);
      },
    );
  }
  return () => {
    if (id === undefined) return;
    instance.interceptors.request.eject(id);
    if (responseId !== undefined) responses?.eject(responseId);
    id = undefined;
    responseId = undefined;
  };
}
