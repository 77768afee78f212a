import type { TraceContext, WritableHeaderCarrier } from '@hoptrace/core';
import { type ClientCall, startClientCall } from './client-observation.js';
import {
  createOutbound,
  type Outbound,
  type OutboundCallEngine,
  type OutboundOptions,
} from './outbound.js';
import { ensureTracerHooks, type TracedClients } from './tracer-hook.js';

// Every client (wrapFetch, the undici interceptor, instrumentAxios, instrumentOutbound's hooks)
// goes through the same steps for each call: find the context, judge the target against
// `propagateTo`, write the headers, make sure a bridged tracer leaves one identity, and start
// recording. They live here once; a client only translates its library's objects into a
// `CallDescription` and reports the response or failure to the `ClientCall` it gets back.

/** How a client makes its calls, fixed when the client is built. */
export interface OutboundClientSettings {
  /**
   * `client` (default) for an explicit client; `hook` for `instrumentOutbound`'s hooks, which
   * see again, further down, the calls of an explicit client and leave their recording to it.
   */
  readonly source?: 'client' | 'hook';
  /**
   * For an explicit client, the requests its calls become, where a bridged tracer's
   * instrumentation may write its own identity after ours (see `ensureTracerHooks`). The hooks
   * handle the tracer themselves, on the request they are handed, so they leave it out.
   */
  readonly besideTracer?: TracedClients;
}

/** One call, as a client describes it to {@link OutboundClient.start}. */
export interface CallDescription<Headers extends WritableHeaderCarrier> {
  /**
   * The URL the call connects to, as `propagateTo` judges it and the observation reports it
   * (see `call-target`); `undefined` when it cannot be told. Asked at most once per call.
   */
  readonly target: () => URL | undefined;
  /**
   * The request method, as the client sends it. Asked only for a call that got the headers, so
   * a call passed through untouched has nothing of it read.
   */
  readonly method: () => string;
  /**
   * The headers to write ours into, asked once the call is known to get them: a copy of the
   * caller's (explicit clients never change the caller's objects) or the request's own (hooks).
   * `undefined` leaves the call as the caller built it: headers the library itself will refuse,
   * which it then reports as it would without hoptrace. `engine` is the one the call follows
   * (resolved once per call).
   */
  readonly headers: (context: TraceContext, engine: OutboundCallEngine) => Headers | undefined;
  /**
   * What the call sends once ours are written, when that is not `headers` itself (axios puts
   * values that are not text back on top; an old undici appends the names it lacked). The
   * observation reads the request ID from it.
   */
  readonly sent?: (headers: Headers) => WritableHeaderCarrier;
  /**
   * Finds the context, given the pipeline's own search (the current request's, judged against
   * `propagateTo`). The undici interceptor gives a retried dispatch the context its first
   * attempt had, since a retry runs in the connection's async context, not the caller's.
   */
  readonly context?: (find: () => TraceContext | undefined) => TraceContext | undefined;
  /**
   * `false`: the call gets the headers but is never recorded, whatever `observe` or a diagnostic
   * request wants (a gRPC stream, which `@hoptrace/grpc`'s interceptor records). Default `true`.
   */
  readonly record?: boolean;
}

/** A call that got hoptrace's headers: what {@link OutboundClient.start} returns. */
export interface StartedCall<Headers extends WritableHeaderCarrier> {
  /** The request context whose headers the call carries. */
  readonly context: TraceContext;
  /** `CallDescription.headers`, with ours written. */
  readonly headers: Headers;
  /**
   * The call's recording, when the `observe` option or a diagnostic request wants one: report
   * its response or failure to it with `recordResponse` / `recordFailure`. `undefined` otherwise.
   */
  readonly recording: ClientCall | undefined;
}

/** The outbound engine of one client, and the per-call pipeline every client runs. */
export interface OutboundClient {
  /** The engine these options built (see `createOutbound`). */
  readonly outbound: Outbound;
  /**
   * Runs the pipeline for one call; `undefined` when the call gets nothing (outside a context
   * with `outsideContext: 'skip'`, a host `propagateTo` excludes, headers the library refuses):
   * the client then sends the call as the caller built it. Never throws.
   */
  start<Headers extends WritableHeaderCarrier>(
    call: CallDescription<Headers>,
  ): StartedCall<Headers> | undefined;
}

/**
 * Validates `options` (a bad one throws `HoptraceOptionsError` naming it) and builds the client
 * pipeline for them. With `besideTracer`, the tracer hooks are checked now already, so a bridge
 * registered before the client is built is handled from its first call.
 *
 * @example
 * ```ts
 * const client = createOutboundClient(options, { besideTracer: 'undici' });
 * const started = client.start({ target: () => url, method: () => 'GET', headers: () => ({}) });
 * ```
 */
export function createOutboundClient(
  options: OutboundOptions | undefined,
  settings: OutboundClientSettings = {},
): OutboundClient {
  const outbound = createOutbound(options);
  const { source = 'client', besideTracer } = settings;
  if (besideTracer !== undefined) ensureTracerHooks(outbound.current().singleValued, besideTracer);
  return Object.freeze({
    outbound,
    start<Headers extends WritableHeaderCarrier>(
      call: CallDescription<Headers>,
    ): StartedCall<Headers> | undefined {
      let judged = false;
      let url: URL | undefined;
      const target = (): URL | undefined => {
        if (!judged) {
          url = call.target();
          judged = true;
        }
        return url;
      };
      let context: TraceContext | undefined;
      let engine: OutboundCallEngine;
      let headers: Headers | undefined;
      let sent: WritableHeaderCarrier;
      try {
        const find = (): TraceContext | undefined => outbound.contextFor(target);
        context = call.context === undefined ? find() : call.context(find);
        if (context === undefined) return undefined;
        engine = outbound.current();
        headers = call.headers(context, engine);
        if (headers === undefined) return undefined;
        engine.inject(context, headers);
        sent = call.sent === undefined ? headers : call.sent(headers);
        if (besideTracer !== undefined) ensureTracerHooks(engine.singleValued, besideTracer);
      } catch {
        // Headers the library would refuse (a bad name, a throwing iterator, an odd config): the
        // call goes out as the caller built it, and the library reports it.
        return undefined;
      }
      if (call.record === false) return { context, headers, recording: undefined };
      let recording: ClientCall | undefined;
      try {
        recording = startClientCall(engine.hoptrace.options, {
          context,
          sent,
          url: target,
          method: call.method(),
          source,
        });
      } catch {
        // Recording must never cost the call its headers.
        recording = undefined;
      }
      return { context, headers, recording };
    },
  });
}
