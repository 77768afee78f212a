import { AsyncLocalStorage } from 'node:async_hooks';
import { NoActiveContextError } from './errors.js';
import type { TraceContext } from './trace-context.js';

/**
 * The global key of the one AsyncLocalStorage. `Symbol.for` makes it the same key in every copy
 * of this package (the ESM and the CJS build loaded side by side, or two installed versions), so
 * a context opened by one copy is seen by the other.
 */
const STORAGE_KEY = Symbol.for('hoptrace.context-storage.v1');

type GlobalWithStorage = typeof globalThis & { [STORAGE_KEY]?: AsyncLocalStorage<TraceContext> };

function createStorage(): AsyncLocalStorage<TraceContext> {
  const global = globalThis as GlobalWithStorage;
  const existing = global[STORAGE_KEY];
  if (existing !== undefined) return existing;
  const storage = new AsyncLocalStorage<TraceContext>();
  Object.defineProperty(global, STORAGE_KEY, {
    value: storage,
    enumerable: false,
    configurable: false,
    writable: false,
  });
  return storage;
}

const storage = createStorage();

/**
 * The process-wide AsyncLocalStorage that holds the current {@link TraceContext}. For adapters
 * that must re-enter a context (Fastify after body parsing); applications use
 * {@link runWithContext} and {@link getContext}.
 *
 * @example
 * ```ts
 * contextStorage().enterWith(context); // what an adapter does where no callback can wrap the rest
 * ```
 */
export function contextStorage(): AsyncLocalStorage<TraceContext> {
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
  return storage.run(context, callback);
}

/**
 * The current request's trace context. Throws {@link NoActiveContextError} outside a request;
 * use {@link tryGetContext} where there may be none.
 *
 * @example
 * ```ts
 * logger.info({ requestId: getContext().requestId }, 'charging card');
 * ```
 */
export function getContext(): TraceContext {
  const context = storage.getStore();
  if (context === undefined) throw new NoActiveContextError();
  return context;
}

/**
 * The current trace context, or `undefined` outside a request.
 *
 * @example
 * ```ts
 * const requestId = tryGetContext()?.requestId ?? 'startup';
 * ```
 */
export function tryGetContext(): TraceContext | undefined {
  return storage.getStore();
}

/**
 * The current request ID, or `undefined` outside a request. The cheapest way to tag a log line.
 *
 * @example
 * ```ts
 * const logger = pino({ mixin: () => ({ requestId: getRequestId() }) });
 * ```
 */
export function getRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
