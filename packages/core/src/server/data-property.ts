/**
 * The descriptor of a plain data property holding `value`: writable, enumerable and configurable,
 * as `target.key = value` makes on an object that has no such key.
 *
 * @example
 * ```ts
 * Object.create(Object.getPrototypeOf(error), { headers: dataProperty({ 'x-request-id': id }) });
 * ```
 */
export function dataProperty(value: unknown): PropertyDescriptor {
  return { value, writable: true, enumerable: true, configurable: true };
}

/**
 * Gives `target` an own data property `key` holding `value`, as a plain assignment would on an
 * object that inherited nothing under that name. What an adapter's setter does when an app
 * assigns a field hoptrace reads through an accessor (`req.id = …`, `ctx.state.hoptrace = …`):
 * an assignment would call the inherited setter again, and `Object.assign` skips accessors.
 *
 * @example
 * ```ts
 * defineDataProperty(request, 'id', 'assigned-by-pino-http');
 * Object.hasOwn(request, 'id'); // true; the prototype's accessor no longer answers for it
 * ```
 */
export function defineDataProperty(target: object, key: PropertyKey, value: unknown): void {
  Object.defineProperty(target, key, dataProperty(value));
}
