/**
 * Envoy's response-flag vocabulary for a call that got no HTTP response: `UF` upstream connection
 * failure, `UT` upstream timeout, `UC` upstream connection reset or closed, `DC` the downstream
 * client went away. Any other non-empty string is kept as is and still counts as a failure.
 *
 * Spec: Envoy access-log "%RESPONSE_FLAGS%" documentation; observation-schema "Failure flags".
 *
 * @example
 * ```ts
 * const flag: FailureFlag = 'UT';
 * ```
 */
export type FailureFlag = 'UF' | 'UT' | 'UC' | 'DC' | (string & {});

/**
 * The server side of one request/response pair a service answered: the fields `hoptrace topology`
 * reads from a `"hoptrace": "server"` record (the others, pino's included, are ignored).
 *
 * Spec: the observation-record schema (README, "Record format").
 *
 * @example
 * ```ts
 * const server: ServerObservation = {
 *   side: 'server', service: 'orders-1', requestId: 'r-1', status: 200, start: 1764000000000, durationMs: 3.2,
 * };
 * ```
 */
export interface ServerObservation {
  readonly side: 'server';
  /** The service that answered. */
  readonly service: string;
  /** The request ID it received (and echoed). */
  readonly requestId: string;
  /**
   * The chain's ID a `per-call` caller sent beside the request ID (`correlationIdHeader`), when
   * the record has one: it tells the join mode (see `ModeEvidence`).
   */
  readonly correlationId?: string | undefined;
  /** The status it answered with. */
  readonly status: number;
  /** When the request arrived, epoch milliseconds. */
  readonly start: number;
  /** How long it took to answer, milliseconds. */
  readonly durationMs: number;
}

/**
 * Where a client sent a call: the host and port it asked for (before any proxy), `port` `null`
 * when the record gave none.
 *
 * @example
 * ```ts
 * const target: CallTarget = { host: 'nginx', port: 8080 };
 * ```
 */
export interface CallTarget {
  readonly host: string;
  readonly port: number | null;
}

/**
 * The client side of one outbound call a service made: the fields `hoptrace topology` reads from
 * a `"hoptrace": "client"` record.
 *
 * Spec: the observation-record schema (README, "Record format").
 *
 * @example
 * ```ts
 * const client: ClientObservation = {
 *   side: 'client', service: 'gateway', requestId: 'r-1', echoedRequestId: 'r-1', matched: true,
 *   target: { host: 'orders', port: 8081 }, status: 200, failure: null, start: 1764000000000, durationMs: 5.1,
 * };
 * ```
 */
export interface ClientObservation {
  readonly side: 'client';
  /** The service that made the call. */
  readonly service: string;
  /** The request ID it sent. */
  readonly requestId: string;
  /**
   * The chain's ID sent beside it, when the record has one: in `per-call` mode every call's
   * request ID is its own and this one is the chain's.
   */
  readonly correlationId?: string | undefined;
  /** The `X-Request-ID` of the response, `null` when it had none or there was no response. */
  readonly echoedRequestId: string | null;
  /** `false` when the response echoed a different ID than the one sent. */
  readonly matched: boolean;
  readonly target: CallTarget;
  /** The response status, `null` when no response came. */
  readonly status: number | null;
  /** Why no response came, `null` otherwise. */
  readonly failure: FailureFlag | null;
  /** When the call started, epoch milliseconds. */
  readonly start: number;
  /** How long it took as the caller saw it, milliseconds. */
  readonly durationMs: number;
}

/**
 * One observation record, either side.
 *
 * @example
 * ```ts
 * const isClient = (observation: Observation) => observation.side === 'client';
 * ```
 */
export type Observation = ServerObservation | ClientObservation;
