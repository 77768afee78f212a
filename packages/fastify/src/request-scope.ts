import type { TraceContext } from '@hoptrace/core';
import {
  type ContextSlot,
  contextStorage,
  lazyField,
  requestContextSlot,
  runServerRequest,
} from '@hoptrace/core/adapter';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** On a Fastify request: its scope once hoptrace opened it, `null` before. */
const SCOPE = Symbol('hoptrace.fastify.scope');

type ScopedRequest = FastifyRequest & { [SCOPE]: ContextSlot | null };

const storage = contextStorage();

/**
 * `request.hoptrace`: the request's context, its trace headers read the first time it is asked.
 * In a hook that runs before hoptrace's `onRequest` (added before the plugin), the context that
 * hoptrace's `genReqId` bound to the raw request, which is every request unless the app keeps
 * a `genReqId` or `requestIdHeader` of its own; only then is it `null` there, as Fastify's own
 * decorators are before they are set. An app that assigns `request.hoptrace` gets its value
 * back, as with a plain field.
 */
const HOPTRACE_FIELD = lazyField('hoptrace', (request: FastifyRequest): TraceContext | null => {
  const scope = (request as ScopedRequest)[SCOPE] ?? requestContextSlot(request.raw);
  return scope?.context ?? null;
});

/**
 * Declares what the plugin keeps on every request: its scope, declared as `null` and set
 * per request, as Fastify asks, so every request object keeps one shape; and `request.hoptrace`,
 * a getter on Fastify's request prototype (no write per request) that reads the context only when
 * asked, so a request that never looks at its trace pays for its request ID alone.
 *
 * @example
 * ```ts
 * declareScope(fastify);
 * ```
 */
export function declareScope(fastify: FastifyInstance): void {
  fastify.decorateRequest(SCOPE, null);
  fastify.decorateRequest('hoptrace', {
    getter: HOPTRACE_FIELD.get as () => TraceContext,
    setter: HOPTRACE_FIELD.set as (value: TraceContext) => void,
  });
}

/**
 * Runs `next` (the rest of the `onRequest` hooks, then `preParsing` and, for a body-less request,
 * everything up to the reply) inside `scope`, the scope of `reply`'s request, with listeners on
 * the raw request and response bound to it. {@link reenterScope} later restores the same scope.
 */
export function openScope(reply: FastifyReply, scope: ContextSlot, next: () => void): void {
  const request = reply.request;
  (request as ScopedRequest)[SCOPE] = scope;
  runServerRequest(scope, { request: request.raw, response: reply.raw }, next);
}

/** Whether hoptrace opened this request's scope (its `onRequest` hook ran). */
export function hasScope(request: FastifyRequest): boolean {
  return (request as ScopedRequest)[SCOPE] !== null;
}

/**
 * Continues a lifecycle phase inside the request's scope. hoptrace adds it to every phase after
 * `onRequest`, before the app's own hooks of that phase. Why: Fastify resumes a request from
 * whatever async context the previous step finished in, and several steps can finish outside the
 * request's:
 *
 * - body parsing: Node emits the body's `data`/`end` from the socket's context. Fastify 4 and 5
 *   restore the context after their own content-type parser (fastify#3571), but a `preParsing`
 *   hook that continues from elsewhere, or a stream it swapped in, is not covered by that;
 * - any hook that calls `done` from a callback that lost the context (a pooled client, a legacy
 *   library), and `reply.send()` called from such a callback (`preSerialization`, `onSend`,
 *   `onError`);
 * - `onResponse` runs from the response's `finish` event, through a listener Fastify adds before
 *   `onRequest` runs, and `finish` comes from wherever the response was ended (a piped stream's
 *   last chunk). Only without `hoptraceServerOptions()`: with them, `genReqId` has bound the raw
 *   request before Fastify adds that listener, and the plugin adds no `onResponse` hook.
 *
 * A phase that is still in the request's context (the common case: a GET answered synchronously,
 * a body read through the bound raw request) costs one store read; only one that lost it pays
 * for an `AsyncLocalStorage#run`. What is restored is hoptrace's context, not every other
 * AsyncLocalStorage's (an AsyncResource per request would restore all of them, at the price of
 * an async resource per request; dropping it, with the change of this function, moved a Fastify
 * hello-world from −25% to −23% of bare req/s on Node 20, within this machine's noise). A
 * request answered before hoptrace's `onRequest` ran has no scope until the plugin's `onSend`
 * opens one, and continues as it is until then.
 */
export function reenterScope(request: FastifyRequest, _reply: FastifyReply, done: () => void) {
  const scope = (request as ScopedRequest)[SCOPE];
  if (scope === null || storage.getStore() === scope) done();
  else storage.run(scope, done);
}

/** {@link reenterScope} for the phases whose `done` passes a payload on (kept unchanged). */
export function reenterScopeWithPayload<Payload>(
  request: FastifyRequest,
  _reply: FastifyReply,
  payload: Payload,
  done: (error: null, payload: Payload) => void,
): void {
  const scope = (request as ScopedRequest)[SCOPE];
  if (scope === null || storage.getStore() === scope) done(null, payload);
  else storage.run(scope, done, null, payload);
}

/** {@link reenterScope} for `onError`, which is given the error and continues with `done()`. */
export function reenterScopeOnError(
  request: FastifyRequest,
  reply: FastifyReply,
  _error: unknown,
  done: () => void,
): void {
  reenterScope(request, reply, done);
}
