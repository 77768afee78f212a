import type { IncomingMessage } from 'node:http';
import { extractServerRequest, type Hoptrace, type TraceContext } from '@hoptrace/core';

/**
 * Where `genReqId` leaves the context it extracted, on the raw request, for the plugin's
 * `onRequest` to pick up: Fastify calls `genReqId` first and gives it only the raw request, and
 * extracting twice would cost a second pass over the headers and, worse, generate a second ID
 * when none (or an invalid one) arrived. Module-private so nothing else can plant a context.
 */
const EXTRACTED = Symbol('hoptrace.fastify.extracted');

type RawRequestWithContext = IncomingMessage & { [EXTRACTED]?: TraceContext };

/**
 * Extracts the trace context of a raw Node request with core's {@link extractServerRequest}, the
 * same call on both paths (`genReqId` and `onRequest`), so a trust decision cannot differ between
 * them.
 */
export function extractRawRequest(engine: Hoptrace, request: IncomingMessage): TraceContext {
  return extractServerRequest(engine, request);
}

/** Keeps `context` on the raw request for {@link stashedContext}. */
export function stashContext(request: IncomingMessage, context: TraceContext): void {
  (request as RawRequestWithContext)[EXTRACTED] = context;
}

/** The context `genReqId` extracted for this raw request, if it ran. */
export function stashedContext(request: IncomingMessage): TraceContext | undefined {
  return (request as RawRequestWithContext)[EXTRACTED];
}
