import type { TraceContext } from '@hoptrace/core';
import { type ContextSlot, defineDataProperty, lazyField } from '@hoptrace/core/adapter';

/** On `ctx.state`: the request's scope, read by `ctx.state.hoptrace` and Koa's error handling. */
const STATE_SCOPE = Symbol('hoptrace.koa.state-scope');
/** On `ctx.state`: the response header Koa's error handling must keep (the middleware's option). */
const ERROR_HEADER = Symbol('hoptrace.koa.error-header');

/**
 * The `ctx.state` of a request hoptrace opened: `requestId` and the keys earlier middleware set
 * are own data properties; `hoptrace` is a getter on this class's prototype (core's `lazyField`),
 * which reads the trace headers the first time it is read (see core's `ContextSlot`).
 *
 * Why a class and not Koa's `{}` with an own accessor: `Object.defineProperty` of an accessor is a
 * runtime call that cost a Koa hello-world about three points of its throughput (measured against
 * a data property in the same windows, `bench/README.md`); a getter on the prototype costs
 * nothing until it is read. What changes for an app: `hoptrace` is not an own property, so
 * `{ ...ctx.state }` and `Object.assign({}, ctx.state)` leave it out (as they leave out every
 * class's getters; `requestId` is kept). `JSON.stringify(ctx.state)` includes it, through
 * {@link RequestState.toJSON}.
 *
 * Koa's own prototypes are not touched: each request's `ctx.state` is replaced. Keeping Koa's `{}`
 * with own accessors instead fails `src/state-context.test.ts` "stateScope and stateErrorHeader >
 * find the scope and header on ctx.state, and on a state rebuilt by spreading it" and "exposeContext
 * > writes hoptrace into JSON.stringify(ctx.state), with the own keys".
 */
class RequestState {
  declare [STATE_SCOPE]: ContextSlot;
  declare [ERROR_HEADER]: string;
  declare requestId: string;
  /**
   * The request's whole context, its trace headers read on the first read. An app that assigns
   * `ctx.state.hoptrace` gets its value back, as with a plain field.
   */
  declare hoptrace: TraceContext;

  constructor(scope: ContextSlot, errorHeader: string, previous: object | undefined) {
    if (previous !== undefined) carryOver(this, previous);
    // Assigned, not declared as fields: one object shape for every request, in this order.
    this[STATE_SCOPE] = scope;
    this[ERROR_HEADER] = errorHeader;
    this.requestId = scope.requestId;
  }

  /**
   * What `JSON.stringify(ctx.state)` writes: the own keys and `hoptrace`, as for the plain object
   * Koa made, so a state logged as JSON still shows the trace.
   */
  toJSON(): object {
    return { ...this, hoptrace: this.hoptrace };
  }
}
Object.defineProperty(
  RequestState.prototype,
  'hoptrace',
  lazyField('hoptrace', (state: RequestState) => state[STATE_SCOPE].context),
);

/**
 * Keeps what a middleware registered before hoptrace put on `ctx.state` (Koa's own is empty), but
 * not over hoptrace's own fields: `requestId` (assigned after this) and `hoptrace` are this
 * request's, whatever was there.
 *
 * `Object.assign` because it returns at once for Koa's empty `{}` and copies symbol keys too
 * (`Object.getOwnPropertySymbols` would cost every request a runtime call and an array). It
 * assigns, so a source with an own `__proto__` key (JSON.parse makes those) is copied by
 * definition instead, which keeps that a key rather than this object's prototype.
 */
function carryOver(state: RequestState, previous: object): void {
  if (!Object.hasOwn(previous, '__proto__')) Object.assign(state, previous);
  else {
    for (const key of Reflect.ownKeys(previous)) {
      if (!Object.prototype.propertyIsEnumerable.call(previous, key)) continue;
      defineDataProperty(state, key, (previous as Record<PropertyKey, unknown>)[key]);
    }
  }
  if (Object.hasOwn(state, 'hoptrace')) delete (state as { hoptrace?: unknown }).hoptrace;
}

/**
 * Makes `ctx.state` a {@link RequestState} for `scope`: `ctx.state.requestId` is the request ID,
 * `ctx.state.hoptrace` reads the context on first use, so that a request that never looks at its
 * trace pays for its request ID only. `errorHeader` is the response header Koa's error handling
 * must keep ({@link stateErrorHeader}).
 *
 * @example
 * ```ts
 * exposeContext(ctx, scope, 'x-request-id');
 * ctx.state.requestId; // scope.requestId
 * ctx.state.hoptrace.traceId; // the trace headers are read here
 * ```
 */
export function exposeContext(
  ctx: { state?: object },
  scope: ContextSlot,
  errorHeader: string,
): void {
  ctx.state = new RequestState(scope, errorHeader, ctx.state);
}

/**
 * The scope {@link exposeContext} put on `ctx.state`, or `undefined` (an app replaced
 * `ctx.state`, or hoptrace never ran for this request).
 *
 * @example
 * ```ts
 * stateScope(ctx.state)?.requestId;
 * ```
 */
export function stateScope(state: object | undefined): ContextSlot | undefined {
  // Read, not `instanceof`: a state an app rebuilt with `{ ...ctx.state, user }` keeps the scope.
  return (state as Partial<RequestState> | undefined)?.[STATE_SCOPE];
}

/**
 * The response header {@link exposeContext} was told Koa's error handling must keep, or
 * `undefined`.
 *
 * @example
 * ```ts
 * stateErrorHeader(ctx.state); // 'x-request-id'
 * ```
 */
export function stateErrorHeader(state: object | undefined): string | undefined {
  return (state as Partial<RequestState> | undefined)?.[ERROR_HEADER];
}
