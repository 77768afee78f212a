import type { TraceContext } from '@hoptrace/core';

/**
 * What {@link hoptrace} puts on `ctx.state` of every request, before any later middleware runs.
 *
 * Koa apps typed with the default state (`new Koa()`) see these fields with no cast, through the
 * `DefaultState` augmentation below. An app that passes its own state type (`new Koa<MyState>()`)
 * replaces `DefaultState`, so that augmentation no longer applies: `app.use(hoptrace())` then adds
 * `HoptraceState` to the app's state type (Koa's `use` merges a middleware's state into the app's),
 * or write it in yourself: `new Koa<MyState & HoptraceState>()`.
 *
 * @example
 * ```ts
 * import Koa from 'koa';
 * import { hoptrace, type HoptraceState } from '@hoptrace/koa';
 *
 * const app = new Koa<HoptraceState & { user?: string }>().use(hoptrace());
 * app.use((ctx) => {
 *   ctx.body = { requestId: ctx.state.requestId, trace: ctx.state.hoptrace.traceId };
 * });
 * ```
 */
export interface HoptraceState {
  /** This request's ID (`TraceContext.requestId`): the incoming one when valid, else a new UUID. */
  requestId: string;
  /** This request's whole trace context, the same object `getContext()` returns in the request. */
  hoptrace: TraceContext;
}

declare module 'koa' {
  /** Augmented by `@hoptrace/koa`: every request's state carries its request ID and trace context. */
  interface DefaultState extends HoptraceState {}
}
