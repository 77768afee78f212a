import { AsyncResource } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';

type Listener = (...args: unknown[]) => unknown;
type Register = (this: EventEmitter, event: string | symbol, listener: Listener) => EventEmitter;

// `once` and `prependOnceListener` register through `this.on` / `this.prependListener`, so
// wrapping these three covers all five.
const REGISTER_METHODS = ['on', 'addListener', 'prependListener'] as const;
const BOUND = Symbol.for('hoptrace.bound-emitter');

/**
 * One wrapper per registration method, shared by every emitter: it binds each listener to the
 * async context current when it is registered, then registers it with the original method.
 */
const wrappers = new Map<string, Register>();
for (const method of REGISTER_METHODS) {
  wrappers.set(method, function register(this: EventEmitter, event, listener) {
    const original = Object.getPrototypeOf(this)[method] as Register;
    if (typeof listener !== 'function') return original.call(this, event, listener);
    const bound = AsyncResource.bind(listener) as Listener & { listener?: Listener };
    // EventEmitter#removeListener(original) matches `entry.listener === original`, the same
    // convention `once` uses for its own wrappers (whose `.listener` is the caller's function),
    // so removal keeps working for both.
    bound.listener = (listener as Listener & { listener?: Listener }).listener ?? listener;
    return original.call(this, event, bound);
  });
}

/**
 * Makes every listener added to `emitter` from now on run in the async context that was current
 * when it was added, instead of the context of whoever emits.
 *
 * Why: a request's body arrives as socket events, which Node emits in the connection's async
 * context, not the request's. Body parsers (body-parser, multer, raw-body) and handlers that read
 * `request.on('data')` or `response.on('finish')` would otherwise lose the trace context. The
 * adapters call this on the request and response of each request, inside the request's context.
 * Calling it twice on one emitter is harmless.
 *
 * @example
 * ```ts
 * runWithContext(context, () => {
 *   bindEmitter(request);
 *   request.on('end', () => getContext()); // this request's context, not the socket's
 * });
 * ```
 */
export function bindEmitter<Emitter extends EventEmitter>(emitter: Emitter): Emitter {
  const target = emitter as Emitter & { [BOUND]?: true };
  if (target[BOUND] === true) return emitter;
  for (const [method, wrapper] of wrappers) {
    (target as unknown as Record<string, Register>)[method] = wrapper;
  }
  target[BOUND] = true;
  return emitter;
}
