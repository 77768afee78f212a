import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { describe, expectTypeOf, it } from 'vitest';
import type {
  DiagnosticHop,
  DiagnosticsRequest,
  ResolvedDiagnostics,
} from '../src/diagnostics/index.js';
import type * as Root from '../src/index.js';
import type {
  B3Context,
  HeaderCarrier,
  HoptraceOptions,
  Rejection,
  Sampling,
  TraceContext,
  Traceparent,
} from '../src/index.js';
import {
  extract,
  getContext,
  getRequestId,
  hoptraceHandler,
  injectHeaders,
  outboundHeaders,
  parseB3Single,
  parseTraceparent,
  requestContext,
  runWithContext,
  tryGetContext,
} from '../src/index.js';
import {
  type ActiveSpan,
  type ActiveSpanSource,
  acceptsDiagnostics,
  activeSpan,
  bindRequestContext,
  ContextSlot,
  compileHostPatterns,
  contextStorage,
  createHoptrace,
  currentActiveSpanSource,
  extractServerRequest,
  type HostMatcher,
  type HostPattern,
  headerTarget,
  openDiagnosticHop,
  openServerRequest,
  requestContextSlot,
  runServerRequest,
  type SentIdentity,
  safePredicate,
  sentIdentity,
} from '../src/server/index.js';

/** Every type application code may name, from the root: a missing one fails to compile here. */
export type RootTypes = [
  Root.B3Context,
  Root.B3Identity,
  Root.B3MultiHeaders,
  Root.B3SamplingOnly,
  Root.CallerHeaders,
  Root.ClientObservation,
  Root.DiagnosticsOptions,
  Root.DiagnosticsRequest,
  Root.Endpoint,
  Root.ExtractRequestInfo,
  Root.FailureFlag,
  Root.ForwardHeader,
  Root.HeaderCarrier,
  Root.HeaderFormat,
  Root.HeaderRecord,
  Root.HeaderRecordValue,
  Root.HeadersLike,
  Root.HoptraceOptions,
  Root.InjectBehaviour,
  Root.LogFields,
  Root.Observation,
  Root.ObserveOptions,
  Root.Observer,
  Root.OutboundRequestId,
  Root.OutgoingHeadersLike,
  Root.PropagationMode,
  Root.RawHeaders,
  Root.Rejection,
  Root.RejectionReason,
  Root.RequestIdGenerator,
  Root.RequestListener,
  Root.ResponseFor<IncomingMessage>,
  Root.Sampling,
  Root.ServerObservation,
  Root.TraceContext,
  Root.Traceparent,
  Root.TraceSource,
  Root.TracestateEntry,
  Root.TrustRequest,
  Root.WritableHeaderCarrier,
];

describe('public types', () => {
  it('extract takes every carrier and returns a TraceContext', () => {
    expectTypeOf(extract).parameter(0).toEqualTypeOf<HeaderCarrier>();
    expectTypeOf(extract({} as IncomingMessage['headers'])).toEqualTypeOf<TraceContext>();
    expectTypeOf(extract(new Headers())).toEqualTypeOf<TraceContext>();
    expectTypeOf(extract(['x-request-id', 'a'])).toEqualTypeOf<TraceContext>();
    expectTypeOf(extract([Buffer.from('b3'), Buffer.from('0')])).toEqualTypeOf<TraceContext>();
  });

  it('TraceContext is read-only and precise', () => {
    expectTypeOf<TraceContext['requestId']>().toEqualTypeOf<string>();
    expectTypeOf<TraceContext['traceId']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<TraceContext['sampling']>().toEqualTypeOf<Sampling>();
    expectTypeOf<TraceContext['sampled']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<TraceContext['rejected']>().toEqualTypeOf<readonly Rejection[]>();
    const context = {} as TraceContext;
    // @ts-expect-error the context is immutable
    context.requestId = 'x';
  });

  it('options are checked by the compiler', () => {
    expectTypeOf<HoptraceOptions['mode']>().toEqualTypeOf<'forward' | 'child' | undefined>();
    // @ts-expect-error unknown mode
    extract({}, { mode: 'parallel' });
    // @ts-expect-error unknown format
    extract({}, { formats: ['b3'] });
    extract({}, { trustRequestId: (request) => request.remoteAddress === '127.0.0.1' });
  });

  it('injectHeaders returns the carrier it was given', () => {
    const context = {} as TraceContext;
    expectTypeOf(injectHeaders(context, new Headers())).toEqualTypeOf<Headers>();
    expectTypeOf(injectHeaders(context, {} as Record<string, string>)).toEqualTypeOf<
      Record<string, string>
    >();
    expectTypeOf(outboundHeaders(context)).toEqualTypeOf<Record<string, string>>();
  });

  it('the context accessors', () => {
    expectTypeOf(getContext()).toEqualTypeOf<TraceContext>();
    expectTypeOf(tryGetContext()).toEqualTypeOf<TraceContext | undefined>();
    expectTypeOf(getRequestId()).toEqualTypeOf<string | undefined>();
    expectTypeOf(runWithContext({} as TraceContext, () => 42)).toEqualTypeOf<number>();
  });

  it('the active span of a bridged tracer, read-only', () => {
    expectTypeOf(activeSpan()).toEqualTypeOf<ActiveSpan | undefined>();
    expectTypeOf(currentActiveSpanSource()).toEqualTypeOf<ActiveSpanSource | undefined>();
    expectTypeOf<ActiveSpan['tracestate']>().toEqualTypeOf<string | undefined>();
    const span = {} as ActiveSpan;
    // @ts-expect-error the span is immutable
    span.spanId = 'x';
  });

  it('codecs are pure parse/format pairs', () => {
    expectTypeOf(parseB3Single).returns.toEqualTypeOf<B3Context | undefined>();
    expectTypeOf(parseTraceparent).returns.toEqualTypeOf<Traceparent | undefined>();
  });

  it('hoptraceHandler keeps the listener type', () => {
    const listener = (_request: IncomingMessage, _response: ServerResponse) => {};
    expectTypeOf(hoptraceHandler(listener)).parameters.toEqualTypeOf<
      [IncomingMessage, ServerResponse]
    >();
    expectTypeOf(createHoptrace().extract).returns.toEqualTypeOf<TraceContext>();
  });

  it('ResponseFor pairs each request type with its response type', () => {
    expectTypeOf<Root.ResponseFor<IncomingMessage>>().toEqualTypeOf<
      ServerResponse<IncomingMessage>
    >();
    expectTypeOf<Root.ResponseFor<Http2ServerRequest>>().toEqualTypeOf<
      Http2ServerResponse<Http2ServerRequest>
    >();
  });

  it('a client record tells the HTTP version and connection reuse only when its client can', () => {
    expectTypeOf<Root.ClientObservation['httpVersion']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Root.ClientObservation['reusedSocket']>().toEqualTypeOf<boolean | undefined>();
  });

  it('requestContext reads a request or a response, and may find nothing', () => {
    expectTypeOf(requestContext).parameter(0).toEqualTypeOf<IncomingMessage | ServerResponse>();
    expectTypeOf(requestContext({} as IncomingMessage)).toEqualTypeOf<TraceContext | undefined>();
  });

  it('adapters (through @hoptrace/core/adapter) hand ContextSlots around; applications see TraceContexts', () => {
    const hoptrace = createHoptrace();
    const request = {} as IncomingMessage;
    const response = {} as ServerResponse;
    expectTypeOf(extractServerRequest(hoptrace, request)).toEqualTypeOf<ContextSlot>();
    expectTypeOf(openServerRequest(hoptrace, { request, response })).toEqualTypeOf<ContextSlot>();
    expectTypeOf(runServerRequest).parameter(0).toEqualTypeOf<ContextSlot>();
    expectTypeOf(bindRequestContext).parameter(1).toEqualTypeOf<ContextSlot>();
    expectTypeOf(requestContextSlot(request)).toEqualTypeOf<ContextSlot | undefined>();
    expectTypeOf(contextStorage().getStore()).toEqualTypeOf<ContextSlot | undefined>();
    const slot = ContextSlot.of(extract({}));
    expectTypeOf(slot.requestId).toEqualTypeOf<string>();
    expectTypeOf(slot.context).toEqualTypeOf<TraceContext>();
    // @ts-expect-error the slot's request ID is read-only
    slot.requestId = 'other';
    // @ts-expect-error a slot is not a TraceContext: runWithContext takes the context itself
    runWithContext(slot, () => undefined);
  });

  it('the diagnostic kit: a decision on any request, a hop for an accepted one', () => {
    expectTypeOf(acceptsDiagnostics).parameters.toEqualTypeOf<
      [ResolvedDiagnostics, unknown, () => DiagnosticsRequest]
    >();
    expectTypeOf(acceptsDiagnostics).returns.toEqualTypeOf<boolean>();
    expectTypeOf(openDiagnosticHop).parameters.toEqualTypeOf<[ResolvedDiagnostics, TraceContext]>();
    expectTypeOf(openDiagnosticHop).returns.toEqualTypeOf<DiagnosticHop>();
    expectTypeOf(sentIdentity(headerTarget({}))).toEqualTypeOf<SentIdentity>();
    expectTypeOf<SentIdentity>().toEqualTypeOf<{
      readonly traceId: string | null;
      readonly spanId: string | null;
    }>();
  });

  it('host patterns: one entry or a list in, a hostname + effective port matcher out', () => {
    expectTypeOf<HostPattern>().toEqualTypeOf<string | RegExp>();
    expectTypeOf(compileHostPatterns)
      .parameter(0)
      .toEqualTypeOf<HostPattern | readonly HostPattern[]>();
    expectTypeOf(compileHostPatterns('*')).toEqualTypeOf<HostMatcher>();
    expectTypeOf<HostMatcher>().toEqualTypeOf<(hostname: string, port: string | null) => boolean>();
    expectTypeOf(safePredicate((url: URL) => url.port === '')).toEqualTypeOf<
      (value: URL) => boolean
    >();
  });
});
