/**
 * The one value this process keeps on `globalThis` under `key`, made by `create` the first time
 * any copy of this package asks for it. With a `Symbol.for` key every copy (the ESM and the CJS
 * build loaded side by side, two installed versions, a bridge's copy) gets the same value. The
 * property is not enumerable and can never be replaced, so no copy can swap it for another.
 *
 * @example
 * ```ts
 * const storage = processGlobal(Symbol.for('hoptrace.context-storage.v2'), () => new AsyncLocalStorage());
 * ```
 */
export function processGlobal<Value>(key: symbol, create: () => Value): Value {
  const global = globalThis as typeof globalThis & { [key: symbol]: Value | undefined };
  const existing = global[key];
  if (existing !== undefined) return existing;
  const value = create();
  Object.defineProperty(global, key, {
    value,
    enumerable: false,
    configurable: false,
    writable: false,
  });
  return value;
}
