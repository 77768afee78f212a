/**
 * @hoptrace/fastify: the hoptrace plugin for Fastify 4 and 5. Every request runs in its trace
 * context (request ID, B3, W3C Trace Context, kept in AsyncLocalStorage) in every hook from
 * `onRequest` to `onResponse`, every response carries its request ID, and with
 * `hoptraceServerOptions()` `request.id` and the log `reqId` are that same validated ID.
 *
 * @packageDocumentation
 */

import './fastify-request.js';
import { hoptrace } from './plugin.js';

export type { HoptraceOptions, TraceContext } from '@hoptrace/core';
export { getContext, getRequestId, HoptraceOptionsError, tryGetContext } from '@hoptrace/core';
export { type FastifyHoptraceOptions, hoptrace } from './plugin.js';
export { type HoptraceServerOptions, hoptraceServerOptions } from './server-options.js';

export default hoptrace;
