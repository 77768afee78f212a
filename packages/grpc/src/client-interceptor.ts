import { performance } from 'node:perf_hooks';
import {
  InterceptingCall,
  type Interceptor,
  type InterceptorOptions,
  type Metadata,
  type NextCall,
  type StatusObject,
} from '@grpc/grpc-js';
import {
  type HoptraceOptions,
  HoptraceOptionsError,
  type TraceContext,
  tryGetContext,
} from '@hoptrace/core';
import {
  type CallerHeaders,
  type ContextSlot,
  checkChoice,
  checkOptions,
  contextStorage,
  createHoptrace,
  currentRequestOptions,
  describeValue,
  givenOptions,
  type Hoptrace,
  headerTarget,
  type ResolvedObserver,
  type ResolvedOptions,
  sentIdentity,
} from '@hoptrace/core/adapter';
import {
  type ClientObservation,
  type DiagnosticCall,
  diagnosticHopOf,
  type Endpoint,
  TRAIL_HEADER,
  trailAddress,
} from '@hoptrace/core/diagnostics';
import { failureOf, httpStatusOf } from './grpc-status.js';
import { type GrpcTarget, parseGrpcTarget } from './grpc-target.js';
import { metadataTarget, metadataText } from './metadata-target.js';
import { type GrpcPropagateTo, grpcHostPolicy } from './propagate-to.js';

/**
 * Options of {@link hoptraceClientInterceptor}: core's `HoptraceOptions` (header names, formats,
 * `mode`, `outboundRequestId`, `observe`…) for calls made outside any request, plus where and
 * when to write. Inside a request opened by a hoptrace server (this package's interceptor, or an
 * HTTP adapter), that server's options govern, and only the core options named here override
 * them: one configuration, given to the server, serves the calls it makes.
 */
export interface GrpcClientOptions extends HoptraceOptions {
  /**
   * The channel's target, as given to the client's constructor (`inventory:50051`,
   * `dns:///inventory.shop.svc.cluster.local:50051`): a grpc-js interceptor is not told which
   * channel it runs on. Needed with `propagateTo`; names `target` in each `ClientObservation`.
   */
  readonly target?: string;
  /**
   * The hosts whose channels get the metadata, judged on `target`'s host and port. Default:
   * every channel. A `target` with no host (`unix:`, `xds:`) then gets none.
   */
  readonly propagateTo?: GrpcPropagateTo;
  /**
   * A call made outside any request context (a job, start-up code): `skip` (default) adds
   * nothing; `new-trace` gives each such call a new request ID and trace.
   */
  readonly outsideContext?: 'skip' | 'new-trace';
  /**
   * Metadata the caller already set: `keep` (default) keeps it (a stale copy of the current span
   * is still replaced); `replace` writes ours over it. See core's `CallerHeaders`.
   */
  readonly callerHeaders?: CallerHeaders;
}

/**
 * What `observe` gets for each call: core's `ClientObservation`, with `status` the HTTP status
 * that stands for the gRPC code (`httpStatusOf`) when a server answered, `null` and a `failure`
 * flag when none did (`DEADLINE_EXCEEDED` → `UT`, `UNAVAILABLE` → `UF`, `CANCELLED` → `DC`), and
 * the gRPC code itself in `grpcStatus`.
 */
export interface GrpcClientObservation extends ClientObservation {
  /** The gRPC status code the call ended with (0 `OK` … 16). */
  readonly grpcStatus: number;
  /** The gRPC method's path, `/shop.Inventory/Reserve`. */
  readonly route: string;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** `127.0.0.1:50051`, `[::1]:50051` (what grpc-js's `getPeer()` gives) as an endpoint. */
function peerEndpoint(peer: string): Endpoint | null {
  const colon = peer.lastIndexOf(':');
  if (colon <= 0) return null;
  const port = Number(peer.slice(colon + 1));
  let address = peer.slice(0, colon);
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  return Number.isInteger(port) && port > 0 ? { address, port } : null;
}

/** One call being recorded, for the `observe` option, the request's diagnostic trail, or both. */
interface Recording {
  readonly observer: ResolvedObserver | undefined;
  /** The call on the calling request's diagnostic hop, for a diagnostic request. */
  readonly diagnostic: DiagnosticCall | undefined;
  readonly requestIdHeader: string;
  readonly requestId: string;
  readonly correlationId: string | undefined;
  readonly start: number;
  readonly startedAt: number;
  echoedRequestId: string | null;
  answered: boolean;
  /** The caller cancelled the call (`call.cancel()`): `DC`, whatever arrived before. */
  cancelled: boolean;
}

/**
 * Starts recording a call whose metadata hoptrace wrote, when the `observe` option or the calling
 * request's diagnostic hop wants it; `undefined` otherwise. The IDs are read back from the
 * metadata as written (`per-call` minted a fresh ID there, a caller's own ID wins). A diagnostic
 * call is named `POST grpc://host:port/<method path>` in the trail (no host without `target`).
 */
function startRecording(
  hoptrace: Hoptrace,
  context: TraceContext,
  metadata: Metadata,
  channel: GrpcTarget | undefined,
  route: string,
): Recording | undefined {
  const { observe, requestIdHeader, correlationIdHeader } = hoptrace.options;
  const hop = diagnosticHopOf(context);
  if (observe === undefined && hop === undefined) return undefined;
  const requestId = metadataText(metadata, requestIdHeader)[0] ?? context.requestId;
  let diagnostic: DiagnosticCall | undefined;
  if (hop !== undefined) {
    const url =
      channel === undefined ? undefined : new URL(`grpc://${authorityOf(channel)}${route}`);
    diagnostic = hop.startCall('POST', url, {
      requestId,
      ...sentIdentity(headerTarget(metadataTarget(metadata))),
    });
  }
  return {
    observer: observe,
    diagnostic,
    requestIdHeader,
    requestId,
    correlationId:
      correlationIdHeader === undefined
        ? undefined
        : metadataText(metadata, correlationIdHeader)[0],
    start: Date.now(),
    startedAt: performance.now(),
    echoedRequestId: null,
    answered: false,
    cancelled: false,
  };
}

/** `host:port`, an IPv6 host in brackets. */
function authorityOf(target: GrpcTarget): string {
  return target.host.includes(':')
    ? `[${target.host}]:${target.port}`
    : `${target.host}:${target.port}`;
}

/**
 * A `@grpc/grpc-js` client interceptor that writes the current request's hoptrace metadata
 * (request ID, B3, W3C Trace Context, `x-ot-span-context`, `baggage`, `forwardHeaders`) into
 * every call of the client it is given to, in every call shape. `forward` mode sends the incoming
 * headers on as they came; `child` a new span ID per call; `outboundRequestId: 'per-call'` a
 * fresh request ID per call with the chain's ID in the correlation header. The call's callbacks
 * and stream events (response, `data`, `status`, `error`) run in the caller's context, never in
 * the context of the request that happened to open the HTTP/2 connection.
 *
 * With `observe`, each call is recorded once as a {@link GrpcClientObservation}: its gRPC status,
 * or the Envoy flag of a call no server answered (`UT` deadline, `UF` unavailable, `DC`
 * cancelled).
 *
 * Inside a diagnostic request (one a hoptrace server accepted with its `diagnostics` token), a
 * call to a channel `propagateTo` allows also carries `x-hoptrace-diag`, and is listed in the
 * request's trail as `POST grpc://host:port/<method path>` (the host and port of `target`), with
 * the HTTP equivalent of its status and the trail the server returned in its trailing metadata,
 * or the same failure flag.
 *
 * Options are validated here, once: a bad one throws `HoptraceOptionsError` naming it.
 *
 * @example
 * ```ts
 * import { credentials } from '@grpc/grpc-js';
 * import { hoptraceClientInterceptor } from '@hoptrace/grpc';
 *
 * const target = 'inventory.shop.svc.cluster.local:50051';
 * const inventory = new Inventory(target, credentials.createInsecure(), {
 *   interceptors: [hoptraceClientInterceptor({ target, propagateTo: ['*.svc.cluster.local'] })],
 * });
 * ```
 */
export function hoptraceClientInterceptor(options: GrpcClientOptions = {}): Interceptor {
  // Before destructuring: null would throw a TypeError of its own, 42 or [] pass as {}.
  checkOptions(options);
  const { target, propagateTo, outsideContext, callerHeaders, ...core } = options;
  if (target !== undefined && (typeof target !== 'string' || target.trim() === '')) {
    throw new HoptraceOptionsError(
      'target',
      `must be the channel's target string, got ${describeValue(target)}`,
    );
  }
  const allows = grpcHostPolicy(propagateTo);
  if (allows !== undefined && target === undefined) {
    throw new HoptraceOptionsError(
      'target',
      "is needed with propagateTo: pass the channel's target (the client constructor's first argument)",
    );
  }
  const newTrace =
    checkChoice('outsideContext', outsideContext, ['skip', 'new-trace']) === 'new-trace';
  const behaviour = Object.freeze({
    callerHeaders: checkChoice('callerHeaders', callerHeaders, ['keep', 'replace']) ?? 'keep',
  });
  const own = createHoptrace(core);
  const named = givenOptions(core);
  const channel: GrpcTarget | undefined =
    target === undefined ? undefined : parseGrpcTarget(target);
  const allowed = allows === undefined || (channel !== undefined && allows(channel));
  const observedTarget = channel ?? { host: '', port: 0 };
  // One engine per server configuration seen: a process has a handful, each as long as its app.
  const engines = new WeakMap<ResolvedOptions, Hoptrace>();
  const engineFor = (server: ResolvedOptions | undefined): Hoptrace => {
    if (server === undefined || server === own.options) return own;
    let engine = engines.get(server);
    if (engine === undefined) {
      try {
        engine = createHoptrace(named === undefined ? server.given : { ...server.given, ...named });
      } catch {
        // A combination that does not validate: this client's own options, never a throw.
        engine = own;
      }
      engines.set(server, engine);
    }
    return engine;
  };

  return function hoptraceClientInterceptor(
    callOptions: InterceptorOptions,
    nextCall: NextCall,
  ): InterceptingCall {
    const storage = contextStorage();
    // grpc-js runs interceptors where the call is made: the caller's context.
    const caller: ContextSlot | undefined = storage.getStore();
    const inCaller = (run: () => void): void => {
      if (caller === undefined) storage.exit(run);
      else storage.run(caller, run);
    };
    let context: TraceContext | undefined;
    if (allowed) {
      context = tryGetContext();
      if (context === undefined && newTrace) context = own.extract(NO_HEADERS);
    }
    const hoptrace = engineFor(currentRequestOptions());
    const route = callOptions.method_definition.path;
    let recording: Recording | undefined;
    const call: InterceptingCall = new InterceptingCall(nextCall(callOptions), {
      start(metadata: Metadata, _listener, next) {
        if (context !== undefined) {
          try {
            // Writes x-hoptrace-diag too, for a diagnostic request: only where propagateTo lets
            // the trace metadata go, since `context` is only set for such a channel.
            hoptrace.injectHeaders(context, metadataTarget(metadata), behaviour);
            recording = startRecording(hoptrace, context, metadata, channel, route);
          } catch {
            // Metadata that cannot be written: the call goes on as the caller built it.
          }
        }
        next(metadata, {
          onReceiveMetadata(received: Metadata, nextMetadata: (metadata: Metadata) => void) {
            if (recording !== undefined) {
              recording.answered = true;
              recording.echoedRequestId =
                metadataText(received, recording.requestIdHeader)[0] ?? null;
            }
            inCaller(() => nextMetadata(received));
          },
          onReceiveMessage(message: unknown, nextMessage: (message: unknown) => void) {
            inCaller(() => nextMessage(message));
          },
          onReceiveStatus(status: StatusObject, nextStatus: (status: StatusObject) => void) {
            if (recording !== undefined) record(recording, status);
            inCaller(() => nextStatus(status));
          },
        });
      },
      cancel(next: () => void) {
        if (recording !== undefined) recording.cancelled = true;
        next();
      },
    });
    const record = (done: Recording, status: StatusObject): void => {
      recording = undefined;
      let echoed = done.echoedRequestId;
      let answered = done.answered;
      let trail: string | undefined;
      try {
        const trailers = status.metadata;
        if (trailers !== undefined && trailers !== null) {
          if (Object.keys(trailers.getMap()).length > 0) answered = true;
          echoed ??= metadataText(trailers, done.requestIdHeader)[0] ?? null;
          if (done.diagnostic !== undefined) trail = metadataText(trailers, TRAIL_HEADER)[0];
        }
      } catch {
        // Odd trailers: recorded as what arrived before them.
      }
      let remote: Endpoint | null = null;
      try {
        remote = peerEndpoint(call.getPeer());
      } catch {
        remote = null;
      }
      const failure = done.cancelled ? 'DC' : failureOf(status.code, answered);
      const httpStatus = failure === null ? httpStatusOf(status.code) : null;
      if (done.diagnostic !== undefined) {
        const at = remote === null ? null : trailAddress(remote.address, remote.port);
        if (failure !== null) done.diagnostic.failure(failure, at);
        else if (httpStatus !== null) done.diagnostic.response(httpStatus, trail, at);
      }
      const observer = done.observer;
      if (observer === undefined) return;
      const observation: GrpcClientObservation = {
        hoptrace: 'client',
        service: observer.service,
        requestId: done.requestId,
        correlationId: done.correlationId,
        echoedRequestId: echoed,
        matched: echoed === done.requestId,
        target: observedTarget,
        remote,
        status: httpStatus,
        failure,
        grpcStatus: status.code,
        route,
        start: done.start,
        durationMs: performance.now() - done.startedAt,
      };
      observer.record(observation);
    };
    return call;
  };
}
