/**
 * @hoptrace/core: request IDs, B3 (single and multi), W3C Trace Context, x-ot-span-context and
 * baggage for Node.js services, kept per request in AsyncLocalStorage and written onto every
 * outbound call.
 *
 * What applications use is here. What adapters are built from is in `@hoptrace/core/adapter`,
 * the diagnostic trail in `@hoptrace/core/diagnostics`, OpenTelemetry in `@hoptrace/core/otel`.
 *
 * @packageDocumentation
 */

export type { B3Context, B3Identity, B3SamplingOnly } from './codec/b3-context.js';
export { type B3MultiHeaders, formatB3Multi, parseB3Multi } from './codec/b3-multi.js';
export { formatB3Single, parseB3Single } from './codec/b3-single.js';
export { parseBaggage } from './codec/baggage.js';
export type { HeaderFormat } from './codec/headers.js';
export type { Rejection, RejectionReason } from './codec/rejection.js';
export { generateRequestId, parseRequestId, type RequestIdGenerator } from './codec/request-id.js';
export type { Sampling } from './codec/sampling.js';
export { formatTraceparent, parseTraceparent, type Traceparent } from './codec/traceparent.js';
export { formatTracestate, parseTracestate, type TracestateEntry } from './codec/tracestate.js';
export { parseOtSpanContext } from './codec/x-ot-span-context.js';
export { bindEmitter, requestContext } from './context/bind-emitter.js';
export {
  getContext,
  getRequestId,
  runWithContext,
  tryGetContext,
} from './context/context-storage.js';
export { type LogFields, logFields } from './context/log-fields.js';
export type { TraceContext, TraceSource } from './context/trace-context.js';
export type { DiagnosticsOptions, DiagnosticsRequest } from './diagnostics/diagnostics-options.js';
export type {
  ClientObservation,
  Endpoint,
  FailureFlag,
  Observation,
  ObserveOptions,
  Observer,
  ServerObservation,
} from './diagnostics/observation.js';
export { type ExtractRequestInfo, extract } from './engine/extract.js';
export type {
  HeaderCarrier,
  HeaderRecord,
  HeaderRecordValue,
  HeadersLike,
  RawHeaders,
} from './engine/header-carrier.js';
export type { OutgoingHeadersLike, WritableHeaderCarrier } from './engine/header-target.js';
export {
  type CallerHeaders,
  type InjectBehaviour,
  injectHeaders,
  outboundHeaders,
} from './engine/inject.js';
export type {
  ForwardHeader,
  HoptraceOptions,
  OutboundRequestId,
  PropagationMode,
  TrustRequest,
} from './engine/options.js';
export { HoptraceOptionsError, NoActiveContextError } from './errors.js';
export { hoptraceHandler, type RequestListener, type ResponseFor } from './server/handler.js';
export { hoptraceStreamHandler, type StreamListener } from './server/stream-handler.js';
