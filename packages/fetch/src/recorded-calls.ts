import type { TraceContext } from '@hoptrace/core';

/**
 * The calls a hoptrace client (`wrapFetch`, the undici interceptor, `instrumentAxios`) is already
 * recording, so that `instrumentOutbound`'s hooks, which see the same call again further down
 * (undici's `request:create`, `node:http`'s request), do not record it a second time: one call,
 * one observation, one entry in a diagnostic trail.
 *
 * A count per key, per request context: parallel calls to one URL with one request ID (forward
 * mode) are each marked once and each taken once. On `globalThis` under a registered symbol, so
 * the ESM and CJS copies of this package share them; the symbol keeps its old name
 * (`call-claims`) so that a copy of an earlier release still shares the same table.
 */
const recording: WeakMap<TraceContext, Map<string, number>> = ((): WeakMap<
  TraceContext,
  Map<string, number>
> => {
  const key = Symbol.for('hoptrace.call-claims.v1');
  const global = globalThis as { [key]?: WeakMap<TraceContext, Map<string, number>> };
  global[key] ??= new WeakMap();
  return global[key];
})();

/**
 * What identifies a call on both sides: the request ID it carries, its method and its URL's
 * origin and path (the query is left out: clients encode it differently).
 *
 * @example
 * ```ts
 * recordingKey('req-1', 'get', new URL('http://a.internal/x?q=1')); // 'req-1 GET http://a.internal/x'
 * ```
 */
export function recordingKey(requestId: string, method: string, url: URL | undefined): string {
  return `${requestId} ${method.toUpperCase()} ${url === undefined ? '' : `${url.origin}${url.pathname}`}`;
}

/**
 * Notes that a client records the call `key` in `context`; returns the function that forgets it,
 * called once the call is recorded (a mark the hooks never took must not hide a later call).
 *
 * @example
 * ```ts
 * const forget = markRecordedByClient(context, key);
 * // … response arrived, observation written
 * forget();
 * ```
 */
export function markRecordedByClient(context: TraceContext, key: string): () => void {
  let byKey = recording.get(context);
  if (byKey === undefined) {
    byKey = new Map();
    recording.set(context, byKey);
  }
  byKey.set(key, (byKey.get(key) ?? 0) + 1);
  let forgotten = false;
  return () => {
    if (forgotten) return;
    forgotten = true;
    takeRecordedByClient(context, key);
  };
}

/**
 * Whether a client records the call `key` in `context`; when it does, one mark is taken, so the
 * hook that asked leaves that call to the client.
 *
 * @example
 * ```ts
 * if (takeRecordedByClient(context, key)) return; // in a hook: the client records this one
 * ```
 */
export function takeRecordedByClient(context: TraceContext, key: string): boolean {
  const byKey = recording.get(context);
  const count = byKey?.get(key);
  if (byKey === undefined || count === undefined) return false;
  if (count > 1) byKey.set(key, count - 1);
  else byKey.delete(key);
  return true;
}
