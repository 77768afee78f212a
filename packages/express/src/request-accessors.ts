import { IncomingMessage } from 'node:http';
import { lazyField, requestContext, requestContextSlot } from '@hoptrace/core/adapter';

/** On Express's request prototype: set once `id` and `hoptrace` are accessors there. */
const INSTALLED = Symbol.for('hoptrace.express.request-accessors');

type Marked = { [INSTALLED]?: true };

const ACCESSORS: PropertyDescriptorMap = {
  // pino-http and express-request-id assign `req.id` themselves: their value then wins, as an own
  // property would have (lazyField's setter).
  id: lazyField('id', (request: IncomingMessage) => requestContextSlot(request)?.requestId),
  hoptrace: lazyField('hoptrace', requestContext),
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
 * Installs `req.id` and `req.hoptrace` as accessors on Express's request prototype, once per
 * Express copy, so that every request of that copy reads them from the context `runServerRequest`
 * bound to it instead of getting two own properties. Returns whether `request` reads them so
 * (otherwise the caller sets own properties).
 *
 * Why: Express calls `Object.setPrototypeOf` on every request, and V8 then gives that request a
 * new object shape, with a copy of every property descriptor, for each property added afterwards
 * (about 1 KB each). Two accessors on the shared prototype cost nothing per request, and
 * hoptrace writes no property on the request at all (core keys its binding by the request). They also
 * keep the trace headers unread until `req.hoptrace` (or `getContext()`) is first read: `req.id`
 * needs the request ID only.
 *
 * Left alone (own properties instead): a request whose chain has no Express prototype above
 * `IncomingMessage`, and a prototype chain where `id` or `hoptrace` already means something.
 *
 * Without this patch (own data properties on every request), `test/trace-read-on-first-use.test.ts`
 * "… trace headers read on first use > leaves them unread when the handler reads req.id and
 * getRequestId()" fails. The same two accessors defined on each request instead pass every test:
 * the prototype is kept for the per-request cost above, not for behaviour.
 */
export function installRequestAccessors(request: IncomingMessage): boolean {
  if ((request as Marked)[INSTALLED] === true) return true;
  const prototype = expressRequestPrototype(request);
  if (prototype === undefined || 'id' in prototype || 'hoptrace' in prototype) return false;
  Object.defineProperties(prototype, ACCESSORS);
  return true;
}
