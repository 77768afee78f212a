import type { IncomingMessage } from 'node:http';
import type { HoptraceOptions } from '@hoptrace/core';
import {
  bindRequestContext,
  createHoptrace,
  extractServerRequest,
  openedBefore,
} from '@hoptrace/core/adapter';

/** Marks a `genReqId` made by {@link hoptraceServerOptions} with the options it was made from. */
const MADE_FROM = Symbol('hoptrace.fastify.server-options');

type MarkedGenReqId = ((request: IncomingMessage) => string) & {
  readonly [MADE_FROM]?: HoptraceOptions;
};

/**
 * The Fastify server options {@link hoptraceServerOptions} returns. Spread them into
 * `Fastify({ ... })`; they are accepted by Fastify 4 and 5. Readonly: change the request ID
 * rules through hoptrace's options, not by overriding these (a `requestIdHeader` string would
 * make Fastify take the header unchecked again).
 *
 * @example
 * ```ts
 * const serverOptions: HoptraceServerOptions = hoptraceServerOptions();
 * const app = Fastify({ logger: true, ...serverOptions });
 * ```
 */
export interface HoptraceServerOptions {
  /**
   * Fastify's request ID generator: returns the request ID hoptrace decided (the valid, trusted
   * incoming one, otherwise a fresh one), which becomes `request.id` and the `reqId` of every log
   * line. Calling it again for the same request returns the same ID.
   */
  readonly genReqId: (request: IncomingMessage) => string;
  /**
   * `false`: Fastify must not take `request.id` from a header itself (it would take any value,
   * unchecked, and skip `genReqId`). hoptrace reads its own `requestIdHeader` and validates it.
   */
  readonly requestIdHeader: false;
}

/**
 * The Fastify server options that make `request.id` (and the `reqId` in Fastify's logs) the
 * request ID hoptrace decided, validated or generated, the same ID the response carries:
 * `{ genReqId, requestIdHeader: false }`. Fastify's log label stays its default, `reqId`.
 *
 * Fastify calls `genReqId` before any hook, with the raw request only; it extracts the whole
 * trace context there and leaves it on the raw request, and the plugin's `onRequest` hook picks it
 * up instead of reading the headers a second time. Give this function and the plugin the same
 * options: the plugin checks that they match when it is registered and throws otherwise.
 *
 * On an app that keeps Fastify's default request IDs, the plugin registered alone installs this
 * `genReqId` itself (`setGenReqId`). On one with its own `genReqId` or a `requestIdHeader`
 * (Fastify 4's default), the plugin alone still works (it extracts in `onRequest`), but
 * `request.id` is the app's and log lines do not carry the request ID.
 *
 * Options are core's {@link HoptraceOptions}, validated here: a bad one throws
 * `HoptraceOptionsError` naming it.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { hoptrace, hoptraceServerOptions } from '@hoptrace/fastify';
 *
 * const options = { requestIdHeader: 'x-correlation-id' };
 * const app = Fastify({ logger: true, ...hoptraceServerOptions(options) });
 * await app.register(hoptrace, options);
 * app.get('/', (request) => ({ id: request.id })); // the x-correlation-id the response carries
 * ```
 */
export function hoptraceServerOptions(options: HoptraceOptions = {}): HoptraceServerOptions {
  const engine = createHoptrace(options);
  const genReqId = function hoptraceGenReqId(request: IncomingMessage): string {
    let scope = openedBefore(request);
    if (scope === undefined) {
      scope = extractServerRequest(engine, request);
      // Bound here for the plugin's onRequest to pick up: Fastify calls genReqId first and gives
      // it only the raw request, and reading the request again would generate a second ID when
      // none (or an invalid one) arrived. Binding it here, rather than in onRequest, also puts the
      // listeners Fastify adds in between (its `finish` listener that runs onResponse) in the
      // request's context; it is the one property core writes per request anyway.
      bindRequestContext(request, scope);
    }
    return scope.requestId;
  };
  Object.defineProperty(genReqId, MADE_FROM, { value: Object.freeze({ ...options }) });
  return { genReqId, requestIdHeader: false };
}

/**
 * The options a `genReqId` was made from, when {@link hoptraceServerOptions} made it; `undefined`
 * for any other generator.
 */
export function serverOptionsOf(genReqId: unknown): HoptraceOptions | undefined {
  return typeof genReqId === 'function' ? (genReqId as MarkedGenReqId)[MADE_FROM] : undefined;
}
