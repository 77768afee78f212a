import type { ContextSlot, TraceContext } from '@hoptrace/core';

/** On `ctx.state`: the request's slot, read by `ctx.state.hoptrace` and by Koa's error handling. */
const STATE_SLOT = Symbol('hoptrace.koa.state-slot');
/** On `ctx.state`: the response header Koa's error handling must keep (the middleware's option). */
const ERROR_HEADER = Symbol('hoptrace.koa.error-header');

/**
 * The `ctx.state` of a request hoptrace opened: `requestId` and the keys earlier middleware set
 * are own data properties; `hoptrace` is a getter of this class, which reads the trace headers
 * the first time it is read (see core's `ContextSlot`).
 *
 * Why a class and not Koa's `{}` with an own accessor: `Object.defineProperty` of an accessor is a
 * runtime call that cost a Koa hello-world about three points of its throughput (measured against
 * a data property in the same windows, `bench/README.md`); a getter on the prototype costs
 * nothing until it is read. What changes for an app: `hoptrace` is not an own property, so
 * `{ ...ctx.state }` and `Object.assign({}, ctx.state)` leave it out (as they leave out every
 * class's getters; `requestId` is kept). `JSON.stringify(ctx.state)` includes it, through
 * {@link RequestState.toJSON}.
 */
class RequestState {
  declare [STATE_SLOT]: ContextSlot;
  declare [ERROR_HEADER]: string;
  declare requestId: string;

  constructor(slot: ContextSlot, errorHeader: string, previous: object | undefined) {
    if (previous !== undefined) carryOver(this, previous);
    // Assigned, not declared as fields: one object shape for every request, in this order.
    this[STATE_SLOT] = slot;
    this[ERROR_HEADER] = errorHeader;
    this.requestId = slot.requestId;
  }

  /** The request's whole context, its trace headers read on the first call. */
  get hoptrace(): TraceContext {
    return this[STATE_SLOT].context;
  }

  /**
   * What `JSON.stringify(ctx.state)` writes: the own keys and `hoptrace`, as for the plain object
   * Koa made, so a state logged as JSON still shows the trace.
   */
  toJSON(): object {
    return { ...this, hoptrace: this.hoptrace };
  }

  /** An app that assigns `ctx.state.hoptrace` gets its value back, as with a plain field. */
  set hoptrace(value: TraceContext) {
    defineOwn(this, 'hoptrace', value);
  }
}

/** A data property, as a plain assignment would have made it, whatever `target` inherits. */
function defineOwn(target: object, key: PropertyKey, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

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
      defineOwn(state, key, (previous as Record<PropertyKey, unknown>)[key]);
    }
  }
  if (Object.hasOwn(state, 'hoptrace')) delete (state as { hoptrace?: unknown }).hoptrace;
}

/**
 * Makes `ctx.state` a {@link RequestState} for `slot`: `ctx.state.requestId` is the request ID,
 * `ctx.state.hoptrace` reads the context on first use, so that a request that never looks at its
 * trace pays for its request ID only. `errorHeader` is the response header Koa's error handling
 * must keep ({@link stateErrorHeader}).
 *
 * @example
 * ```ts
 * exposeContext(ctx, slot, 'x-request-id');
 * ctx.state.requestId; // slot.requestId
 * ctx.state.hoptrace.traceId; // the trace headers are read here
 * ```
 */
export function exposeContext(
  ctx: { state?: object },
  slot: ContextSlot,
  errorHeader: string,
): void {
  ctx.state = new RequestState(slot, errorHeader, ctx.state);
}

/**
 * The slot {@link exposeContext} put on `ctx.state`, or `undefined` (an app replaced `ctx.state`,
 * or hoptrace never ran for this request).
 *
 * @example
 * ```ts
 * stateSlot(ctx.state)?.requestId;
 * ```
 */
export function stateSlot(state: object | undefined): ContextSlot | undefined {
  // Read, not `instanceof`: a state an app rebuilt with `{ ...ctx.state, user }` keeps the slot.
  return (state as Partial<RequestState> | undefined)?.[STATE_SLOT];
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
