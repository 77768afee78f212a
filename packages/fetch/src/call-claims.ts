import type { TraceContext } from '@hoptrace/core';

/**
 * The calls a hoptrace client (`wrapFetch`, the undici interceptor, `instrumentAxios`) is already
 * recording, so that `instrumentOutbound`'s hooks, which see the same call again further down
 * (undici's `request:create`, `node:http`'s request), do not record it a second time: one call,
 * one observation, one entry in a diagnostic trail.
 *
 * A count per key, per request context: parallel calls to one URL with one request ID (forward
 * mode) each claim once and are each taken once. On `globalThis` under a registered symbol, so the
 * ESM and CJS copies of this package share them.
 */
const claims: WeakMap<TraceContext, Map<string, number>> = ((): WeakMap<
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
 */
export function callKey(requestId: string, method: string, url: URL | undefined): string {
  return `${requestId} ${method.toUpperCase()} ${url === undefined ? '' : `${url.origin}${url.pathname}`}`;
}

/**
 * Claims the call `key` in `context` for a client that records it; returns the release, called
 * once the call is recorded (a claim the hooks never took must not hide a later call).
 */
export function claimCall(context: TraceContext, key: string): () => void {
  let byKey = claims.get(context);
  if (byKey === undefined) {
    byKey = new Map();
    claims.set(context, byKey);
  }
  byKey.set(key, (byKey.get(key) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    takeClaim(context, key);
  };
}

/** Whether a client claimed the call `key` in `context`; takes one claim when it did. */
export function takeClaim(context: TraceContext, key: string): boolean {
  const byKey = claims.get(context);
  const count = byKey?.get(key);
  if (byKey === undefined || count === undefined) return false;
  if (count > 1) byKey.set(key, count - 1);
  else byKey.delete(key);
  return true;
}
