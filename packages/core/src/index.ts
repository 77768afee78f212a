/**
 * @hoptrace/core: request IDs, B3 (single and multi), W3C Trace Context, x-ot-span-context and
 * baggage for Node.js services, kept per request in AsyncLocalStorage and written onto every
 * outbound call.
 *
 * @packageDocumentation
 */

export type { B3Context, B3Identity, B3SamplingOnly } from './codec/b3-context.js';
export {
  B3_MULTI_HEADER_NAMES,
  type B3MultiHeaders,
  formatB3Multi,
  parseB3Multi,
} from './codec/b3-multi.js';
export { formatB3Single, parseB3Single } from './codec/b3-single.js';
export { BAGGAGE_MAX_LENGTH, BAGGAGE_MAX_MEMBERS, parseBaggage } from './codec/baggage.js';
export { ALL_FORMATS, type HeaderFormat } from './codec/headers.js';
export { isHexId, randomHexId } from './codec/hex-id.js';
export { type Rejection, type RejectionReason, rejectionReason } from './codec/rejection.js';
export {
  generateRequestId,
  parseRequestId,
  REQUEST_ID_MAX_LENGTH,
  type RequestIdGenerator,
} from './codec/request-id.js';
export { isSampled, type Sampling } from './codec/sampling.js';
export {
  formatTraceparent,
  parseTraceparent,
  TRACE_FLAG_SAMPLED,
  type Traceparent,
} from './codec/traceparent.js';
export {
  formatTracestate,
  isValidTracestate,
  parseTracestate,
  TRACESTATE_MAX_MEMBERS,
  type TracestateEntry,
  truncateTracestate,
} from './codec/tracestate.js';
export { OT_SPAN_CONTEXT_MAX_LENGTH, parseOtSpanContext } from './codec/x-ot-span-context.js';
export {
  bindEmitter,
  bindRequestContext,
  requestContext,
  requestContextSlot,
} from './context/bind-emitter.js';
export { ContextSlot } from './context/context-slot.js';
export {
  contextStorage,
  currentRequestOptions,
  getContext,
  getRequestId,
  runWithContext,
  tryGetContext,
} from './context/context-storage.js';
export { type LogFields, logFields } from './context/log-fields.js';
export type { TraceContext, TraceSource } from './context/trace-context.js';
export {
  type DiagnosticCall,
  DiagnosticHop,
  diagnosticHopOf,
  type HopSummary,
} from './diagnostics/diagnostic-hop.js';
export type {
  DiagnosticsOptions,
  DiagnosticsRequest,
  ResolvedDiagnostics,
} from './diagnostics/diagnostics-options.js';
export {
  type ClientObservation,
  type Endpoint,
  type FailureFlag,
  type Observation,
  type ObserveOptions,
  type Observer,
  type ObserverClock,
  type ObserverStats,
  type ResolvedObserver,
  resolveObserver,
  type ServerObservation,
  SLOW_OBSERVER_MS,
} from './diagnostics/observation.js';
export {
  DIAGNOSTICS_HEADER,
  formatTrail,
  isTrailText,
  judgeTrail,
  printable,
  readTrail,
  TRAIL_HEADER,
  TRAIL_MAX_CALLS,
  TRAIL_MAX_DEPTH,
  TRAIL_MAX_LENGTH,
  TRAIL_MAX_LENGTH_LIMIT,
  TRAIL_SERVICE_MAX_LENGTH,
  type TrailCall,
  type TrailChecks,
  type TrailHop,
  type TrailMark,
  type TrailRejection,
  type TrailSent,
  trailAddress,
} from './diagnostics/trail.js';
export { formatTrailText, trailBreaks } from './diagnostics/trail-text.js';
export {
  type ActiveSpan,
  type ActiveSpanSource,
  activeSpan,
  currentActiveSpanSource,
} from './engine/active-span.js';
export { createHoptrace, type Hoptrace } from './engine/create-hoptrace.js';
export { type ExtractRequestInfo, extract, sameTrace } from './engine/extract.js';
export type {
  HeaderCarrier,
  HeaderRecord,
  HeaderRecordValue,
  HeadersLike,
  RawHeaders,
} from './engine/header-carrier.js';
export {
  type HeaderTarget,
  headerTarget,
  type OutgoingHeadersLike,
  type WritableHeaderCarrier,
} from './engine/header-target.js';
export {
  type CallerHeaders,
  type InjectBehaviour,
  injectHeaders,
  injectHeadersResolved,
  outboundHeaders,
  TRACE_IDENTITY_HEADERS,
} from './engine/inject.js';
export {
  checkOptions,
  type ForwardHeader,
  type HoptraceOptions,
  type OutboundRequestId,
  type PropagationMode,
  type ResolvedOptions,
  resolveOptions,
  type TrustRequest,
} from './engine/options.js';
export { describeValue, HoptraceOptionsError, NoActiveContextError } from './errors.js';
export { hoptraceHandler, type RequestListener } from './server/handler.js';
export { openDiagnostics } from './server/server-diagnostics.js';
export {
  extractServerRequest,
  openServerRequest,
  runServerRequest,
  watchServerResponse,
} from './server/server-request.js';
