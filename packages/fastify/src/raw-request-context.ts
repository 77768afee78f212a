import type { IncomingMessage } from 'node:http';
import {
  bindRequestContext,
  extractServerRequest,
  type Hoptrace,
  requestContext,
  type TraceContext,
} from '@hoptrace/core';

/**
 * Extracts the trace context of a raw Node request with core's {@link extractServerRequest}, the
 * same call on both paths (`genReqId` and `onRequest`), so a trust decision cannot differ between
 * them.
 */
export function extractRawRequest(engine: Hoptrace, request: IncomingMessage): TraceContext {
  return extractServerRequest(engine, request);
}

/**
 * Binds the raw request (and its response) to the context `genReqId` extracted, for the plugin's
 * `onRequest` to pick up with {@link stashedContext}: Fastify calls `genReqId` first and gives it
 * only the raw request, and extracting twice would cost a second pass over the headers and,
 * worse, generate a second ID when none (or an invalid one) arrived. Binding it there, rather than
 * in `onRequest`, also puts the listeners Fastify adds in between (its `finish` listener that runs
 * `onResponse`) in the request's context; it is the one property core writes per request anyway.
 */
export function stashContext(request: IncomingMessage, context: TraceContext): void {
  bindRequestContext(request, context);
}

/** The context `genReqId` extracted for this raw request, if it ran. */
export function stashedContext(request: IncomingMessage): TraceContext | undefined {
  return requestContext(request);
}
