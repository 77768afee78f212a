import { contextStorage, runServerRequest, type TraceContext } from '@hoptrace/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A Fastify request as the plugin decorates it: `hoptrace` is `null` until its scope opens. */
type ScopedRequest = FastifyRequest & { hoptrace: TraceContext | null };

const storage = contextStorage();

/**
 * Runs `next` (the rest of the `onRequest` hooks, then `preParsing` and, for a body-less request,
 * everything up to the reply) inside `context`, with listeners on the raw request and response
 * bound to it. {@link reenterScope} later restores the same context from `request.hoptrace`.
 */
export function openScope(
  request: FastifyRequest,
  reply: FastifyReply,
  context: TraceContext,
  next: () => void,
): void {
  runServerRequest(context, request.raw, reply.raw, next);
}

/** Whether hoptrace opened this request's scope (its `onRequest` hook ran). */
export function hasScope(request: FastifyRequest): boolean {
  return (request as ScopedRequest).hoptrace !== null;
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
  const context = (request as ScopedRequest).hoptrace;
  if (context === null || storage.getStore() === context) done();
  else storage.run(context, done);
}

/** {@link reenterScope} for the phases whose `done` passes a payload on (kept unchanged). */
export function reenterScopeWithPayload<Payload>(
  request: FastifyRequest,
  _reply: FastifyReply,
  payload: Payload,
  done: (error: null, payload: Payload) => void,
): void {
  const context = (request as ScopedRequest).hoptrace;
  if (context === null || storage.getStore() === context) done(null, payload);
  else storage.run(context, done, null, payload);
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
