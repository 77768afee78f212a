import type { IncomingMessage } from 'node:http';
import { requestContextSlot } from '../context/bind-emitter.js';
import type { ContextSlot } from '../context/context-slot.js';

/**
 * The register-once guard of every server adapter: the scope hoptrace already opened for this
 * Node request, or `undefined` when nothing did yet.
 *
 * An adapter can meet a request that is open already: registered twice (an app and a mounted
 * sub-app, a router or plugin that adds its own), or opened by an earlier step of its own
 * (Fastify's `genReqId`). The first to open a request wins: a later registration passes the
 * request on untouched, or goes on in that scope, so that a request never gets a second request
 * ID, a second response header or a second observation. Asked of the scope rather than of the
 * request's context, so the question reads no trace header.
 *
 * @example
 * ```ts
 * return function middleware(request, response, next) {
 *   if (openedBefore(request) !== undefined) return next();
 *   const exchange = { request, response };
 *   const scope = openServerRequest(hoptrace, exchange);
 *   return runServerRequest(scope, exchange, next);
 * };
 * ```
 */
export function openedBefore(request: IncomingMessage): ContextSlot | undefined {
  return requestContextSlot(request);
}
