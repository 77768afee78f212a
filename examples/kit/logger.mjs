import { logFields } from '@hoptrace/core';
import pino from 'pino';
import { responseFlags } from './response-flags.mjs';

/**
 * One JSON object per line on stdout. `mixin: logFields` adds the current request's
 * `requestId`, `traceId`, `spanId` and `parentSpanId` to every line written inside a request:
 * hoptrace's validated values, never the raw headers. `base` replaces pino's pid and hostname with
 * the instance name, which is what tells orders-1's lines from orders-2's.
 */
export function createLogger(config) {
  return pino({
    base: { service: config.instance },
    mixin: logFields,
  });
}

/**
 * The one line per handled request, written once the response has finished; `responseFlags` lists
 * the Envoy flags of its calls that got no answer (UF, UT, UC, DC), when there were any.
 */
export function logRequest(logger, method, url, status) {
  const flags = responseFlags();
  logger.info(
    { method, path: pathOf(url), status, ...(flags === undefined ? {} : { responseFlags: flags }) },
    'request',
  );
}

/**
 * Logs the request when `response` finishes, unless it is a health check (probes every few
 * seconds would drown the requests that matter). The hoptrace adapters bind the response's
 * listeners to the request's context, so the line carries the request's IDs.
 */
export function logWhenFinished(logger, request, response) {
  if (pathOf(request.url) === '/health') return;
  response.once('finish', () =>
    logRequest(logger, request.method, request.url, response.statusCode),
  );
}

/** The path of a request target, without its query string. */
export function pathOf(url = '/') {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
