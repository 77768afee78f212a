import { defineDataProperty } from './data-property.js';

/**
 * The descriptor of an accessor for a field a framework object shows on every request (Express's
 * `req.id` and `req.hoptrace`, Koa's `ctx.state.hoptrace`, Fastify's `request.hoptrace`), meant to
 * be defined once on a prototype: reading it calls `read(owner)` each time; assigning it gives
 * that object an own data property with the value (see {@link defineDataProperty}), which then
 * answers instead, as with a plain field. Not enumerable, like every accessor on a prototype.
 *
 * Why: writing a field on every request costs a property write (and, on objects whose prototype
 * was swapped, as Express's requests are, a new object shape of about 1 KB); a getter on the
 * prototype costs nothing until it is read. And the request's trace headers are read only when
 * the field is: `read` returns `scope.context`, which reads them on first use.
 *
 * @example
 * ```ts
 * Object.defineProperty(
 *   ExpressRequest.prototype,
 *   'hoptrace',
 *   lazyField('hoptrace', (request: IncomingMessage) => requestContext(request)),
 * );
 * ```
 */
export function lazyField<Owner extends object>(
  key: PropertyKey,
  read: (owner: Owner) => unknown,
): PropertyDescriptor {
  return {
    get(this: Owner): unknown {
      return read(this);
    },
    set(this: Owner, value: unknown): void {
      defineDataProperty(this, key, value);
    },
    enumerable: false,
    configurable: true,
  };
}
