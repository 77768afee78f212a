/**
 * @hoptrace/express: Express 4 and 5 middleware for hoptrace. Every request runs in its trace
 * context (request ID, B3, W3C Trace Context, kept in AsyncLocalStorage), every response carries
 * its request ID, and `req.id` / `req.hoptrace` are set and typed.
 *
 * @packageDocumentation
 */

export type { HoptraceOptions, TraceContext } from '@hoptrace/core';
export { getContext, getRequestId, HoptraceOptionsError, tryGetContext } from '@hoptrace/core';
export type { HoptraceRequestFields } from './express-request.js';
export { hoptrace } from './hoptrace.js';
