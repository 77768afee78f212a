import type { ResolvedOptions } from '../engine/options.js';
import type { TraceContext } from './trace-context.js';

/**
 * The part of a request's {@link TraceContext} not read yet: everything but the request ID.
 * `finish` reads it and never throws on request input.
 */
export interface PendingContext {
  finish(requestId: string): TraceContext;
}

/**
 * What hoptrace's AsyncLocalStorage holds for one request: the request ID, known from the moment
 * the request arrived, and its {@link TraceContext}, read from the request's headers the first
 * time something asks for it (`getContext()`, a log line's `logFields()`, an outbound call), then
 * kept.
 *
 * Why: a server must know the request ID before it can answer (the response header), but not the
 * trace. Validating every trace format of every request up front cost a hello-world about six
 * points of its throughput (bench/README.md); a request that never looks at its trace (a health
 * check, a static file) now pays for the request ID only. What a request sees is the same either
 * way, unless middleware rewrites `request.headers` before the first use: the trace headers are
 * read from them as they are then.
 *
 * Applications never see a slot: {@link getContext} and `requestContext(request)` return the
 * context. Adapters hand slots around (`openServerRequest` returns one) and put them in
 * `contextStorage()`.
 *
 * @example
 * ```ts
 * const slot = ContextSlot.of(extract(message.headers));
 * contextStorage().run(slot, () => handleJob(message));
 * slot.requestId; // the request ID, without reading the trace headers
 * slot.context; // the whole TraceContext
 * ```
 */
export class ContextSlot {
  /** The request ID: the incoming one when valid and trusted, otherwise a generated one. */
  readonly requestId: string;
  /**
   * The options of the server side that opened the request (its adapter's), which the outbound
   * calls made inside it follow: one configuration serves both sides. `undefined` for a slot
   * made from a context in hand.
   */
  readonly options: ResolvedOptions | undefined;
  private resolved: TraceContext | undefined;
  private pending: PendingContext | undefined;

  /**
   * A slot whose context is read from `pending` on first use. Adapters get theirs from
   * `openServerRequest`; {@link ContextSlot.of} makes one for a context in hand.
   */
  constructor(requestId: string, pending?: PendingContext, options?: ResolvedOptions) {
    this.requestId = requestId;
    this.options = options;
    this.resolved = undefined;
    this.pending = pending;
  }

  /**
   * A slot for a context read already (`extract()`'s result, a context from a queue message).
   *
   * @example
   * ```ts
   * contextStorage().run(ContextSlot.of(context), callback);
   * ```
   */
  static of(context: TraceContext): ContextSlot {
    return new ContextSlot(context.requestId, { finish: () => context });
  }

  /** The request's whole {@link TraceContext}: read on the first call, the same object after. */
  get context(): TraceContext {
    let context = this.resolved;
    if (context === undefined) {
      context = (this.pending as PendingContext).finish(this.requestId);
      this.resolved = context;
      // The headers and the framework's request can then go with the response instead of living
      // as long as the slot (timers and promises started by the request keep it).
      this.pending = undefined;
    }
    return context;
  }
}
