import { HoptraceOptionsError } from './errors.js';

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

/** How many observations were delivered, and how many an observer threw on. */
export interface ObserverStats {
  delivered: number;
  failed: number;
}

/** The resolved form of the `observe` option: a call that never throws and never blocks. */
export interface ResolvedObserver {
  readonly service: string | undefined;
  /** Queues `observation`; it is handed to the observer off the request's critical path. */
  record(observation: Observation): void;
  /** Counts, for tests and diagnostics. */
  readonly stats: Readonly<ObserverStats>;
}

function isObserver(value: unknown): value is Observer {
  if (typeof value === 'function') return true;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { info?: unknown }).info === 'function'
  );
}

/**
 * Validates the `observe` option and wraps it: records are queued and handed over in a batch on
 * the next turn of the event loop (`setImmediate`), each in its own try/catch, so an observer
 * that throws or is slow never changes a response and never delays one. Throwing observers are
 * counted in `stats.failed`.
 *
 * @example
 * ```ts
 * const observer = resolveObserver(pino()); // or (record) => records.push(record)
 * ```
 */
export function resolveObserver(option: unknown): ResolvedObserver | undefined {
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
      : (observation) => (observer as { info: (record: Observation) => unknown }).info(observation);
  const stats: ObserverStats = { delivered: 0, failed: 0 };
  let queue: Observation[] = [];
  const flush = (): void => {
    const batch = queue;
    queue = [];
    for (const observation of batch) {
      try {
        deliver(observation);
        stats.delivered++;
      } catch {
        stats.failed++;
      }
    }
  };
  return Object.freeze({
    service,
    stats,
    record(observation: Observation): void {
      if (queue.length === 0) setImmediate(flush);
      queue.push(observation);
    },
  });
}
