/**
 * `@hoptrace/core/adapter`: what a server or client adapter is built from. Applications do not
 * need it; the Express, Koa, Fastify and outbound adapters use nothing else of core's insides.
 *
 * - Server side: `createHoptrace` validates the options once; `openedBefore` tells a second
 *   registration to leave the request alone; `openServerRequest` opens a request (its scope, the
 *   echoed request ID, observation, diagnostic trail) and `runServerRequest` runs the framework's
 *   handler inside it; `requestContextSlot` / `requestContext` / `bindRequestContext` reach the
 *   request's scope from code that holds the request but runs outside its async context.
 * - Framework fields: `lazyField` makes `req.hoptrace`-style fields a getter on a prototype that
 *   an app's assignment replaces with a plain field (`defineDataProperty`, `dataProperty`).
 * - Client side: `contextStorage` and `currentRequestOptions` find the calling request and its
 *   configuration; `headerTarget` writes into any header shape; `activeSpan` names the bridged
 *   tracer's current span; `sentIdentity` reads back the trace and span ID a call carried;
 *   `compileHostPatterns` validates and compiles `propagateTo` entries into one host + port
 *   matcher and `safePredicate` makes a user's `propagateTo` function answer "no" on a throw.
 * - Diagnostic trail: `acceptsDiagnostics` decides whether a request is a diagnostic one (the
 *   token, or `allow`) and `openDiagnosticHop` opens its hop, for adapters whose requests are not
 *   Node's `IncomingMessage` (gRPC); `openDiagnostics` does both for a Node request and writes
 *   the trail into its response head.
 *
 * @example
 * ```ts
 * import {
 *   createHoptrace,
 *   openedBefore,
 *   openServerRequest,
 *   runServerRequest,
 * } from '@hoptrace/core/adapter';
 *
 * const engine = createHoptrace(options);
 * function middleware(request, response, next) {
 *   if (openedBefore(request) !== undefined) return next();
 *   const exchange = { request, response };
 *   return runServerRequest(openServerRequest(engine, exchange), exchange, next);
 * }
 * ```
 *
 * @packageDocumentation
 */

export { B3_MULTI_HEADER_NAMES, type B3MultiHeaders } from '../codec/b3-multi.js';
export { isHexId, randomHexId } from '../codec/hex-id.js';
export {
  bindRequestContext,
  requestContext,
  requestContextSlot,
} from '../context/bind-emitter.js';
export { ContextSlot } from '../context/context-slot.js';
export { contextStorage, currentRequestOptions } from '../context/context-storage.js';
export { type ResolvedObserver, resolveObserver } from '../diagnostics/observation.js';
export {
  type ActiveSpan,
  type ActiveSpanSource,
  activeSpan,
  currentActiveSpanSource,
} from '../engine/active-span.js';
export { createHoptrace, type Hoptrace } from '../engine/create-hoptrace.js';
export type { HeadersLike } from '../engine/header-carrier.js';
export {
  type HeaderTarget,
  headerTarget,
  type OutgoingHeadersLike,
  type WritableHeaderCarrier,
} from '../engine/header-target.js';
export {
  compileHostPatterns,
  type HostMatcher,
  type HostPattern,
  safePredicate,
} from '../engine/host-patterns.js';
export {
  type CallerHeaders,
  type InjectBehaviour,
  injectHeadersResolved,
  TRACE_IDENTITY_HEADERS,
} from '../engine/inject.js';
export { checkOptions, type ResolvedOptions, resolveOptions } from '../engine/options.js';
export { type SentIdentity, sentIdentity } from '../engine/sent-identity.js';
export { describeValue } from '../errors.js';
export { checkChoice, givenOptions } from './adapter-options.js';
export { dataProperty, defineDataProperty } from './data-property.js';
export { lazyField } from './lazy-field.js';
export { openedBefore } from './register-once.js';
export { acceptsDiagnostics, openDiagnosticHop, openDiagnostics } from './server-diagnostics.js';
export type { RouteReader, ServerExchange } from './server-exchange.js';
export {
  extractServerRequest,
  handleDiagnosticsAndObservation,
  type OpenServerRequest,
  openServerRequest,
  runServerRequest,
} from './server-request.js';
