/**
 * How client and server records are paired, after the propagation mode the services ran with.
 *
 * - `per-call` (`outboundRequestId: 'per-call'`): every outbound call carried its own request
 *   ID, so the client and the server record with the same ID are the two ends of one call; they
 *   pair whatever their order and clock skew between hosts.
 * - `forward` (the services' default, `outboundRequestId: 'forward'`): one ID spans the whole
 *   chain, so a client record pairs with the not yet paired server record of that ID whose
 *   `start` is the earliest at or after the client's, skipping the records of the caller and its
 *   own callers: the calling service's own request in the same millisecond (`start` is whole
 *   milliseconds), and another service's request in that millisecond that took longer than the
 *   call (it encloses the call). Best effort: clock skew between hosts or several calls of one
 *   request to the same peer can pair the wrong two.
 *
 * When no mode is given, `buildTopology` reads it off the records (`ModeEvidence`), and takes
 * `forward` when they do not tell.
 *
 * Spec: observation-schema "Joining"; `outboundRequestId` in @hoptrace/core's options.
 *
 * @example
 * ```ts
 * await buildTopology(lines, { mode: 'forward' });
 * ```
 */
export type JoinMode = 'per-call' | 'forward';

/**
 * Every {@link JoinMode}, in the order `--mode` lists them.
 *
 * @example
 * ```ts
 * JOIN_MODES.includes(value as JoinMode);
 * ```
 */
export const JOIN_MODES: readonly JoinMode[] = ['forward', 'per-call'];

/**
 * The join used when neither `--mode` nor the records tell: `forward`, because it is the
 * services' default (`outboundRequestId`), one ID per chain.
 *
 * @example
 * ```ts
 * const mode = options.mode ?? detected ?? DEFAULT_JOIN_MODE;
 * ```
 */
export const DEFAULT_JOIN_MODE: JoinMode = 'forward';

/**
 * Where a `Topology`'s `mode` came from: `option` (given), `records` (read off them by
 * `ModeEvidence`), `default` ({@link DEFAULT_JOIN_MODE}, the records did not tell).
 *
 * @example
 * ```ts
 * const from: JoinModeSource = 'records';
 * ```
 */
export type JoinModeSource = 'option' | 'records' | 'default';
