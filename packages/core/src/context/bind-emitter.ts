import { AsyncResource } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { ContextSlot } from './context-slot.js';
import { contextStorage } from './context-storage.js';
import type { TraceContext } from './trace-context.js';

type Listener = ((...args: unknown[]) => unknown) & { listener?: Listener };
type Register = (this: EventEmitter, event: string | symbol, listener: Listener) => EventEmitter;

// `once` and `prependOnceListener` register through `this.on` / `this.prependListener`, so
// wrapping these three covers all five.
const REGISTER_METHODS = ['on', 'addListener', 'prependListener'] as const;

/**
 * The context the listeners of a Node request (or of a response whose request is not bound) run
 * in, keyed by the emitter, not written on it: Express gives every request and response an
 * object shape of its own (its `Object.setPrototypeOf`), so each property added to one allocates
 * a new shape, and each lookup on one misses V8's caches. With a symbol property here, hoptrace's
 * Express hello-world ran 589k-609k instructions per request on Node 20.20, with this WeakMap
 * 557k-562k, the hand-written AsyncLocalStorage floor 547k-561k (`bench/http/instructions.sh
 * express hoptrace`, then `als-floor`): a WeakMap lookup does not depend on the object's shape.
 */
const listenerContexts = new WeakMap<EventEmitter, ContextSlot>();
/** On any other emitter: set once its registration methods are wrapped. */
const BOUND = Symbol.for('hoptrace.bound-emitter');

type HttpResponse = EventEmitter & { req?: EventEmitter };

/**
 * `listener`, made to run in `context`. `EventEmitter#removeListener(original)` matches
 * `entry.listener === original`, the convention `once` uses for its own wrappers (whose
 * `.listener` is the caller's function), so removal keeps working for both.
 */
function inContext(listener: Listener, scope: ContextSlot): Listener {
  const storage = contextStorage();
  const bound: Listener = function boundListener(this: unknown, ...args: unknown[]) {
    return storage.run(scope, Reflect.apply, listener, this, args);
  };
  bound.listener = listener.listener ?? listener;
  return bound;
}

/**
 * The context a request's listeners run in. A response has no entry of its own as a rule: it
 * takes its request's (`response.req`, set by Node since 15.7), so that a request costs one
 * entry, not two (see {@link bindRequestContext}).
 */
function requestListenerContext(emitter: EventEmitter): ContextSlot | undefined {
  return listenerContexts.get(emitter);
}
function responseListenerContext(emitter: HttpResponse): ContextSlot | undefined {
  const own = listenerContexts.get(emitter);
  if (own !== undefined) return own;
  const request = emitter.req;
  return request === undefined ? undefined : listenerContexts.get(request);
}

/**
 * Node's own `clearIncoming`, once seen: one function for every request of the process.
 */
let nodeCleanup: Listener | undefined;

/**
 * Node's own `clearIncoming`, which its HTTP server adds to every request's `end` once the
 * response has finished (to let the parser drop the request). It runs no application code, so it
 * needs no context, and binding it would cost every request a closure and an AsyncLocalStorage
 * run (on Node 24, a new context frame): in a hello-world it is the only listener bound at all.
 * Found by name the first time, by identity after: a function's `name` is a native accessor,
 * slower to read than a comparison, and this runs for every listener a bound request or response
 * gets. Without it, `src/context/bind-emitter.test.ts` "bindRequestContext and requestContext >
 * leave Node's own clearIncoming unbound, and bind the listeners added beside it" fails; that test
 * pins this saving and nothing else does: no behaviour depends on it.
 */
function isNodeCleanup(listener: Listener): boolean {
  if (listener === nodeCleanup) return true;
  if (nodeCleanup !== undefined || listener.name !== 'clearIncoming') return false;
  nodeCleanup = listener;
  return true;
}

/**
 * Wraps the registration methods of Node's request and response prototypes, once: a listener
 * added to a request or response marked by {@link bindRequestContext} or {@link bindEmitter}
 * runs in that request's context; every other emitter of those classes is left as it was (one
 * or two property reads per registration).
 *
 * Why the prototypes and not each request: giving every request and response its own `on` makes
 * V8 treat them as new object shapes, which slowed Express's hello-world by a third. And a
 * response's listeners find their context through `response.req` here, so a request bound
 * before its response exists (Fastify's `genReqId`) still binds the listeners Fastify adds to
 * the response. Without this patch (per-instance methods instead), these fail:
 * `src/context/bind-emitter.test.ts` "bindRequestContext and requestContext > bind a request
 * and, through response.req, its response, with one mark", and in @hoptrace/fastify
 * `test/context.test.ts` "… steps that continue from elsewhere > a streamed reply whose last
 * chunk comes from a callback (finish, onResponse)".
 */
let prototypesWrapped = false;
function wrapHttpPrototypes(): void {
  if (prototypesWrapped) return;
  prototypesWrapped = true;
  const classes = [
    [IncomingMessage.prototype, requestListenerContext],
    [ServerResponse.prototype, responseListenerContext],
  ] as const;
  for (const [prototype, contextOf] of classes) {
    for (const method of REGISTER_METHODS) {
      const original = (prototype as unknown as Record<string, Register>)[method];
      if (typeof original !== 'function') continue;
      const register: Register = function register(this: EventEmitter, event, listener) {
        const context = contextOf(this);
        if (context === undefined || typeof listener !== 'function' || isNodeCleanup(listener)) {
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

/**
 * Binds a Node server request and its response to a request's {@link ContextSlot}: listeners
 * added to either from now on run in it, whoever emits (see {@link bindEmitter} for why), and
 * {@link requestContext} returns its context. What {@link runServerRequest} does before it runs
 * the app; for adapters that learn the context before they can run anything in it (Fastify's
 * `genReqId`).
 *
 * Costs one WeakMap entry, keyed by the request: nothing is written on the request itself.
 *
 * @example
 * ```ts
 * bindRequestContext(request, scope);
 * request.on('end', () => getContext()); // scope.context, whoever emits
 * ```
 */
export function bindRequestContext(request: IncomingMessage, scope: ContextSlot): void {
  wrapHttpPrototypes();
  listenerContexts.set(request, scope);
}

/**
 * The context a Node server request (or its response) was bound to by hoptrace's server
 * adapters, or `undefined`. Unlike {@link getContext}, it works from anywhere that holds the
 * request: code that runs outside the request's async context, a request kept for later.
 *
 * @example
 * ```ts
 * // An Express error handler registered where the request's async context may be lost:
 * app.use((error, request, response, next) => log(requestContext(request)?.requestId));
 * ```
 */
export function requestContext(
  requestOrResponse: IncomingMessage | ServerResponse,
): TraceContext | undefined {
  return requestContextSlot(requestOrResponse)?.context;
}

/**
 * The {@link ContextSlot} a Node server request (or its response) was bound to, or `undefined`:
 * {@link requestContext} without reading the trace headers, for adapters that need only the
 * request ID or the scope itself (to re-enter it).
 *
 * @example
 * ```ts
 * requestContextSlot(request)?.requestId;
 * ```
 */
export function requestContextSlot(
  requestOrResponse: IncomingMessage | ServerResponse,
): ContextSlot | undefined {
  return requestOrResponse instanceof ServerResponse
    ? responseListenerContext(requestOrResponse as unknown as HttpResponse)
    : requestListenerContext(requestOrResponse);
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
    const scope = contextStorage().getStore();
    if (scope === undefined) return emitter;
    wrapHttpPrototypes();
    // A response whose request is bound to this scope already needs no mark of its own.
    if (!(emitter instanceof ServerResponse) || responseListenerContext(emitter) !== scope) {
      listenerContexts.set(emitter, scope);
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
