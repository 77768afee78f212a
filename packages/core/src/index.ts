/**
 * @hoptrace/core: request IDs, B3 (single and multi), W3C Trace Context, x-ot-span-context and
 * baggage for Node.js services, kept per request in AsyncLocalStorage and written onto every
 * outbound call.
 *
 * @packageDocumentation
 */

export {
  type ActiveSpan,
  type ActiveSpanSource,
  activeSpan,
  currentActiveSpanSource,
} from './active-span.js';
export type { B3Context, B3Identity, B3SamplingOnly } from './b3-context.js';
export {
  B3_MULTI_HEADER_NAMES,
  type B3MultiHeaders,
  formatB3Multi,
  parseB3Multi,
} from './b3-multi.js';
export { formatB3Single, parseB3Single } from './b3-single.js';
export { BAGGAGE_MAX_LENGTH, BAGGAGE_MAX_MEMBERS, parseBaggage } from './baggage.js';
export {
  bindEmitter,
  bindRequestContext,
  requestContext,
  requestContextSlot,
} from './bind-emitter.js';
export { ContextSlot } from './context-slot.js';
export {
  contextStorage,
  currentRequestOptions,
  getContext,
  getRequestId,
  runWithContext,
  tryGetContext,
} from './context-storage.js';
export { createHoptrace, type Hoptrace } from './create-hoptrace.js';
export {
  type DiagnosticCall,
  DiagnosticHop,
  diagnosticHopOf,
  type HopSummary,
} from './diagnostic-hop.js';
export type {
  DiagnosticsOptions,
  DiagnosticsRequest,
  ResolvedDiagnostics,
} from './diagnostics-options.js';
export { describeValue, HoptraceOptionsError, NoActiveContextError } from './errors.js';
export { type ExtractRequestInfo, extract, sameTrace } from './extract.js';
export { hoptraceHandler, type RequestListener } from './handler.js';
export type {
  HeaderCarrier,
  HeaderRecord,
  HeaderRecordValue,
  HeadersLike,
  RawHeaders,
} from './header-carrier.js';
export {
  type HeaderTarget,
  headerTarget,
  type OutgoingHeadersLike,
  type WritableHeaderCarrier,
} from './header-target.js';
export { isHexId, randomHexId } from './hex-id.js';
export {
  type CallerHeaders,
  type InjectBehaviour,
  injectHeaders,
  injectHeadersResolved,
  outboundHeaders,
  TRACE_IDENTITY_HEADERS,
} from './inject.js';
export { type LogFields, logFields } from './log-fields.js';
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
} from './observation.js';
export {
  ALL_FORMATS,
  checkOptions,
  type ForwardHeader,
  type HeaderFormat,
  type HoptraceOptions,
  type OutboundRequestId,
  type PropagationMode,
  type ResolvedOptions,
  resolveOptions,
  type TrustRequest,
} from './options.js';
export { type Rejection, type RejectionReason, rejectionReason } from './rejection.js';
export {
  generateRequestId,
  parseRequestId,
  REQUEST_ID_MAX_LENGTH,
  type RequestIdGenerator,
} from './request-id.js';
export { isSampled, type Sampling } from './sampling.js';
export { openDiagnostics } from './server-diagnostics.js';
export {
  extractServerRequest,
  openServerRequest,
  runServerRequest,
  watchServerResponse,
} from './server-request.js';
export type { TraceContext, TraceSource } from './trace-context.js';
export {
  formatTraceparent,
  parseTraceparent,
  TRACE_FLAG_SAMPLED,
  type Traceparent,
} from './traceparent.js';
export {
  formatTracestate,
  isValidTracestate,
  parseTracestate,
  TRACESTATE_MAX_MEMBERS,
  type TracestateEntry,
  truncateTracestate,
} from './tracestate.js';
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
} from './trail.js';
export { formatTrailText, trailBreaks } from './trail-text.js';
export { OT_SPAN_CONTEXT_MAX_LENGTH, parseOtSpanContext } from './x-ot-span-context.js';
