import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { TraceContext } from '@hoptrace/core';
import { parseB3Single, parseTraceparent, TRACE_IDENTITY_HEADERS } from '@hoptrace/core';
import {
  type ClientCall,
  recordFailure,
  recordResponse,
  socketEndpoint,
  startClientCall,
} from './client-observation.js';
import { clientRequestUrl, hookClientRequests } from './node-http-hook.js';
import { createOutbound, type Outbound, type OutboundOptions } from './outbound.js';

/** Published by every undici (Node's bundled copy and npm 6–8) as each request is built. */
const UNDICI_REQUEST_CREATE_CHANNEL = 'undici:request:create';

/**
 * Where the hooks live: on `globalThis` under a registered symbol, so two copies of this package
 * in one process (its ESM and CJS builds, or two versions) share one set of hooks and never add
 * the headers twice. Bump the version if {@link OutboundHookRegistry}'s shape ever changes.
 */
const REGISTRY_KEY = Symbol.for('hoptrace.outbound-hooks.v1');

/** One `instrumentOutbound()` call: what each hooked request is handed to. */
interface OutboundInstallation {
  /** `message.request` of `undici:request:create`. */
  injectUndici(request: unknown): void;
  /** A `node:http` `ClientRequest` being constructed. */
  injectClientRequest(request: unknown): void;
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
  const unhookClientRequests = hookClientRequests((request) => {
    for (const installation of registry.installations) {
      try {
        installation.injectClientRequest(request);
      } catch {
        // A hook must never break the caller's request.
      }
    }
  });
  return () => {
    unsubscribe(UNDICI_REQUEST_CREATE_CHANNEL, onUndiciRequest);
    unhookClientRequests();
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

function undiciUrl(request: UndiciRequestLike): URL | undefined {
  const { origin, path } = request;
  try {
    if (typeof origin !== 'string' && !(origin instanceof URL)) return undefined;
    const base = new URL(origin);
    return typeof path === 'string' && path.startsWith('/') ? new URL(path, base) : base;
  } catch {
    return undefined;
  }
}

/**
 * Adds the headers to an undici request; returns the context written and the headers as sent
 * (for the observer), or `undefined` when nothing was written.
 */
function injectUndici(
  outbound: Outbound,
  candidate: unknown,
): { context: TraceContext; sent: string[] } | undefined {
  if (typeof candidate !== 'object' || candidate === null) return undefined;
  const request = candidate as UndiciRequestLike;
  const { headers } = request;
  if (!Array.isArray(headers) && typeof headers !== 'string') return undefined;
  const context = outbound.contextFor(() => undiciUrl(request));
  if (context === undefined) return undefined;
  if (Array.isArray(headers)) {
    // The array undici sends from: written in place, replacing rather than appending.
    settleAppendedHeaders(headers, outbound.hoptrace.options.requestIdHeader);
    outbound.inject(context, headers as string[]);
    return { context, sent: headers as string[] };
  }
  if (typeof request.addHeader !== 'function') return undefined;
  // An old undici keeps headers as one string and can only append: add the names it lacks.
  const existing = parseHeaderString(headers);
  const present = new Set<string>();
  for (let index = 0; index < existing.length; index += 2) {
    present.add((existing[index] as string).toLowerCase());
  }
  const merged = outbound.inject(context, [...existing]);
  for (let index = 0; index + 1 < merged.length; index += 2) {
    const name = merged[index] as string;
    if (!present.has(name.toLowerCase())) request.addHeader(name, merged[index + 1] as string);
  }
  return { context, sent: merged };
}

/** A trace identity as a comparable key: 32-hex trace ID (64-bit B3 zero-padded), span ID. */
type SpanKey = string;

function spanKey(traceId: string, spanId: string): SpanKey {
  return `${traceId.toLowerCase().padStart(32, '0')}-${spanId.toLowerCase()}`;
}

/** One header of the list, with where it is. */
interface Entry {
  readonly index: number;
  readonly name: string;
  readonly value: string;
}

/**
 * The entries of the last block one writer appended: walking back from the end, until a name
 * repeats. What an earlier writer put before it (the caller, `wrapFetch`) is not in it.
 */
function lastBlock(entries: readonly Entry[]): Entry[] {
  const block: Entry[] = [];
  const names = new Set<string>();
  for (let position = entries.length - 1; position >= 0; position--) {
    const entry = entries[position] as Entry;
    if (names.has(entry.name)) break;
    names.add(entry.name);
    block.unshift(entry);
  }
  return block;
}

function blockValue(block: readonly Entry[], name: string): string | undefined {
  return block.find((entry) => entry.name === name)?.value;
}

/** The span each format's last block names, with the index that block ends at. */
function formatSpans(byFormat: {
  readonly w3c: readonly Entry[];
  readonly b3: readonly Entry[];
  readonly multi: readonly Entry[];
}): { key: SpanKey | undefined; keep: readonly Entry[]; end: number }[] {
  const spans: { key: SpanKey | undefined; keep: readonly Entry[]; end: number }[] = [];
  // A tracestate belongs to the traceparent before it: one left of an earlier writer is not ours.
  const w3c = lastBlock(byFormat.w3c);
  while (w3c[0] !== undefined && w3c[0].name !== 'traceparent') w3c.shift();
  const traceparent = blockValue(w3c, 'traceparent');
  if (traceparent !== undefined) {
    const parsed = parseTraceparent(traceparent);
    spans.push({
      key: parsed === undefined ? undefined : spanKey(parsed.traceId, parsed.parentId),
      keep: w3c,
      end: w3c[w3c.length - 1]?.index ?? -1,
    });
  }
  const single = byFormat.b3[byFormat.b3.length - 1];
  if (single !== undefined) {
    const parsed = parseB3Single(single.value);
    spans.push({
      key: parsed?.traceId === undefined ? undefined : spanKey(parsed.traceId, parsed.spanId),
      keep: [single],
      end: single.index,
    });
  }
  const multi = lastBlock(byFormat.multi);
  const traceId = blockValue(multi, 'x-b3-traceid');
  const spanId = blockValue(multi, 'x-b3-spanid');
  if (multi.length > 0) {
    spans.push({
      key: traceId === undefined || spanId === undefined ? undefined : spanKey(traceId, spanId),
      keep: multi,
      end: multi[multi.length - 1]?.index ?? -1,
    });
  }
  return spans;
}

/**
 * Another `undici:request:create` subscriber that ran before this one can have appended
 * propagation headers the request already had. OpenTelemetry's undici instrumentation does: it
 * `addHeader`s its client span's identity without looking (open-telemetry/opentelemetry-js-contrib
 * #3711), so a call through `wrapFetch` or `hoptraceInterceptor` leaves with two `traceparent`
 * (or two `b3`, `x-b3-*`, `baggage`) lines, or with a `b3` naming another span than `traceparent`.
 *
 * When the list repeats one of these headers, or its formats name different spans, the identity
 * appended last wins: it is the client span that subscriber opened for this very call, the one
 * the next hop must name as its parent. Each format's earlier lines, and every format that
 * names another span, are removed; `baggage`, `x-ot-span-context` and the request ID header keep
 * their last line. A list with one consistent identity is left as is.
 */
function settleAppendedHeaders(headers: unknown[], requestIdHeader: string): void {
  const byFormat: { w3c: Entry[]; b3: Entry[]; multi: Entry[] } = { w3c: [], b3: [], multi: [] };
  const others: Entry[] = [];
  let repeated = false;
  const seen = new Set<string>();
  for (let index = 0; index + 1 < headers.length; index += 2) {
    const raw = headers[index];
    const value = headers[index + 1];
    if (typeof raw !== 'string' || typeof value !== 'string') continue;
    const name = raw.toLowerCase();
    let list: Entry[] | undefined;
    if (name === 'traceparent' || name === 'tracestate') list = byFormat.w3c;
    else if (name === 'b3') list = byFormat.b3;
    else if (name.startsWith('x-b3-') && TRACE_IDENTITY.has(name)) list = byFormat.multi;
    else if (name === requestIdHeader || name === 'baggage' || name === 'x-ot-span-context')
      list = others;
    if (list === undefined) continue;
    if (seen.has(name)) repeated = true;
    seen.add(name);
    list.push({ index, name, value });
  }
  const spans = formatSpans(byFormat);
  const keys = new Set<SpanKey>();
  for (const span of spans) if (span.key !== undefined) keys.add(span.key);
  if (!repeated && keys.size <= 1) return;

  // The winner is the format naming a span whose last block ends last: the latest writer's.
  let winner: SpanKey | undefined;
  let latest = -1;
  for (const span of spans) {
    if (span.key !== undefined && span.end > latest) {
      latest = span.end;
      winner = span.key;
    }
  }
  const drop = new Set<number>();
  if (winner !== undefined) {
    const kept = new Set<number>();
    for (const span of spans) {
      if (span.key !== winner) continue;
      for (const entry of span.keep) kept.add(entry.index);
    }
    for (const entry of [...byFormat.w3c, ...byFormat.b3, ...byFormat.multi]) {
      if (!kept.has(entry.index)) drop.add(entry.index);
    }
  }
  const last = new Map<string, number>();
  for (const entry of others) last.set(entry.name, entry.index);
  for (const entry of others) if (last.get(entry.name) !== entry.index) drop.add(entry.index);
  if (drop.size === 0) return;

  let write = 0;
  for (let index = 0; index < headers.length; index += 2) {
    if (drop.has(index)) continue;
    headers[write] = headers[index];
    headers[write + 1] = headers[index + 1];
    write += 2;
  }
  headers.length = write;
}

const TRACE_IDENTITY = new Set(TRACE_IDENTITY_HEADERS);

function parseHeaderString(headers: string): string[] {
  const raw: string[] = [];
  for (const line of headers.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) raw.push(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return raw;
}

/** Adds the headers to a `ClientRequest`; returns the context written, if any. */
function injectClientRequest(outbound: Outbound, request: ClientRequest): TraceContext | undefined {
  // Headers passed as an array, or `Expect: 100-continue`, are already serialized: too late.
  if (request.headersSent) return undefined;
  const context = outbound.contextFor(() => clientRequestUrl(request));
  if (context !== undefined) outbound.inject(context, request);
  return context;
}

/** Published by undici when a request's response headers arrived, and when it failed. */
const UNDICI_HEADERS_CHANNEL = 'undici:request:headers';
const UNDICI_ERROR_CHANNEL = 'undici:request:error';
/** Published by `node:http` when a response's headers arrived, and when a request failed. */
const HTTP_RESPONSE_CHANNEL = 'http.client.response.finish';
const HTTP_ERROR_CHANNEL = 'http.client.request.error';

/**
 * One installation's observer: records every request it wrote headers into, when undici or
 * `node:http` publish its response or its error. Requests are matched by identity, so a request
 * another installation or nobody hooked is never recorded here.
 */
function observeCalls(
  outbound: Outbound,
): Pick<OutboundInstallation, 'injectUndici' | 'injectClientRequest'> & { stop(): void } {
  const pending = new WeakMap<object, ClientCall>();
  const take = (message: unknown): [ClientCall, Record<string, unknown>] | undefined => {
    if (typeof message !== 'object' || message === null) return undefined;
    const fields = message as Record<string, unknown>;
    const request = fields.request;
    if (typeof request !== 'object' || request === null) return undefined;
    const call = pending.get(request);
    if (call === undefined) return undefined;
    pending.delete(request);
    return [call, fields];
  };
  const onUndiciHeaders = (message: unknown): void => {
    const found = take(message);
    if (found === undefined) return;
    const response = found[1].response as { statusCode?: unknown; headers?: unknown } | undefined;
    const status = response?.statusCode;
    if (typeof status === 'number') recordResponse(found[0], status, response?.headers, null);
  };
  const onUndiciError = (message: unknown): void => {
    const found = take(message);
    if (found !== undefined) recordFailure(found[0], found[1].error, null);
  };
  const onHttpResponse = (message: unknown): void => {
    const found = take(message);
    if (found === undefined) return;
    const response = found[1].response as { statusCode?: unknown; headers?: unknown } | undefined;
    const status = response?.statusCode;
    const request = found[1].request as { socket?: unknown };
    if (typeof status !== 'number') return;
    recordResponse(found[0], status, response?.headers, socketEndpoint(request.socket));
  };
  const onHttpError = (message: unknown): void => {
    const found = take(message);
    if (found === undefined) return;
    const request = found[1].request as { socket?: unknown };
    recordFailure(found[0], found[1].error, socketEndpoint(request.socket));
  };
  // Subscribed on the first recorded call: without `observe`, only a diagnostic request records,
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
  if (outbound.hoptrace.options.observe !== undefined) listen();
  return {
    injectUndici(candidate) {
      const written = injectUndici(outbound, candidate);
      if (written === undefined) return;
      const request = candidate as UndiciRequestLike & object;
      const method = typeof request.method === 'string' ? request.method : 'GET';
      const call = startClientCall(
        outbound,
        written.context,
        written.sent,
        undiciUrl(request),
        method,
        'hook',
      );
      if (call === undefined) return;
      listen();
      pending.set(request, call);
    },
    injectClientRequest(candidate) {
      const request = candidate as ClientRequest;
      const context = injectClientRequest(outbound, request);
      if (context === undefined) return;
      const url = clientRequestUrl(request);
      const call = startClientCall(outbound, context, request, url, request.method, 'hook');
      if (call === undefined) return;
      listen();
      pending.set(request, call);
      // node:http reports a timeout as an event; the error that follows is the caller's destroy.
      request.once('timeout', () => {
        call.timedOut = true;
      });
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
 * hence the clients built on them (got, node-fetch, superagent, axios's http adapter).
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
 * Beside OpenTelemetry: install it after the OTel SDK has registered its undici instrumentation.
 * Subscribers run in subscription order, so this hook then sees the client span identity OTel
 * appended and leaves only that one (see `settleAppendedHeaders`); installed before, it cannot
 * undo what OTel appends after it.
 *
 * With `observe`, each call that got the headers is recorded when undici publishes
 * `undici:request:headers`/`undici:request:error` or `node:http` publishes
 * `http.client.response.finish`/`http.client.request.error` (Node 20 and 24 both do).
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
  const outbound = createOutbound(options);
  // Every installation records: any request may be a diagnostic one (see `observeCalls`).
  const observer = observeCalls(outbound);
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
