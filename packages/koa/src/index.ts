/**
 * @hoptrace/koa: Koa 2 and 3 middleware for hoptrace. Every request runs in its trace context
 * (request ID, B3, W3C Trace Context, kept in AsyncLocalStorage) and every response, error
 * responses included, carries its request ID.
 *
 * @packageDocumentation
 */

export type { HoptraceOptions, TraceContext } from '@hoptrace/core';
export { getContext, getRequestId, HoptraceOptionsError, tryGetContext } from '@hoptrace/core';
export { hoptrace } from './hoptrace-middleware.js';
export type { HoptraceState } from './hoptrace-state.js';
