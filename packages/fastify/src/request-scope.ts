import {
  type ContextSlot,
  contextStorage,
  requestContextSlot,
  runServerRequest,
  type TraceContext,
} from '@hoptrace/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** On a Fastify request: its slot once hoptrace opened its scope, `null` before. */
const SCOPE = Symbol('hoptrace.fastify.scope');

type ScopedRequest = FastifyRequest & { [SCOPE]: ContextSlot | null };

const storage = contextStorage();

/**
 * `request.hoptrace`: the request's context, its trace headers read the first time it is asked.
 * In a hook that runs before hoptrace's `onRequest` (added before the plugin), the context that
 * hoptrace's `genReqId` bound to the raw request, which is every request unless the app keeps
 * a `genReqId` or `requestIdHeader` of its own; only then is it `null` there, as Fastify's own
 * decorators are before they are set.
 */
function scopeContext(this: FastifyRequest): TraceContext {
  const slot = (this as ScopedRequest)[SCOPE] ?? requestContextSlot(this.raw);
  return slot?.context ?? (null as unknown as TraceContext);
}

/** An app that assigns `request.hoptrace` gets its value back, as with a plain field. */
function replaceScopeContext(this: FastifyRequest, value: TraceContext): void {
  Object.defineProperty(this, 'hoptrace', {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/**
 * Declares what the plugin keeps on every request: the scope's slot, declared as `null` and set
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
  fastify.decorateRequest('hoptrace', { getter: scopeContext, setter: replaceScopeContext });
}

/**
 * Runs `next` (the rest of the `onRequest` hooks, then `preParsing` and, for a body-less request,
 * everything up to the reply) inside the request's scope (`slot`), with listeners on the raw
 * request and response bound to it. {@link reenterScope} later restores the same scope.
 */
export function openScope(
  request: FastifyRequest,
  reply: FastifyReply,
  slot: ContextSlot,
  next: () => void,
): void {
  (request as ScopedRequest)[SCOPE] = slot;
  runServerRequest(slot, request.raw, reply.raw, next);
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
  const slot = (request as ScopedRequest)[SCOPE];
  if (slot === null || storage.getStore() === slot) done();
  else storage.run(slot, done);
}

/** {@link reenterScope} for the phases whose `done` passes a payload on (kept unchanged). */
export function reenterScopeWithPayload<Payload>(
  request: FastifyRequest,
  _reply: FastifyReply,
  payload: Payload,
  done: (error: null, payload: Payload) => void,
): void {
  const slot = (request as ScopedRequest)[SCOPE];
  if (slot === null || storage.getStore() === slot) done(null, payload);
  else storage.run(slot, done, null, payload);
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
