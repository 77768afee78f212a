import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { activeSpan, currentActiveSpanSource } from '@hoptrace/core/adapter';
import { hookClientRequests } from './node-http-hook.js';
import { keepActiveSpanIdentity, keepLastIdentityOnUndiciRequest } from './one-identity.js';

/** Published by every undici (Node's bundled copy and npm 6–8) as each request is built. */
const UNDICI_REQUEST_CREATE_CHANNEL = 'undici:request:create';

/**
 * Where the hooks live: on `globalThis` under a registered symbol, so every copy of this package
 * (its ESM and CJS builds, two versions) shares one set. Bump the version if
 * {@link TracerHookRegistry}'s fields ever change.
 */
// The symbol keeps its old name so that a copy of an earlier release shares the same hooks.
const REGISTRY_KEY = Symbol.for('hoptrace.tracer-settle-hooks.v1');

/** The process-wide state of the tracer hooks. */
interface TracerHookRegistry {
  /** Lower-case names hoptrace's clients send once besides the identity (request ID…). */
  readonly singleValued: Set<string>;
  /** Set while the `undici:request:create` hook is subscribed. */
  unhookUndici: (() => void) | undefined;
  /** Set while the `node:http` hook is installed. */
  unhookHttp: (() => void) | undefined;
}

function hookRegistry(): TracerHookRegistry {
  const global = globalThis as { [REGISTRY_KEY]?: TracerHookRegistry };
  let registry = global[REGISTRY_KEY];
  if (registry === undefined) {
    registry = { singleValued: new Set(), unhookUndici: undefined, unhookHttp: undefined };
    Object.defineProperty(global, REGISTRY_KEY, { value: registry, configurable: true });
  }
  return registry;
}

function hookUndici(registry: TracerHookRegistry): () => void {
  const onRequest = (message: unknown): void => {
    // Unbridged since: one property read per request, nothing else.
    if (currentActiveSpanSource() === undefined) return;
    if (typeof message !== 'object' || message === null) return;
    keepLastIdentityOnUndiciRequest(
      (message as { readonly request?: unknown }).request,
      registry.singleValued,
    );
  };
  subscribe(UNDICI_REQUEST_CREATE_CHANNEL, onRequest);
  return () => {
    unsubscribe(UNDICI_REQUEST_CREATE_CHANNEL, onRequest);
  };
}

function hookHttp(): () => void {
  return hookClientRequests((request) => {
    if (currentActiveSpanSource() === undefined) return;
    const span = activeSpan();
    if (span !== undefined) keepActiveSpanIdentity(request, span);
  });
}

/**
 * Which of a client's calls a tracer's instrumentation may also write into: `undici` (fetch, the
 * undici interceptor) or `undici-and-http` (axios, whose adapter may be either).
 */
export type TracedClients = 'undici' | 'undici-and-http';

/**
 * Called by the explicit clients (`wrapFetch`, `hoptraceInterceptor`, `instrumentAxios`) when
 * built and on every call. Without a tracer bridge (`bridgeOpenTelemetry()`), it returns after
 * one property read. With one, it makes sure the process-wide hooks that leave one trace
 * identity on a call are installed, once:
 *
 * - `undici:request:create`: after the tracer's undici instrumentation appended its client
 *   span's headers to a call that already had hoptrace's, only the tracer's identity is left (see
 *   `keepLastIdentityOnUndiciRequest`; a tracer subscribed after this hook is caught through `addHeader`);
 * - with `undici-and-http`, `node:http` requests too (the `http.client.request.created`
 *   channel, or `http.Agent.prototype.addRequest` before Node 22.12): after the tracer's http
 *   instrumentation wrote its client span's headers over some of hoptrace's, the formats naming
 *   another span go (see `keepActiveSpanIdentity`).
 *
 * The hooks then run on every undici (and `node:http`) request of the process while a bridge is
 * registered, and cost one property read per request once it is removed.
 *
 * @param singleValued - `singleValuedHeaders` of the options the call follows.
 * @param clients - which requests the client's calls become.
 *
 * @example
 * ```ts
 * ensureTracerHooks(outbound.current().singleValued, 'undici'); // in wrapFetch, per call
 * ```
 */
export function ensureTracerHooks(singleValued: Iterable<string>, clients: TracedClients): void {
  if (currentActiveSpanSource() === undefined) return;
  const registry = hookRegistry();
  for (const name of singleValued) {
    if (!registry.singleValued.has(name)) registry.singleValued.add(name);
  }
  if (registry.unhookUndici === undefined) registry.unhookUndici = hookUndici(registry);
  if (clients === 'undici-and-http' && registry.unhookHttp === undefined) {
    registry.unhookHttp = hookHttp();
  }
}

/**
 * Removes the tracer hooks and forgets the names, for tests: an app keeps them for its lifetime.
 *
 * @example
 * ```ts
 * afterEach(removeTracerHooks);
 * ```
 */
export function removeTracerHooks(): void {
  const registry = hookRegistry();
  registry.unhookUndici?.();
  registry.unhookHttp?.();
  registry.unhookUndici = undefined;
  registry.unhookHttp = undefined;
  registry.singleValued.clear();
}
