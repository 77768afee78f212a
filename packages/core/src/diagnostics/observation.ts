import { AsyncResource } from 'node:async_hooks';
import { Console as NodeConsole } from 'node:console';
import { performance } from 'node:perf_hooks';
import { contextStorage } from '../context/context-storage.js';
import { HoptraceOptionsError } from '../errors.js';

/** Envoy's response flags for a call that got no response: see {@link ClientObservation.failure}. */
export type FailureFlag = 'UF' | 'UT' | 'UC' | 'DC';

/** An address and port, as a socket reports them. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/**
 * One request/response pair as the server that answered it saw it: written by every server
 * adapter once the response is finished (or the connection closed first). `hoptrace topology`
 * joins it with the caller's {@link ClientObservation} on `requestId`.
 */
export interface ServerObservation {
  readonly hoptrace: 'server';
  /** The service name given in the `observe` option's `service`, or `undefined`. */
  readonly service: string | undefined;
  readonly requestId: string;
  readonly correlationId: string | undefined;
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  readonly method: string;
  /** The route pattern when the framework knows it (`/orders/:id`), else the path. */
  readonly route: string;
  /** The status sent; 0 when the client went away before a response started. */
  readonly status: number;
  readonly local: Endpoint | undefined;
  readonly remote: Endpoint | undefined;
  /** `1.0`, `1.1`, `2.0`. */
  readonly httpVersion: string;
  /** Whether an earlier request already used this socket (keep-alive). */
  readonly reusedSocket: boolean;
  /** Epoch milliseconds. */
  readonly start: number;
  readonly durationMs: number;
}

/** One outbound call as the client that made it saw it: written by every outbound client. */
export interface ClientObservation {
  readonly hoptrace: 'client';
  readonly service: string | undefined;
  /** The request ID the call carried. */
  readonly requestId: string;
  readonly correlationId: string | undefined;
  /** The request ID header of the response, or `null` when it had none (or none arrived). */
  readonly echoedRequestId: string | null;
  /** Whether the response echoed the ID sent. */
  readonly matched: boolean;
  readonly target: { readonly host: string; readonly port: number };
  /** The address actually connected to, when the client can tell. */
  readonly remote: Endpoint | null;
  /** The response status, or `null` when no response arrived. */
  readonly status: number | null;
  /**
   * Why no response arrived: `UF` connection failure, `UT` timeout, `UC` connection reset or
   * closed, `DC` the caller went away (aborted). `null` when a response arrived.
   */
  readonly failure: FailureFlag | null;
  /**
   * The HTTP version the call went over (`1.1`, `2.0`), as {@link ServerObservation.httpVersion}
   * says it. Present only when the client can tell: `@hoptrace/fetch` sets `2.0` on the streams of
   * `node:http2` sessions; absent from the records of every other client.
   */
  readonly httpVersion?: string;
  /**
   * Whether an earlier call already used this connection (for HTTP/2: this session), as
   * {@link ServerObservation.reusedSocket} says it of a request. Present only when the client can
   * tell, with {@link ClientObservation.httpVersion}: `false` for a session's first stream, `true`
   * after; absent from the records of every other client.
   */
  readonly reusedSocket?: boolean;
  readonly start: number;
  readonly durationMs: number;
}

/** A record given to the `observe` option. */
export type Observation = ServerObservation | ClientObservation;

/**
 * Where observations go: a function, or any logger with an `info(object)` method (pino, bunyan,
 * console). See {@link HoptraceOptions.observe}.
 */
export type Observer =
  | ((observation: Observation) => void)
  | { readonly info: (observation: Observation) => unknown };

/** The `observe` option with its service name. */
export interface ObserveOptions {
  /** Where the records go. */
  readonly observer: Observer;
  /** Names this service in every record (`service`). */
  readonly service?: string;
}

/**
 * How long, in milliseconds, one observer call may take before it is counted in
 * {@link ObserverStats.slow}. 50 ms: far above what a logger writing one line takes (well under
 * a millisecond), and long enough that every request waiting on the event loop meanwhile
 * notices it.
 */
export const SLOW_OBSERVER_MS = 50;

/** What happened to the observations handed to the observer. */
export interface ObserverStats {
  /** Observer calls that returned, or whose returned promise fulfilled. */
  delivered: number;
  /** Observer calls that threw, or whose returned promise rejected. */
  failed: number;
  /**
   * Observer calls that held the event loop longer than {@link SLOW_OBSERVER_MS}, whether they
   * then succeeded or failed (so also counted in `delivered` or `failed`). The time measured is
   * the synchronous call: an async observer's wait for its promise delays nothing.
   */
  slow: number;
}

/** The resolved form of the `observe` option: a call that never throws and never blocks. */
export interface ResolvedObserver {
  readonly service: string | undefined;
  /** Queues `observation`; it is handed to the observer off the request's critical path. */
  record(observation: Observation): void;
  /** Counts, for tests and diagnostics. */
  readonly stats: Readonly<ObserverStats>;
}

/** A clock in milliseconds, for {@link resolveObserver}'s `now`; `performance.now` by default. */
export type ObserverClock = () => number;

/**
 * The async context observations are delivered in: the one this module was loaded in, with
 * hoptrace's own store emptied. Without it the batch would run in the context of whichever
 * request recorded first, and an observer that reads the current request (pino with
 * `mixin: logFields`) would stamp that request's IDs on every other request's record. An
 * AsyncResource rather than only `contextStorage().exit()`: it also leaves every other
 * AsyncLocalStorage (OpenTelemetry's, which the context fallback reads) as it was at load time.
 */
const outsideRequests = contextStorage().exit(() => new AsyncResource('hoptrace.observe'));

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function isObserver(value: unknown): value is Observer {
  if (typeof value === 'function') return true;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { info?: unknown }).info === 'function'
  );
}

/** The global `console`, or a `Console` of `node:console`. */
function isConsole(value: unknown): value is Console {
  return value === globalThis.console || value instanceof NodeConsole;
}

/**
 * Validates the `observe` option and wraps it: records are queued and handed over in a batch on
 * the next turn of the event loop (`setImmediate`), outside any request's async context (the
 * observer's `tryGetContext()` and `logFields()` see no request, so a logger's mixin cannot stamp
 * one request's IDs on another's record). Each call is in its own try/catch, so an observer never
 * changes a response and never delays one. An observer that throws, or returns a promise that
 * rejects, is counted in `stats.failed` (never an unhandled rejection); one whose call takes
 * longer than {@link SLOW_OBSERVER_MS} is counted in `stats.slow`.
 *
 * @param option - The `observe` option: a function, a logger with `info(object)` (a `console`
 *   gets one JSON line per record), or `{ observer, service }`.
 * @param now - The clock `stats.slow` is measured with; `performance.now()` by default. For
 *   tests.
 * @throws {@link HoptraceOptionsError} when `option` is none of those.
 *
 * @example
 * ```ts
 * const observer = resolveObserver(pino()); // or (record) => records.push(record)
 * ```
 */
export function resolveObserver(
  option: unknown,
  now: ObserverClock = () => performance.now(),
): ResolvedObserver | undefined {
  if (option === undefined) return undefined;
  let observer: unknown = option;
  let service: string | undefined;
  if (!isObserver(option) && typeof option === 'object' && option !== null) {
    observer = (option as ObserveOptions).observer;
    const name = (option as ObserveOptions).service;
    if (name !== undefined && (typeof name !== 'string' || name === '' || name.length > 256)) {
      throw new HoptraceOptionsError('observe', 'service must be a non-empty string (≤ 256 chars)');
    }
    service = name;
  }
  if (!isObserver(observer)) {
    throw new HoptraceOptionsError(
      'observe',
      'must be a function, a logger with an info(object) method, or { observer, service }',
    );
  }
  const deliver: (observation: Observation) => unknown =
    typeof observer === 'function'
      ? observer
      : isConsole(observer)
        ? // console.info(object) prints a multi-line inspection, which `hoptrace topology` cannot
          // read: a console gets each record as one JSON line, as pino writes it.
          (observation) => observer.info(JSON.stringify(observation))
        : (observation) =>
            (observer as { info: (record: Observation) => unknown }).info(observation);
  const stats: ObserverStats = { delivered: 0, failed: 0, slow: 0 };
  const fulfilled = (): void => {
    stats.delivered++;
  };
  const rejected = (): void => {
    stats.failed++;
  };
  let queue: Observation[] = [];
  const deliverOne = (observation: Observation): void => {
    const started = now();
    try {
      const returned = deliver(observation);
      // Promise.resolve adopts the thenable and catches a `then` that throws, so an async
      // observer's rejection is counted here and never reaches 'unhandledRejection'.
      if (isThenable(returned)) Promise.resolve(returned).then(fulfilled, rejected);
      else stats.delivered++;
    } catch {
      stats.failed++;
    }
    if (now() - started > SLOW_OBSERVER_MS) stats.slow++;
  };
  const flush = (): void => {
    const batch = queue;
    queue = [];
    for (const observation of batch) deliverOne(observation);
  };
  const flushOutsideRequests = (): void => {
    outsideRequests.runInAsyncScope(flush);
  };
  return Object.freeze({
    service,
    stats,
    record(observation: Observation): void {
      if (queue.length === 0) setImmediate(flushOutsideRequests);
      queue.push(observation);
    },
  });
}
