import { IncomingMessage } from 'node:http';
import { requestContext, requestContextSlot } from '@hoptrace/core';

/** On Express's request prototype: set once `id` and `hoptrace` are accessors there. */
const INSTALLED = Symbol.for('hoptrace.express.request-accessors');

type Marked = { [INSTALLED]?: true };

/** A data property, as a plain assignment would have made it. */
function defineOwn(target: object, key: 'id' | 'hoptrace', value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

const ACCESSORS: PropertyDescriptorMap = {
  id: {
    get(this: IncomingMessage) {
      return requestContextSlot(this)?.requestId;
    },
    // pino-http and express-request-id assign `req.id` themselves: their value then wins, as an
    // own property would have.
    set(this: IncomingMessage, value: unknown) {
      defineOwn(this, 'id', value);
    },
    configurable: true,
    enumerable: false,
  },
  hoptrace: {
    get(this: IncomingMessage) {
      return requestContext(this);
    },
    set(this: IncomingMessage, value: unknown) {
      defineOwn(this, 'hoptrace', value);
    },
    configurable: true,
    enumerable: false,
  },
  [INSTALLED]: { value: true, configurable: true, enumerable: false },
};

/**
 * Express's own request prototype (the `request` object of `express/lib/request.js`): the one in
 * the request's prototype chain right above `http.IncomingMessage.prototype`. Every app and
 * sub-app of that Express copy inherits from it (`app.request = Object.create(request)`), and
 * Express swaps between those per app while a request travels through mounted apps.
 */
function expressRequestPrototype(request: object): object | undefined {
  let prototype: unknown = Object.getPrototypeOf(request);
  while (typeof prototype === 'object' && prototype !== null) {
    const parent: unknown = Object.getPrototypeOf(prototype);
    if (parent === IncomingMessage.prototype) return prototype;
    prototype = parent;
  }
  return undefined;
}

/**
 * Makes `req.id` and `req.hoptrace` of every request of this Express copy read the context that
 * `runServerRequest` bound to the request, instead of writing two own properties per request.
 * Returns whether `request` reads them so (otherwise the caller sets own properties).
 *
 * Why: Express calls `Object.setPrototypeOf` on every request, and V8 then gives that request a
 * new object shape, with a copy of every property descriptor, for each property added afterwards
 * (about 1 KB each). Two accessors on the shared prototype cost nothing per request; the one
 * property hoptrace still writes is core's binding of the request to its context. They also
 * keep the trace headers unread until `req.hoptrace` (or `getContext()`) is first read: `req.id`
 * needs the request ID only.
 *
 * Left alone (own properties instead): a request whose chain has no Express prototype above
 * `IncomingMessage`, and a prototype chain where `id` or `hoptrace` already means something.
 */
export function readsContextThroughAccessors(request: IncomingMessage): boolean {
  if ((request as Marked)[INSTALLED] === true) return true;
  const prototype = expressRequestPrototype(request);
  if (prototype === undefined || 'id' in prototype || 'hoptrace' in prototype) return false;
  Object.defineProperties(prototype, ACCESSORS);
  return true;
}
