import {
  context,
  isSpanContextValid,
  type SpanContext,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import {
  type ContextFallback,
  currentContextFallback,
  setContextFallback,
} from '../context/context-storage.js';
import {
  type ActiveSpan,
  type ActiveSpanSource,
  currentActiveSpanSource,
  setActiveSpanSource,
} from '../engine/active-span.js';
import { describeValue, HoptraceOptionsError } from '../errors.js';
import { hoptraceContextOf } from './context-key.js';

/**
 * Marks the functions this entry registers, under a `Symbol.for` key so the ESM and CJS copies of
 * the entry recognise each other's: bridging twice (from either copy) registers nothing new, and
 * either copy's unbridge removes them.
 */
const BRIDGE_MARK = Symbol.for('hoptrace.otel-bridge.v1');

type Marked = { readonly [BRIDGE_MARK]?: true };

function mark<Function extends object>(registered: Function): Function {
  Object.defineProperty(registered, BRIDGE_MARK, { value: true });
  return registered;
}

function isBridge(registered: object | undefined): boolean {
  return registered !== undefined && (registered as Marked)[BRIDGE_MARK] === true;
}

/**
 * A span context as hoptrace writes it: its IDs, sampled flag and serialized `tracestate`. OTel's
 * own validity check accepts upper-case hex; core's check on the way out rejects it.
 */
export function spanIdentity(spanContext: SpanContext): ActiveSpan {
  return {
    traceId: spanContext.traceId,
    spanId: spanContext.spanId,
    sampled: (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
    tracestate: spanContext.traceState?.serialize(),
  };
}

/**
 * The active span when it is local (this process's server or client span) and valid. A remote
 * span context is what arrived with the request: hoptrace already carries it per `mode`.
 */
const activeLocalSpan: ActiveSpanSource = mark(() => {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  if (spanContext === undefined || spanContext.isRemote === true) return undefined;
  return isSpanContextValid(spanContext) ? spanIdentity(spanContext) : undefined;
});

/** The hoptrace context that {@link HoptracePropagator} kept in the active OpenTelemetry context. */
const otelContextFallback: ContextFallback = mark(() => hoptraceContextOf(context.active()));

/**
 * Removes what {@link bridgeOpenTelemetry} registered (from this copy of the entry or another),
 * leaving anything else registered in its place alone.
 */
function unbridge(): void {
  if (isBridge(currentContextFallback())) setContextFallback(undefined);
  if (isBridge(currentActiveSpanSource())) setActiveSpanSource(undefined);
}

/**
 * Lets hoptrace and OpenTelemetry share one process. Registers two things in `@hoptrace/core`,
 * and returns the function that removes them:
 *
 * - a context fallback: where hoptrace's own AsyncLocalStorage has no context, `getContext()`,
 *   `tryGetContext()`, `getRequestId()` and `logFields()` find the one {@link HoptracePropagator}
 *   stored in the active OpenTelemetry context (under {@link HOPTRACE_CONTEXT_KEY}), so an app
 *   whose requests are opened by OpenTelemetry's http instrumentation alone still has them;
 * - an active-span source: when an outbound call is made while a local, valid OpenTelemetry span
 *   is active (the server span of the request, or a client span), every hoptrace outbound client
 *   (`injectHeaders`, `outboundHeaders`, wrapFetch, the undici interceptor, axios,
 *   instrumentOutbound) writes that span's trace ID, span ID and sampled flag, in every enabled
 *   format, with the span's `tracestate`: the IDs on the wire are the spans OpenTelemetry reports.
 *   No child span is minted and no B3 parent is written. With no local span active, hoptrace
 *   behaves as without the bridge (`forward` or `child`).
 *
 * Idempotent; {@link HoptracePropagator}'s constructor calls it. Without it, hoptrace costs what
 * it did: each hook is one property read when nothing is registered.
 *
 * Spec: OpenTelemetry Trace API (`trace.getSpan`, `SpanContext.isRemote`), W3C Trace Context.
 *
 * Takes no arguments: one given throws `HoptraceOptionsError` (option `options`).
 *
 * @returns `unbridge`: removes both hooks (idempotent too).
 *
 * @example
 * ```ts
 * import { bridgeOpenTelemetry } from '@hoptrace/core/otel';
 *
 * const unbridge = bridgeOpenTelemetry(); // once, at start-up, after the OpenTelemetry SDK
 * // …
 * unbridge(); // e.g. in a test's afterEach
 * ```
 */
export function bridgeOpenTelemetry(...unexpected: []): () => void {
  // It takes no options: something passed (`bridgeOpenTelemetry({ mode: 'child' })`, meant for
  // HoptracePropagator) would otherwise be dropped without a word.
  if (unexpected.length > 0) {
    throw new HoptraceOptionsError(
      'options',
      `bridgeOpenTelemetry() takes no options (give them to HoptracePropagator or the adapters), got ${describeValue((unexpected as unknown[])[0])}`,
    );
  }
  if (!isBridge(currentContextFallback())) setContextFallback(otelContextFallback);
  if (!isBridge(currentActiveSpanSource())) setActiveSpanSource(activeLocalSpan);
  return unbridge;
}
