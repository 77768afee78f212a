import { AsyncLocalStorage } from 'node:async_hooks';
import type { ResolvedOptions } from '../engine/options.js';
import { NoActiveContextError } from '../errors.js';
import { ContextSlot } from './context-slot.js';
import { processGlobal } from './process-global.js';
import type { TraceContext } from './trace-context.js';

/**
 * The global key of the one AsyncLocalStorage. `Symbol.for` makes it the same key in every copy
 * of this package (the ESM and the CJS build loaded side by side, or two installed versions), so
 * a context opened by one copy is seen by the other. v2: the store holds {@link ContextSlot}s
 * (v1 held contexts), so a copy that stores something else never shares it.
 */
const STORAGE_KEY = Symbol.for('hoptrace.context-storage.v2');

const storage = processGlobal(STORAGE_KEY, () => new AsyncLocalStorage<ContextSlot>());

/**
 * Where a bridge (the OpenTelemetry one) can offer a trace context when hoptrace's own store has
 * none, e.g. an app whose requests are opened by OpenTelemetry's instrumentation alone. A holder
 * under a `Symbol.for` key, so the ESM and CJS builds (and the bridge's copy) share it.
 */
const FALLBACK_KEY = Symbol.for('hoptrace.context-fallback.v1');

/** A function that finds the current trace context outside hoptrace's own store. */
export type ContextFallback = () => TraceContext | undefined;

interface FallbackHolder {
  current: ContextFallback | undefined;
}

const fallback = processGlobal(FALLBACK_KEY, (): FallbackHolder => ({ current: undefined }));

/**
 * Only reached when hoptrace's store is empty, so a request opened by a hoptrace adapter pays
 * nothing for it. A fallback that throws or returns something else than a context counts as none.
 */
function fallbackContext(): TraceContext | undefined {
  const find = fallback.current;
  if (find === undefined) return undefined;
  try {
    const context = find();
    return typeof context === 'object' && context !== null && typeof context.requestId === 'string'
      ? context
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sets where {@link getContext}, {@link tryGetContext}, {@link getRequestId} and `logFields` look
 * when hoptrace's own AsyncLocalStorage holds no context; `undefined` removes it. One fallback at
 * a time, shared by every copy of this package in the process. Nothing by default.
 *
 * What `bridgeOpenTelemetry()` of `@hoptrace/core/otel` sets, so that the context its propagator
 * extracted (kept in OpenTelemetry's context) is the current one.
 *
 * @example
 * ```ts
 * setContextFallback(() => jobContexts.get(currentJobId()));
 * setContextFallback(undefined);
 * ```
 */
export function setContextFallback(find: ContextFallback | undefined): void {
  fallback.current = find;
}

/** The fallback registered now, or `undefined`. */
export function currentContextFallback(): ContextFallback | undefined {
  return fallback.current;
}

/**
 * The process-wide AsyncLocalStorage that holds the current request's {@link ContextSlot} (its
 * request ID, and its {@link TraceContext} read on first use). For adapters that must re-enter a
 * request's scope (Fastify after body parsing); applications use {@link runWithContext} and
 * {@link getContext}.
 *
 * @example
 * ```ts
 * contextStorage().run(slot, done); // what an adapter does to re-enter a request's scope
 * contextStorage().getStore()?.requestId;
 * ```
 */
export function contextStorage(): AsyncLocalStorage<ContextSlot> {
  return storage;
}

/**
 * Runs `callback` with `context` as the current trace context, and returns what it returns.
 * Everything `callback` starts (promises, timers, emitters created inside) sees the context.
 *
 * @example
 * ```ts
 * runWithContext(extract(message.headers), () => handleJob(message));
 * ```
 */
export function runWithContext<Result>(context: TraceContext, callback: () => Result): Result {
  return storage.run(ContextSlot.of(context), callback);
}

/**
 * The current request's trace context. Throws {@link NoActiveContextError} outside a request;
 * use {@link tryGetContext} where there may be none. Where hoptrace's own store is empty, the
 * context fallback is asked (see {@link setContextFallback}; `bridgeOpenTelemetry()` sets one).
 *
 * @example
 * ```ts
 * logger.info({ requestId: getContext().requestId }, 'charging card');
 * ```
 */
export function getContext(): TraceContext {
  const context = storage.getStore()?.context ?? fallbackContext();
  if (context === undefined) throw new NoActiveContextError();
  return context;
}

/**
 * The options of the server adapter (or `hoptraceHandler`) that opened the current request, or
 * `undefined` outside a request and in one whose context was put in place by hand
 * (`runWithContext`). The outbound clients and `injectHeaders` follow them inside a request, so
 * one configuration, given to the adapter, serves the calls the request makes.
 *
 * @example
 * ```ts
 * app.use(hoptrace({ mode: 'child' }));
 * // inside a request:
 * currentRequestOptions()?.mode; // 'child'
 * ```
 */
export function currentRequestOptions(): ResolvedOptions | undefined {
  return storage.getStore()?.options;
}

/**
 * The current trace context, or `undefined` outside a request. Like {@link getContext}, asks the
 * context fallback when hoptrace's own store is empty.
 *
 * @example
 * ```ts
 * const requestId = tryGetContext()?.requestId ?? 'startup';
 * ```
 */
export function tryGetContext(): TraceContext | undefined {
  return storage.getStore()?.context ?? fallbackContext();
}

/**
 * The current request ID, or `undefined` outside a request. The cheapest way to tag a log line:
 * it does not read the trace headers (see {@link ContextSlot}).
 *
 * @example
 * ```ts
 * const logger = pino({ mixin: () => ({ requestId: getRequestId() }) });
 * ```
 */
export function getRequestId(): string | undefined {
  return storage.getStore()?.requestId ?? fallbackContext()?.requestId;
}
