/**
 * How client and server records are paired, after the propagation mode the services ran with.
 *
 * - `per-call` (default): every outbound call carried its own request ID, so the client and the
 *   server record with the same ID are the two ends of one call; they pair whatever their order
 *   and clock skew between hosts.
 * - `forward`: one ID spans the whole chain, so a client record pairs with the not yet paired
 *   server record of that ID whose `start` is the earliest at or after the client's, skipping the
 *   records of the caller and its own callers: the calling service's own request in the same
 *   millisecond (`start` is whole milliseconds), and another service's request in that
 *   millisecond that took longer than the call (it encloses the call). Best effort: clock skew
 *   between hosts or several calls of one request to the same peer can pair the wrong two.
 *
 * Spec: observation-schema "Joining"; `mode` in @hoptrace/core's options.
 *
 * @example
 * ```ts
 * await buildTopology(lines, { mode: 'forward' });
 * ```
 */
export type JoinMode = 'per-call' | 'forward';
