import type { ContextSlot, TraceContext } from '@hoptrace/core';

/** On `ctx.state`: the request's slot, read by `ctx.state.hoptrace` and by Koa's error handling. */
const STATE_SLOT = Symbol('hoptrace.koa.state-slot');

type SlotState = { [STATE_SLOT]?: ContextSlot };

/** A data property, as a plain assignment would have made it. */
function defineOwn(target: object, value: unknown): void {
  Object.defineProperty(target, 'hoptrace', {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/**
 * One descriptor for every request: V8 reuses the object shape of a `ctx.state` that received
 * the same getter and setter before, so the accessor costs what a data property would.
 */
const HOPTRACE_ACCESSOR: PropertyDescriptor = {
  get(this: SlotState): TraceContext | undefined {
    return this[STATE_SLOT]?.context;
  },
  // An app that assigns `ctx.state.hoptrace` itself gets its value back, as with a plain field.
  set(this: SlotState, value: unknown) {
    defineOwn(this, value);
  },
  enumerable: true,
  configurable: true,
};

/**
 * Puts the request's context on Koa's `ctx.state`: `requestId` as a value, `hoptrace` as an
 * accessor that reads the trace headers the first time it is read (see core's `ContextSlot`), so
 * that a request that never looks at its trace pays for its request ID only.
 *
 * @example
 * ```ts
 * exposeContext(ctx.state, slot);
 * ctx.state.requestId; // slot.requestId
 * ctx.state.hoptrace.traceId; // the trace headers are read here
 * ```
 */
export function exposeContext(state: object, slot: ContextSlot): void {
  const slotState = state as SlotState & { requestId?: string };
  slotState[STATE_SLOT] = slot;
  slotState.requestId = slot.requestId;
  Object.defineProperty(state, 'hoptrace', HOPTRACE_ACCESSOR);
}

/**
 * The slot {@link exposeContext} put on `ctx.state`, or `undefined`.
 *
 * @example
 * ```ts
 * stateSlot(ctx.state)?.requestId;
 * ```
 */
export function stateSlot(state: object | undefined): ContextSlot | undefined {
  return (state as SlotState | undefined)?.[STATE_SLOT];
}
