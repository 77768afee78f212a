import { AsyncResource } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';
import { IncomingMessage, ServerResponse } from 'node:http';
import { contextStorage } from './context-storage.js';
import type { TraceContext } from './trace-context.js';

type Listener = ((...args: unknown[]) => unknown) & { listener?: Listener };
type Register = (this: EventEmitter, event: string | symbol, listener: Listener) => EventEmitter;

// `once` and `prependOnceListener` register through `this.on` / `this.prependListener`, so
// wrapping these three covers all five.
const REGISTER_METHODS = ['on', 'addListener', 'prependListener'] as const;

/** On a Node request or response: the context its listeners run in. */
const LISTENER_CONTEXT = Symbol('hoptrace.listener-context');
/** On any other emitter: set once its registration methods are wrapped. */
const BOUND = Symbol.for('hoptrace.bound-emitter');

type HttpEmitter = EventEmitter & { [LISTENER_CONTEXT]?: TraceContext };

/**
 * `listener`, made to run in `context`. `EventEmitter#removeListener(original)` matches
 * `entry.listener === original`, the convention `once` uses for its own wrappers (whose
 * `.listener` is the caller's function), so removal keeps working for both.
 */
function inContext(listener: Listener, context: TraceContext): Listener {
  const storage = contextStorage();
  const bound: Listener = function boundListener(this: unknown, ...args: unknown[]) {
    return storage.run(context, Reflect.apply, listener, this, args);
  };
  bound.listener = listener.listener ?? listener;
  return bound;
}

/**
 * Wraps the registration methods of Node's request and response prototypes, once: a listener
 * added to a request or response marked by {@link bindEmitter} runs in that request's context;
 * every other emitter of those classes is left as it was (one property read per registration).
 *
 * Why the prototypes and not each request: giving every request and response its own `on` makes
 * V8 treat them as new object shapes, which slowed Express's hello-world by a third; a property
 * holding the context costs nothing measurable.
 */
let prototypesWrapped = false;
function wrapHttpPrototypes(): void {
  if (prototypesWrapped) return;
  prototypesWrapped = true;
  for (const prototype of [IncomingMessage.prototype, ServerResponse.prototype]) {
    for (const method of REGISTER_METHODS) {
      const original = (prototype as unknown as Record<string, Register>)[method];
      if (typeof original !== 'function') continue;
      const register: Register = function register(this: HttpEmitter, event, listener) {
        const context = this[LISTENER_CONTEXT];
        if (context === undefined || typeof listener !== 'function') {
          return original.call(this, event, listener);
        }
        return original.call(this, event, inContext(listener, context));
      };
      Object.defineProperty(prototype, method, {
        value: register,
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }
  }
}

/** Any other emitter: its own registration methods, binding each listener with AsyncResource. */
const instanceWrappers = new Map<string, Register>();
for (const method of REGISTER_METHODS) {
  instanceWrappers.set(method, function register(this: EventEmitter, event, listener) {
    const original = Object.getPrototypeOf(this)[method] as Register;
    if (typeof listener !== 'function') return original.call(this, event, listener);
    const bound = AsyncResource.bind(listener) as Listener;
    bound.listener = listener.listener ?? listener;
    return original.call(this, event, bound);
  });
}

/**
 * Makes every listener added to `emitter` from now on run in the async context that is current
 * now (for a Node request or response: the current trace context), instead of the context of
 * whoever emits.
 *
 * Why: a request's body arrives as socket events, which Node emits in the connection's async
 * context, not the request's. Body parsers (busboy/multer, hand-written ones) and handlers that
 * read `request.on('data')` or `response.on('finish')` would otherwise lose the trace context.
 * The adapters call this on the request and response of each request, inside its context.
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
  if (emitter instanceof IncomingMessage || emitter instanceof ServerResponse) {
    const context = contextStorage().getStore();
    if (context !== undefined) {
      wrapHttpPrototypes();
      (emitter as HttpEmitter)[LISTENER_CONTEXT] = context;
    }
    return emitter;
  }
  const target = emitter as Emitter & { [BOUND]?: true };
  if (target[BOUND] === true) return emitter;
  for (const [method, wrapper] of instanceWrappers) {
    (target as unknown as Record<string, Register>)[method] = wrapper;
  }
  target[BOUND] = true;
  return emitter;
}
