import { format } from 'node:util';
import { type ContextSlot, contextStorage, dataProperty } from '@hoptrace/core/adapter';
import { stateErrorHeader, stateScope } from './state-context.js';

/** The members of a Koa context this module touches: Koa's default error handler and the state. */
export interface ErrorHandlingContext {
  onerror(error: Error): void;
  state?: object;
}

type ErrorWithHeaders = Error & { headers?: unknown };

/** What an error answer must carry: the request's scope and the name of its request ID header. */
interface KeptHeader {
  readonly scope: ContextSlot;
  readonly headerName: string;
}

const NOTHING_TO_RESTORE = (): void => {};

/** The Koa context prototypes (`app.context`) whose `onerror` is already wrapped. */
const wrappedPrototypes = new WeakSet<object>();
/** The prototype wrapped or found wrapped last: an app's every request has the same one. */
let lastWrapped: object | undefined;

/**
 * Makes Koa's error response carry the request ID header, and runs Koa's error handling (its
 * response and the app's `'error'` event) in the request's trace context.
 *
 * Why: when a middleware throws, `ctx.onerror` removes EVERY response header (`res.removeHeader`
 * for each name) and then sets only `err.headers`, so the request ID set by `openServerRequest`
 * is gone from exactly the responses one most wants to trace. And Koa calls `ctx.onerror` from a
 * promise chain it built before any middleware ran, outside the request's AsyncLocalStorage
 * context, so `app.on('error', …)` listeners could not log the request ID.
 *
 * How: `ctx.onerror` is looked up on `ctx` each time Koa needs it (after a middleware throws, when
 * a body stream fails in Koa 2, when the response errors), so wrapping it where `ctx` finds it
 * (the app's context prototype, once; a ctx's own handler otherwise) covers every path, including
 * errors that never pass through our middleware. The prototype's wrapper finds the request's scope
 * and header name on `ctx.state`, where `exposeContext` put them. The wrapper hands
 * Koa's own handler (or the app's replacement of it) the same error with the request ID added to
 * `err.headers`, then takes that addition off again: an error object shared between requests must
 * not keep one request's ID. Thrown values that are not errors become the `Error` Koa itself would
 * make of them (`non-error thrown: …`), so that they, too, can carry the header.
 *
 * @example
 * ```ts
 * const scope = openServerRequest(engine, { request: ctx.req, response: ctx.res });
 * exposeContext(ctx, scope, engine.options.requestIdHeader);
 * keepRequestIdOnErrors(ctx, scope, engine.options.requestIdHeader);
 * ```
 */
export function keepRequestIdOnErrors(
  ctx: ErrorHandlingContext,
  scope: ContextSlot,
  headerName: string,
): void {
  const prototype: unknown = Object.getPrototypeOf(ctx);
  // A real Koa ctx inherits onerror from app.context: wrap that once per app, and let it find the
  // scope on ctx.state. Giving each ctx its own onerror instead costs V8 a new object shape per
  // request (measured: +19% instructions per request on a Koa hello-world). Only that cost keeps
  // this patch: with the per-ctx wrapper below for every ctx, every test passes. Without any
  // wrapper, `test/koa-errors.test.ts` and `src/keep-request-id-on-errors.test.ts`
  // "keepRequestIdOnErrors > hands Koa's handler the same error with the header, in the context,
  // then undoes it" fail.
  if (
    !Object.hasOwn(ctx, 'onerror') &&
    stateScope(ctx.state) === scope &&
    stateErrorHeader(ctx.state) === headerName &&
    isObject(prototype)
  ) {
    if (prototype !== lastWrapped) {
      if (!wrappedPrototypes.has(prototype))
        wrapPrototypeOnerror(prototype as ErrorHandlingContext);
      lastWrapped = prototype;
    }
    return;
  }
  // Anything else (an app that set its own onerror on this ctx): wrap this ctx's handler.
  const onerror = ctx.onerror;
  const kept: KeptHeader = { scope, headerName };
  ctx.onerror = function hoptraceOnerror(thrown: unknown): void {
    handleError(ctx, onerror, thrown, kept);
  };
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function wrapPrototypeOnerror(prototype: ErrorHandlingContext): void {
  wrappedPrototypes.add(prototype);
  const onerror = prototype.onerror;
  prototype.onerror = function hoptraceOnerror(this: ErrorHandlingContext, thrown: unknown): void {
    // Koa calls it with null for every request that finishes (on-finished's callback); its own
    // handler returns at once then, and so does this one, with no context to enter.
    if (thrown === null || thrown === undefined) {
      onerror.call(this, thrown as never);
      return;
    }
    const scope = stateScope(this.state);
    const headerName = stateErrorHeader(this.state);
    if (scope === undefined || headerName === undefined) onerror.call(this, thrown as Error);
    else handleError(this, onerror, thrown, { scope, headerName });
  };
}

/** Runs Koa's `onerror` for `ctx` in the request's scope, the request ID header on the error. */
function handleError(
  ctx: ErrorHandlingContext,
  onerror: (error: Error) => void,
  thrown: unknown,
  { scope, headerName }: KeptHeader,
): void {
  contextStorage().run(scope, () => {
    // Koa's handler returns at once on null/undefined (so it can be a node-style callback).
    if (thrown === null || thrown === undefined) return onerror.call(ctx, thrown as never);
    const [error, restore] = withHeader(asError(thrown), headerName, scope.requestId);
    try {
      onerror.call(ctx, error);
    } finally {
      restore();
    }
  });
}

/** Koa's own test and conversion (`context.js`, `onerror`), done early so the header can ride on it. */
function asError(thrown: unknown): Error {
  const isError =
    Object.prototype.toString.call(thrown) === '[object Error]' || thrown instanceof Error;
  return isError ? (thrown as Error) : new Error(format('non-error thrown: %j', thrown));
}

/**
 * `error` with `headerName: requestId` merged into `error.headers`, and how to undo that. A value
 * the app put in `err.headers` under that name (in any case) wins, as `ctx.set` wins on a normal
 * response. Never throws.
 */
function withHeader(
  error: ErrorWithHeaders,
  headerName: string,
  requestId: string,
): [Error, () => void] {
  const existing = typeof error.headers === 'object' && error.headers !== null ? error.headers : {};
  if (Object.keys(existing).some((name) => name.toLowerCase() === headerName)) {
    return [error, NOTHING_TO_RESTORE];
  }
  const headers = { ...existing, [headerName]: requestId };
  const own = Object.getOwnPropertyDescriptor(error, 'headers');
  const definable = own === undefined ? Object.isExtensible(error) : own.configurable === true;
  if (definable) {
    Object.defineProperty(error, 'headers', dataProperty(headers));
    return [
      error,
      () => {
        try {
          if (own === undefined) delete error.headers;
          else Object.defineProperty(error, 'headers', own);
        } catch {
          // An 'error' listener froze the error meanwhile: the addition stays on it.
        }
      },
    ];
  }
  return [writableCopy(error, headers), NOTHING_TO_RESTORE];
}

/**
 * A copy of `error` (same prototype, every own property) that Koa can write to, for an error
 * whose `headers` cannot be set (frozen, sealed). Koa's handler also assigns `err.status` and
 * `err.headerSent`, which throws on such an error and, uncaught in Koa's promise chain, is an
 * unhandled rejection: the copy lets Koa answer instead.
 */
function writableCopy(error: Error, headers: Record<string, unknown>): Error {
  const descriptors = Object.getOwnPropertyDescriptors(error);
  for (const descriptor of Object.values(descriptors)) {
    descriptor.configurable = true;
    if ('value' in descriptor) descriptor.writable = true;
  }
  return Object.create(Object.getPrototypeOf(error), {
    ...descriptors,
    headers: dataProperty(headers),
  }) as Error;
}
