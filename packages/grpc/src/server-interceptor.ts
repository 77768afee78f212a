import { performance } from 'node:perf_hooks';
import {
  Metadata as GrpcMetadata,
  type Metadata,
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  type ServerMethodDefinition,
} from '@grpc/grpc-js';
import type { HoptraceOptions } from '@hoptrace/core';
import {
  acceptsDiagnostics,
  ContextSlot,
  contextStorage,
  createHoptrace,
  type Hoptrace,
  openDiagnosticHop,
} from '@hoptrace/core/adapter';
import {
  DIAGNOSTICS_HEADER,
  type DiagnosticHop,
  formatTrail,
  type ServerObservation,
  TRAIL_HEADER,
  trailAddress,
} from '@hoptrace/core/diagnostics';
import { GRPC_STATUS, httpStatusOf } from './grpc-status.js';
import { metadataText } from './metadata-target.js';

/**
 * What `observe` gets for each call a server answers: core's `ServerObservation`, with `method`
 * `POST` and `route` the gRPC method's path (`/shop.Inventory/Reserve`), `httpVersion` `2.0`,
 * `status` the HTTP status that stands for the gRPC code (`httpStatusOf`: 200 for `OK`, 404 for
 * `NOT_FOUND`, 504 for `DEADLINE_EXCEEDED`, 0 when the client cancelled), and the gRPC code itself
 * in `grpcStatus`.
 */
export interface GrpcServerObservation extends ServerObservation {
  /** The gRPC status code sent (0 `OK` … 16); `CANCELLED` (1) when the client went away. */
  readonly grpcStatus: number;
}

/** HTTP/2 connections that already carried a call, by their address pair; oldest dropped first. */
const usedConnections = new Map<string, true>();
const USED_CONNECTIONS_LIMIT = 4096;

function reusedConnection(key: string | undefined): boolean {
  if (key === undefined) return false;
  if (usedConnections.has(key)) return true;
  usedConnections.set(key, true);
  if (usedConnections.size > USED_CONNECTIONS_LIMIT) {
    const oldest = usedConnections.keys().next().value;
    if (oldest !== undefined) usedConnections.delete(oldest);
  }
  return false;
}

/** One call's state: its slot once the metadata came, and what was sent. */
class ServerCallState {
  slot: ContextSlot | undefined = undefined;
  /** The call's diagnostic hop, when it brought an accepted `x-hoptrace-diag`. */
  hop: DiagnosticHop | undefined = undefined;
  sentMetadata = false;
  recorded = false;
  readonly start = Date.now();
  readonly startedAt = performance.now();
}

/**
 * The server call this interceptor returns: grpc-js's own `ServerInterceptingCall`, whose
 * `start` also wraps the handler's listener, so that every event the handler sees (its
 * metadata, each message, the half-close, the cancellation) runs in the call's context.
 *
 * Why the listener and not only the interceptor's own `ServerListener`: grpc-js calls a
 * `ServerListener`'s `onCancel` beside the handler's rather than through a `next`, and a
 * deadline or a client's cancellation arrives from a timer or the HTTP/2 stream's `close`, in
 * whatever async context those were made in (the connection's, or another call's). Wrapping the
 * handler's listener puts the call's context around all four.
 */
class HoptraceServerCall extends ServerInterceptingCall {
  readonly #state: ServerCallState;
  readonly #open: (metadata: Metadata) => ContextSlot;
  readonly #cancelled: () => void;

  constructor(
    next: ServerInterceptingCallInterface,
    state: ServerCallState,
    open: (metadata: Metadata) => ContextSlot,
    cancelled: () => void,
    responder: ConstructorParameters<typeof ServerInterceptingCall>[1],
  ) {
    super(next, responder);
    this.#state = state;
    this.#open = open;
    this.#cancelled = cancelled;
  }

  override start(listener: Parameters<ServerInterceptingCall['start']>[0]): void {
    const state = this.#state;
    const open = this.#open;
    const cancelled = this.#cancelled;
    const storage = contextStorage();
    const inCall = (run: () => void): void => {
      const slot = state.slot;
      if (slot === undefined) run();
      else storage.run(slot, run);
    };
    super.start({
      onReceiveMetadata(metadata: Metadata): void {
        const slot = open(metadata);
        storage.run(slot, () => listener.onReceiveMetadata(metadata));
      },
      onReceiveMessage(message: unknown): void {
        inCall(() => listener.onReceiveMessage(message));
      },
      onReceiveHalfClose(): void {
        inCall(() => listener.onReceiveHalfClose());
      },
      onCancel(): void {
        cancelled();
        inCall(() => listener.onCancel());
      },
    });
  }
}

/** `host:port` pairs of the call's connection, or `undefined` when grpc-js cannot tell. */
function connectionOf(call: ServerInterceptingCallInterface): {
  local: ServerObservation['local'];
  remote: ServerObservation['remote'];
  key: string | undefined;
} {
  try {
    const info = call.getConnectionInfo();
    const local =
      info.localAddress === undefined || info.localPort === undefined
        ? undefined
        : { address: info.localAddress, port: info.localPort };
    const remote =
      info.remoteAddress === undefined || info.remotePort === undefined
        ? undefined
        : { address: info.remoteAddress, port: info.remotePort };
    const key =
      local === undefined || remote === undefined
        ? undefined
        : `${remote.address}:${remote.port}>${local.address}:${local.port}`;
    return { local, remote, key };
  } catch {
    return { local: undefined, remote: undefined, key: undefined };
  }
}

/** Whether the call's deadline has passed (grpc-js then ended it with `DEADLINE_EXCEEDED`). */
function deadlinePassed(call: ServerInterceptingCallInterface): boolean {
  try {
    const deadline = call.getDeadline();
    const at = deadline instanceof Date ? deadline.getTime() : deadline;
    return Number.isFinite(at) && Date.now() >= at;
  } catch {
    return false;
  }
}

function openCall(
  hoptrace: Hoptrace,
  metadata: Metadata,
  call: ServerInterceptingCallInterface,
  state: ServerCallState,
): ContextSlot {
  const { options } = hoptrace;
  // The peer and the call are only for a trustRequestId function, as for HTTP adapters.
  const info =
    typeof options.trustRequestId === 'function'
      ? { remoteAddress: connectionOf(call).remote?.address, request: call }
      : undefined;
  // Core reads a grpc-js Metadata itself (every text value, no -bin key).
  const context = hoptrace.extract(metadata, info);
  const slot = new ContextSlot(context.requestId, { finish: () => context }, options);
  const { diagnostics } = options;
  let given: string | undefined;
  if (metadata.get(DIAGNOSTICS_HEADER).length > 0) {
    // Repeated values are joined as Node joins a repeated HTTP header: never the token.
    given = metadataText(metadata, DIAGNOSTICS_HEADER).join(', ');
    // Never seen by the handler, as every HTTP adapter strips it: hoptrace forwards it itself,
    // only for a call it accepted (core's injectHeaders, through the client interceptor).
    metadata.remove(DIAGNOSTICS_HEADER);
  }
  // Without the header only `allow` can accept the call: the usual call stops here.
  if (diagnostics === undefined || (given === undefined && diagnostics.allow === undefined)) {
    return slot;
  }
  const accepted = acceptsDiagnostics(diagnostics, given, () => ({
    headers: metadata,
    remoteAddress: connectionOf(call).remote?.address,
    request: call,
  }));
  if (accepted) state.hop = openDiagnosticHop(diagnostics, slot.context);
  return slot;
}

/**
 * Writes this call's `x-hoptrace-trail` into `trailers`: its hop, with the calls made inside it
 * nested under it, signed (core's `formatTrail`), summarized as an HTTP hop would be: method
 * `POST` (every gRPC call is one), route the gRPC method's path, status the HTTP equivalent of
 * the gRPC code (`httpStatusOf`). Trailers, not the initial metadata: the status, and the calls
 * the handler made, are only known at the end, and a trailers-only answer has nothing else.
 */
function writeTrail(
  hop: DiagnosticHop,
  route: string,
  code: number,
  trailers: Metadata,
  call: ServerInterceptingCallInterface,
): void {
  const { local, remote } = connectionOf(call);
  const trail = hop.summarize({
    method: 'POST',
    route,
    status: httpStatusOf(code),
    address: trailAddress(local?.address, local?.port),
    peer: trailAddress(remote?.address, remote?.port),
  });
  const value = formatTrail(trail, hop.token, hop.maxTrailLength);
  if (value !== undefined) trailers.set(TRAIL_HEADER, value);
}

/**
 * A `@grpc/grpc-js` server interceptor (grpc-js 1.10 and later) that runs every call in its
 * hoptrace trace context and answers with its request ID.
 *
 * Per call it reads the request ID, B3, W3C Trace Context, `x-ot-span-context` and `baggage`
 * from the incoming metadata (keys are lower-case in gRPC; `-bin` keys are never read; invalid
 * values are dropped, never echoed), and runs the handler so that `getContext()` is the call's
 * context in every shape: unary, client-streaming, server-streaming and bidi, in the handler,
 * after `await`, in every `data`/`end` callback of a stream, and in `cancelled` (a deadline, a
 * client's cancellation). The request ID goes into the response's initial metadata (unless the
 * handler set that key itself), and into the trailers of a call that fails before any metadata
 * was sent (a trailers-only response). With `observe` set, each call is recorded once as a
 * {@link GrpcServerObservation}, with its gRPC status.
 *
 * With the `diagnostics` option, a call whose metadata carries the token in `x-hoptrace-diag`
 * (or that `allow` says yes to: it gets the call's `Metadata`, the peer's address, and the call)
 * gets this hop's `x-hoptrace-trail` in its trailing metadata, as an HTTP adapter puts it in its
 * response head: method `POST`, route the gRPC method's path, status the HTTP equivalent of the
 * gRPC code (`httpStatusOf`), and the calls its handler made nested under it. `x-hoptrace-diag`
 * is removed from the metadata the handler sees, whatever its value; a call without an accepted
 * token gets nothing more. A deadline grpc-js enforces itself answers past this interceptor:
 * no trail then (see the README).
 *
 * Outbound calls made inside (`hoptraceClientInterceptor`, and every client of
 * `@hoptrace/fetch`) follow these options, as they follow an HTTP adapter's.
 *
 * Options are the core's (`HoptraceOptions`), validated here, once: a bad option throws
 * `HoptraceOptionsError` naming it when this function is called, never on a call.
 *
 * @example
 * ```ts
 * import { Server, ServerCredentials } from '@grpc/grpc-js';
 * import { getContext, hoptraceServerInterceptor } from '@hoptrace/grpc';
 *
 * const server = new Server({ interceptors: [hoptraceServerInterceptor({ mode: 'child' })] });
 * server.addService(Inventory.service, {
 *   reserve(call, callback) {
 *     callback(null, { requestId: getContext().requestId });
 *   },
 * });
 * ```
 */
export function hoptraceServerInterceptor(options: HoptraceOptions = {}): ServerInterceptor {
  const hoptrace = createHoptrace(options);
  const { requestIdHeader, observe } = hoptrace.options;
  return function hoptraceServerInterceptor(
    method: ServerMethodDefinition<unknown, unknown>,
    call: ServerInterceptingCallInterface,
  ): ServerInterceptingCall {
    const state = new ServerCallState();
    const connection = observe === undefined ? undefined : connectionOf(call);
    const reusedSocket = connection === undefined ? false : reusedConnection(connection.key);
    const record = (grpcStatus: number, status: number): void => {
      if (observe === undefined || state.recorded || state.slot === undefined) return;
      state.recorded = true;
      const context = state.slot.context;
      const observation: GrpcServerObservation = {
        hoptrace: 'server',
        service: observe.service,
        requestId: context.requestId,
        correlationId: context.correlationId,
        traceId: context.traceId,
        spanId: context.spanId,
        method: 'POST',
        route: method.path,
        status,
        grpcStatus,
        local: connection?.local,
        remote: connection?.remote,
        httpVersion: '2.0',
        reusedSocket,
        start: state.start,
        durationMs: performance.now() - state.startedAt,
      };
      observe.record(observation);
    };
    const cancelled = (): void => {
      // grpc-js calls onCancel at the end of every call; before any status went out through
      // this interceptor it means the deadline passed (grpc-js answered) or the client left.
      if (state.recorded) return;
      if (deadlinePassed(call)) {
        record(GRPC_STATUS.DEADLINE_EXCEEDED, httpStatusOf(GRPC_STATUS.DEADLINE_EXCEEDED));
      } else {
        record(GRPC_STATUS.CANCELLED, 0);
      }
    };
    const open = (metadata: Metadata): ContextSlot => {
      state.slot = openCall(hoptrace, metadata, call, state);
      return state.slot;
    };
    return new HoptraceServerCall(call, state, open, cancelled, {
      sendMetadata(metadata, next) {
        state.sentMetadata = true;
        const slot = state.slot;
        if (slot === undefined || metadata.get(requestIdHeader).length > 0) {
          next(metadata);
          return;
        }
        // A copy, as for the trailers below: a Metadata the handler reuses across calls must not
        // keep this call's ID (the next call would then echo it).
        const headers = metadata.clone();
        headers.set(requestIdHeader, slot.requestId);
        next(headers);
      },
      sendStatus(status, next) {
        record(status.code, httpStatusOf(status.code));
        // The ID goes into the trailers of a trailers-only response only: they are all the client
        // gets. A diagnostic call's trail goes into the trailers in any case.
        const slot = state.sentMetadata ? undefined : state.slot;
        const hop = state.hop;
        if (slot === undefined && hop === undefined) {
          next(status);
          return;
        }
        // A copy, so a trailer object the handler reuses across calls never keeps one call's ID
        // or trail.
        const trailers = status.metadata?.clone() ?? new GrpcMetadata();
        if (slot !== undefined && trailers.get(requestIdHeader).length === 0)
          trailers.set(requestIdHeader, slot.requestId);
        if (hop !== undefined) {
          state.hop = undefined;
          try {
            writeTrail(hop, method.path, status.code, trailers, call);
          } catch {
            // Diagnostics must never change the answer itself.
          }
        }
        next({ ...status, metadata: trailers });
      },
    });
  };
}
