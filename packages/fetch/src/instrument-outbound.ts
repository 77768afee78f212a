import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http2';
import { activeSpan, currentActiveSpanSource } from '@hoptrace/core/adapter';
import { dispatchTargetUrl } from './call-target.js';
import {
  type ClientCall,
  recordFailure,
  recordResponse,
  socketEndpoint,
} from './client-observation.js';
import { hookHttp2Sessions } from './http2-session-hook.js';
import { clientRequestUrl, type DialOptions, hookClientRequests } from './node-http-hook.js';
import {
  keepActiveSpanIdentity,
  keepLastIdentity,
  keepLastIdentityOnUndiciRequest,
} from './one-identity.js';
import type { OutboundCallEngine, OutboundOptions } from './outbound.js';
import {
  type CallDescription,
  createOutboundClient,
  type OutboundClient,
} from './outbound-call.js';

/** Published by every undici (Node's bundled copy and npm 6–8) as each request is built. */
const UNDICI_REQUEST_CREATE_CHANNEL = 'undici:request:create';

/**
 * Where the hooks live: on `globalThis` under a registered symbol, so two copies of this package
 * in one process (its ESM and CJS builds, or two versions) share one set of hooks and never add
 * the headers twice. Bump the version if {@link OutboundHookRegistry}'s fields ever change.
 */
const REGISTRY_KEY = Symbol.for('hoptrace.outbound-hooks.v1');

/** One `instrumentOutbound()` call: what each hooked request is handed to. */
interface OutboundInstallation {
  /** `message.request` of `undici:request:create`. */
  injectUndici(request: unknown): void;
  /**
   * A `node:http` `ClientRequest` being constructed, with the options it hands its agent when the
   * hook sees them (Node < 22.12). Optional: a hook from an older copy of this package passes none.
   */
  injectClientRequest(request: unknown, options?: DialOptions): void;
  /**
   * One `ClientHttp2Session#request` of a session `http2.connect` made to `origin`; returns the
   * headers to send and the recording the pipeline started (`undefined` when nothing wants one,
   * or with `record: false`), which the session hook settles from the stream's events: the
   * ClientCall is plain data, so the hook of another copy of this package settles it alike.
   * Optional: an installation from an older copy of this package has none.
   */
  injectHttp2?(origin: string, headers: OutgoingHttpHeaders, record: boolean): Http2Started;
}

/** What one installation did with an HTTP/2 stream's headers. */
interface Http2Started {
  /** The headers to send: those given when the stream gets nothing. */
  readonly headers: OutgoingHttpHeaders;
  readonly recording: ClientCall | undefined;
}

/** The process-wide state shared by every copy of this package. */
interface OutboundHookRegistry {
  /** Active installations, in installation order: the first one's headers win. */
  readonly installations: Set<OutboundInstallation>;
  /** Removes the hooks; set while at least one installation is active. */
  unhook: (() => void) | undefined;
}

function hookRegistry(): OutboundHookRegistry {
  const global = globalThis as { [REGISTRY_KEY]?: OutboundHookRegistry };
  let registry = global[REGISTRY_KEY];
  if (registry === undefined) {
    registry = { installations: new Set(), unhook: undefined };
    Object.defineProperty(global, REGISTRY_KEY, { value: registry, configurable: true });
  }
  return registry;
}

function hook(registry: OutboundHookRegistry): () => void {
  // Each hook reads the registry at event time, so whichever copy of the package installed the
  // hooks serves the installations of every copy.
  const onUndiciRequest = (message: unknown): void => {
    if (typeof message !== 'object' || message === null) return;
    const { request } = message as { readonly request?: unknown };
    for (const installation of registry.installations) {
      try {
        installation.injectUndici(request);
      } catch {
        // A hook must never break the caller's request.
      }
    }
  };
  subscribe(UNDICI_REQUEST_CREATE_CHANNEL, onUndiciRequest);
  const unhookClientRequests = hookClientRequests((request, options) => {
    for (const installation of registry.installations) {
      try {
        installation.injectClientRequest(request, options);
      } catch {
        // A hook must never break the caller's request.
      }
    }
  });
  const unhookHttp2 = hookHttp2Sessions((origin, headers, record) => {
    let sent = headers;
    const calls: ClientCall[] = [];
    for (const installation of registry.installations) {
      try {
        const started = installation.injectHttp2?.(origin, sent, record);
        if (started === undefined) continue;
        sent = started.headers;
        if (started.recording !== undefined) calls.push(started.recording);
      } catch {
        // A hook must never break the caller's request.
      }
    }
    return { headers: sent, calls };
  });
  return () => {
    unsubscribe(UNDICI_REQUEST_CREATE_CHANNEL, onUndiciRequest);
    unhookClientRequests();
    unhookHttp2();
  };
}

/** The part of undici's internal `Request` (6.x–8.x) the hook reads and writes. */
interface UndiciRequestLike {
  readonly origin?: unknown;
  readonly method?: unknown;
  readonly path?: unknown;
  /** A flat `[name, value, …]` array (undici ≥ 6.x); a `name: value\r\n` string in older ones. */
  readonly headers?: unknown;
  addHeader?(name: string, value: string): unknown;
}

/**
 * The URL of an undici request, for `propagateTo`: the origin its client connects to (a
 * `ProxyAgent`'s proxy, when it forwards without a tunnel) and its path, which never changes the
 * host; an absolute-form path is the target behind that proxy (see `callTargetUrl`).
 */
function undiciUrl(request: UndiciRequestLike): URL | undefined {
  return dispatchTargetUrl(request.origin, request.path);
}

/**
 * Describes an undici request to the pipeline: its headers array is written in place (undici
 * sends from it, and replacing beats appending), or, for an old undici that keeps them as one
 * string and can only append, a parsed copy is written and the names it lacked are appended.
 * `undefined` for a request this cannot write into.
 */
function describeUndiciRequest(request: UndiciRequestLike): CallDescription<string[]> | undefined {
  const { headers } = request;
  const target = (): URL | undefined => undiciUrl(request);
  const method = (): string => (typeof request.method === 'string' ? request.method : 'GET');
  if (Array.isArray(headers)) {
    return {
      target,
      method,
      headers: (_context, engine) => {
        keepOneUndiciIdentity(engine, request, headers);
        return headers as string[];
      },
    };
  }
  if (typeof headers !== 'string' || typeof request.addHeader !== 'function') return undefined;
  const present = new Set<string>();
  return {
    target,
    method,
    headers: (_context, engine) => {
      keepOneUndiciIdentity(engine, request, headers);
      const existing = parseHeaderString(headers);
      for (let index = 0; index < existing.length; index += 2) {
        present.add((existing[index] as string).toLowerCase());
      }
      return existing;
    },
    sent: (merged) => {
      for (let index = 0; index + 1 < merged.length; index += 2) {
        const name = merged[index] as string;
        // Read at write time: with a tracer bridged, `keepLastIdentityOnUndiciRequest` wraps it.
        if (!present.has(name.toLowerCase()))
          request.addHeader?.(name, merged[index + 1] as string);
      }
      return merged;
    },
  };
}

/**
 * A tracer's undici subscriber that ran before this one may have appended its identity over the
 * caller's (or wrapFetch's): one is left, the tracer's. With a tracer bridged, one that runs after
 * this hook is caught too, through the request's addHeader.
 */
function keepOneUndiciIdentity(
  engine: OutboundCallEngine,
  request: UndiciRequestLike,
  headers: unknown,
): void {
  const { singleValued } = engine;
  if (currentActiveSpanSource() !== undefined)
    keepLastIdentityOnUndiciRequest(request, singleValued);
  else if (Array.isArray(headers)) keepLastIdentity(headers, singleValued);
}

function parseHeaderString(headers: string): string[] {
  const raw: string[] = [];
  for (const line of headers.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) raw.push(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return raw;
}

/** Describes a `node:http` `ClientRequest` to the pipeline: written in place. */
function describeClientRequest(
  request: ClientRequest,
  options: DialOptions | undefined,
): CallDescription<ClientRequest> {
  return {
    target: () => clientRequestUrl(request, options),
    method: () => request.method,
    headers: () => {
      // A tracer's http instrumentation builds the request inside its client span, after writing
      // that span's headers over some of those an earlier client (axios) gave it: the formats
      // that name another span go, and ours then completes the tracer's identity.
      const span = currentActiveSpanSource() === undefined ? undefined : activeSpan();
      if (span !== undefined) keepActiveSpanIdentity(request, span);
      return request;
    },
  };
}

/** Published by undici when a request's response headers arrived, and when it failed. */
const UNDICI_HEADERS_CHANNEL = 'undici:request:headers';
const UNDICI_ERROR_CHANNEL = 'undici:request:error';
/** Published by `node:http` when a response's headers arrived, and when a request failed. */
const HTTP_RESPONSE_CHANNEL = 'http.client.response.finish';
const HTTP_ERROR_CHANNEL = 'http.client.request.error';

/** The URL an HTTP/2 request connects to, for `propagateTo`; `undefined` if it cannot be told. */
function http2Target(origin: string, path: string): URL | undefined {
  try {
    const url = new URL(origin);
    url.pathname = path.split('?')[0] ?? '/';
    return url;
  } catch {
    return undefined;
  }
}

/**
 * One installation's observer: records every request it wrote headers into, when undici or
 * `node:http` publish its response or its error. Requests are matched by identity, so a request
 * another installation or nobody hooked is never recorded here.
 */
function observeCalls(client: OutboundClient): Required<OutboundInstallation> & { stop(): void } {
  const pending = new WeakMap<object, ClientCall>();
  const take = (message: unknown): [ClientCall, Record<string, unknown>] | undefined => {
    if (typeof message !== 'object' || message === null) return undefined;
    const fields = message as Record<string, unknown>;
    const request = fields.request;
    if (typeof request !== 'object' || request === null) return undefined;
    const recording = pending.get(request);
    if (recording === undefined) return undefined;
    pending.delete(request);
    return [recording, fields];
  };
  const onUndiciHeaders = (message: unknown): void => {
    const found = take(message);
    if (found === undefined) return;
    const response = found[1].response as { statusCode?: unknown; headers?: unknown } | undefined;
    const status = response?.statusCode;
    if (typeof status === 'number')
      recordResponse(found[0], { status, headers: response?.headers });
  };
  const onUndiciError = (message: unknown): void => {
    const found = take(message);
    if (found !== undefined) recordFailure(found[0], { error: found[1].error });
  };
  const onHttpResponse = (message: unknown): void => {
    const found = take(message);
    if (found === undefined) return;
    const response = found[1].response as { statusCode?: unknown; headers?: unknown } | undefined;
    const status = response?.statusCode;
    const request = found[1].request as { socket?: unknown };
    if (typeof status !== 'number') return;
    const remote = socketEndpoint(request.socket);
    recordResponse(found[0], { status, headers: response?.headers, remote });
  };
  const onHttpError = (message: unknown): void => {
    const found = take(message);
    if (found === undefined) return;
    const request = found[1].request as { socket?: unknown };
    recordFailure(found[0], { error: found[1].error, remote: socketEndpoint(request.socket) });
  };
  // Subscribed on the first recorded call: without `observe` (this client's, or that of the server
  // adapter whose request makes the call), only a diagnostic request records,
  // and a service that never gets one never pays for the four subscribers.
  let listening = false;
  const listen = (): void => {
    if (listening) return;
    listening = true;
    subscribe(UNDICI_HEADERS_CHANNEL, onUndiciHeaders);
    subscribe(UNDICI_ERROR_CHANNEL, onUndiciError);
    subscribe(HTTP_RESPONSE_CHANNEL, onHttpResponse);
    subscribe(HTTP_ERROR_CHANNEL, onHttpError);
  };
  /** Waits for the response or error of `request`, which undici or node:http will publish. */
  const track = (request: object, recording: ClientCall): void => {
    listen();
    pending.set(request, recording);
  };
  if (client.outbound.hoptrace.options.observe !== undefined) listen();
  return {
    injectUndici(candidate) {
      if (typeof candidate !== 'object' || candidate === null) return;
      const request = candidate as UndiciRequestLike & object;
      const description = describeUndiciRequest(request);
      if (description === undefined) return;
      const recording = client.start(description)?.recording;
      if (recording !== undefined) track(request, recording);
    },
    injectClientRequest(candidate, options) {
      const request = candidate as ClientRequest;
      // Headers passed as an array, or `Expect: 100-continue`, are already serialized: too late.
      if (request.headersSent) return;
      const recording = client.start(describeClientRequest(request, options))?.recording;
      if (recording === undefined) return;
      track(request, recording);
      // node:http reports a timeout as an event; the error that follows is the caller's destroy.
      request.once('timeout', () => {
        recording.timedOut = true;
      });
    },
    injectHttp2(origin, headers, record) {
      // The recording goes back to the session hook, which holds the stream: an HTTP/2 stream
      // publishes nothing on a diagnostics channel that `track` could wait for.
      const path = typeof headers[':path'] === 'string' ? headers[':path'] : '/';
      const started = client.start({
        target: () => http2Target(origin, path),
        method: () => String(headers[':method'] ?? 'GET'),
        headers: () => ({ ...headers }) as Record<string, string>,
        record,
      });
      return { headers: started?.headers ?? headers, recording: started?.recording };
    },
    stop() {
      if (!listening) return;
      listening = false;
      unsubscribe(UNDICI_HEADERS_CHANNEL, onUndiciHeaders);
      unsubscribe(UNDICI_ERROR_CHANNEL, onUndiciError);
      unsubscribe(HTTP_RESPONSE_CHANNEL, onHttpResponse);
      unsubscribe(HTTP_ERROR_CHANNEL, onHttpError);
    },
  };
}

/**
 * Zero-code mode: from now on, every outbound HTTP call made inside a request context carries
 * that request's ID and trace headers, with no wrapping. Covers Node's global `fetch`, npm
 * undici (`request`, `fetch`, `stream`… on any dispatcher) and `node:http`/`node:https` requests,
 * hence the clients built on them (got, node-fetch, superagent, axios's http adapter), and the
 * streams of `node:http2` sessions made by `http2.connect()` after this call (see
 * `hookHttp2Sessions`: `http2.connect` is wrapped, since no diagnostics channel reaches a
 * stream's headers in time).
 *
 * How: one subscriber to the `undici:request:create` diagnostics channel; for `node:http(s)`,
 * the `http.client.request.created` channel on Node ≥ 22.12, or on older Node (20.x,
 * 22.0–22.11) a wrapper around `http.Agent.prototype.addRequest`. Both run synchronously while
 * the request is built, in the caller's async context. Limits on Node < 22.12: a request with
 * `createConnection` and no agent, or through an agent whose `addRequest` does not call
 * `http.Agent`'s, gets nothing. On every Node, a `ClientRequest` whose headers were given as an
 * array or with `Expect: 100-continue` is already serialized and gets nothing.
 *
 * Headers the caller set win (see `callerHeaders`), nothing is appended twice, and a hook never
 * throws into the call: a failing request reaches the caller unchanged.
 *
 * Beside OpenTelemetry, with `bridgeOpenTelemetry()`: each call carries one trace identity, the
 * client span OTel's undici or http instrumentation opened for it, plus the request ID, whether
 * this is installed before or after the OTel SDK. OTel appends its headers without looking;
 * this hook removes every other copy, also when OTel's subscriber runs after it (see
 * `keepLastIdentityOnUndiciRequest`, `keepActiveSpanIdentity`). Without the bridge, an OTel undici subscriber
 * that runs before this one is handled the same way, one that runs after it is not.
 *
 * With `observe`, each call that got the headers is recorded when undici publishes
 * `undici:request:headers`/`undici:request:error` or `node:http` publishes
 * `http.client.response.finish`/`http.client.request.error` (Node 20 and 24 both do), and each
 * HTTP/2 stream when its `'response'` headers arrive or it closes without them (status from
 * `:status`, `httpVersion: '2.0'`, `reusedSocket` per session). gRPC streams
 * (`content-type: application/grpc…`) get the headers but are left to `@hoptrace/grpc` to record.
 *
 * Installing more than once is safe: all installations (also from another copy of this package,
 * such as its CJS and ESM builds loaded together) share one set of hooks, each request is handed
 * to each installation in order, and since injection is idempotent the first one's headers win
 * and nothing is doubled. The hooks go away when the last installation is removed.
 *
 * Follows W3C Trace Context, B3 propagation and Node's `diagnostics_channel` built-in channels.
 *
 * @param options - see {@link OutboundOptions}; default `{}`: forward mode, every host, nothing
 *   added outside a request context. Bad options throw `HoptraceOptionsError`.
 * @returns `uninstall()`: stops this installation; calling it again does nothing.
 *
 * @example
 * ```ts
 * import { instrumentOutbound } from '@hoptrace/fetch';
 *
 * const uninstall = instrumentOutbound({ propagateTo: ['*.svc.cluster.local'] });
 * // inside a request handler: `await fetch('http://users.svc.cluster.local/me')` carries the headers
 * process.on('SIGTERM', uninstall);
 * ```
 */
export function instrumentOutbound(options: OutboundOptions = {}): () => void {
  const client = createOutboundClient(options, { source: 'hook' });
  // Every installation records: any request may be a diagnostic one (see `observeCalls`).
  const observer = observeCalls(client);
  const installation: OutboundInstallation = observer;
  const registry = hookRegistry();
  registry.installations.add(installation);
  if (registry.unhook === undefined) registry.unhook = hook(registry);
  let installed = true;
  return () => {
    if (!installed) return;
    installed = false;
    observer.stop();
    registry.installations.delete(installation);
    if (registry.installations.size > 0) return;
    const unhook = registry.unhook;
    registry.unhook = undefined;
    unhook?.();
  };
}
