import { TRACESTATE_MAX_LENGTH } from '../codec/headers.js';
import { isHexId } from '../codec/hex-id.js';
import { isValidTracestate } from '../codec/tracestate.js';
import { processGlobal } from '../context/process-global.js';

/**
 * A span that a tracer (OpenTelemetry) has open in this process at the moment of an outbound
 * call. When there is one, the call carries its identity rather than the request's incoming one,
 * so the IDs on the wire are the spans the tracer reports.
 *
 * @example
 * ```ts
 * const span: ActiveSpan = {
 *   traceId: '0af7651916cd43dd8448eb211c80319c',
 *   spanId: '00f067aa0ba902b7',
 *   sampled: true,
 *   tracestate: 'rojo=00f067aa0ba902b7',
 * };
 * ```
 */
export interface ActiveSpan {
  /** 32 lower-case hex, not all zero (W3C Trace Context §3.2.2.3). */
  readonly traceId: string;
  /** 16 lower-case hex, not all zero. */
  readonly spanId: string;
  /** The span's sampled flag. */
  readonly sampled: boolean;
  /** The span's W3C `tracestate`, serialized, or `undefined`. */
  readonly tracestate: string | undefined;
  /**
   * The tracer marked the span B3 debug (OpenTelemetry's `B3_DEBUG_FLAG_KEY`): B3 writes debug
   * (`d`, `X-B3-Flags: 1`) whatever the request's own sampling. Default `false`.
   */
  readonly debug?: boolean;
}

/** A function that reports the active local span, or `undefined` when there is none. */
export type ActiveSpanSource = () => ActiveSpan | undefined;

/**
 * A holder under a `Symbol.for` key, so the ESM and CJS builds of core and the bridge's copy all
 * see the one source registered.
 */
const SOURCE_KEY = Symbol.for('hoptrace.active-span-source.v1');

interface SourceHolder {
  current: ActiveSpanSource | undefined;
}

const holder = processGlobal(SOURCE_KEY, (): SourceHolder => ({ current: undefined }));

/**
 * Sets the function hoptrace's outbound computation (`outboundHeaders`, `injectHeaders`, and so
 * every hoptrace outbound client) asks for the active local span; `undefined` removes it. One
 * source at a time, shared by every copy of this package in the process. Nothing by default.
 *
 * What `bridgeOpenTelemetry()` of `@hoptrace/core/otel` sets.
 *
 * @example
 * ```ts
 * setActiveSpanSource(() => myTracer.currentSpanIdentity());
 * setActiveSpanSource(undefined);
 * ```
 */
export function setActiveSpanSource(source: ActiveSpanSource | undefined): void {
  holder.current = source;
}

/**
 * The source registered now, or `undefined`: one property read, so outbound clients can tell
 * whether a tracer is bridged (and its instrumentations may write headers of their own on the
 * same call) before doing any work for it.
 *
 * @example
 * ```ts
 * if (currentActiveSpanSource() !== undefined) {
 *   // a tracer bridge (bridgeOpenTelemetry) is active
 * }
 * ```
 */
export function currentActiveSpanSource(): ActiveSpanSource | undefined {
  return holder.current;
}

/**
 * The active local span, or `undefined` when no source is registered (one property read), the
 * source has none, throws, or reports IDs that are not valid: what goes on the wire must pass the
 * same checks as what hoptrace reads.
 *
 * @example
 * ```ts
 * const span = activeSpan(); // with bridgeOpenTelemetry(), inside an OTel span: its IDs
 * span?.spanId; // '00f067aa0ba902b7'
 * ```
 */
export function activeSpan(): ActiveSpan | undefined {
  const source = holder.current;
  if (source === undefined) return undefined;
  return validSpan(source);
}

function validSpan(source: ActiveSpanSource): ActiveSpan | undefined {
  let span: ActiveSpan | undefined;
  try {
    span = source();
  } catch {
    return undefined;
  }
  return checkedSpan(span);
}

/**
 * `span` when its IDs are valid lower-case hex, with its `tracestate` dropped unless valid
 * (W3C Trace Context Level 1); otherwise `undefined`.
 */
export function checkedSpan(span: ActiveSpan | undefined): ActiveSpan | undefined {
  if (typeof span !== 'object' || span === null) return undefined;
  const { traceId, spanId, sampled, tracestate } = span;
  if (typeof traceId !== 'string' || !isHexId(traceId, 32)) return undefined;
  if (typeof spanId !== 'string' || !isHexId(spanId, 16)) return undefined;
  const validTracestate =
    typeof tracestate === 'string' &&
    tracestate !== '' &&
    tracestate.length <= TRACESTATE_MAX_LENGTH &&
    isValidTracestate(tracestate)
      ? tracestate
      : undefined;
  if (validTracestate === tracestate && typeof sampled === 'boolean') return span;
  const debug = span.debug === true;
  return { traceId, spanId, sampled: sampled === true, tracestate: validTracestate, debug };
}
