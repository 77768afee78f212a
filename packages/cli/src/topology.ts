import type { JoinMode, JoinModeSource } from './join-mode.js';
import type { ModeCounts } from './mode-evidence.js';
import type { CallTarget } from './observation.js';
import type { SkipReason } from './skip-reason.js';

/**
 * The callee end of an edge: an instrumented service (named by its records), or the host and
 * port a client called where no server record ever claimed the call (`unobserved`): a service
 * without hoptrace, or a proxy that replaced the request ID.
 *
 * @example
 * ```ts
 * const peer: TopologyPeer = { kind: 'unobserved', target: { host: 'legacy', port: 9000 } };
 * ```
 */
export type TopologyPeer =
  | { readonly kind: 'service'; readonly service: string }
  | { readonly kind: 'unobserved'; readonly target: CallTarget };

/**
 * One service-to-service connection and what went over it.
 *
 * @example
 * ```ts
 * const edge: TopologyEdge = {
 *   from: 'gateway', to: { kind: 'service', service: 'orders-1' },
 *   calls: 120, errors: 2, rewritten: 0, p50Ms: 3.1, p99Ms: 12,
 * };
 * ```
 */
export interface TopologyEdge {
  /** The calling service. */
  readonly from: string;
  readonly to: TopologyPeer;
  /** Calls seen (client records). */
  readonly calls: number;
  /** Calls answered with status ≥ 500 or ended by a failure flag (UF, UT, UC, DC). */
  readonly errors: number;
  /**
   * Calls whose response echoed another request ID than the one sent (`matched: false` with an
   * `echoedRequestId`; a response with no ID at all is not counted): an
   * intermediary rewrote the ID.
   */
  readonly rewritten: number;
  /** Median client-side duration, ms, within 2 % (see `LogHistogram`). */
  readonly p50Ms: number;
  /** 99th percentile of the client-side duration, ms, within 2 %. */
  readonly p99Ms: number;
}

/**
 * Requests a service answered that no client record claimed: traffic from outside (the entry
 * point's users), from an uninstrumented caller, or whose caller's record fell out of the join
 * window.
 *
 * @example
 * ```ts
 * const entry: ServerWithoutClient = { service: 'gateway', requests: 500 };
 * ```
 */
export interface ServerWithoutClient {
  readonly service: string;
  readonly requests: number;
}

/**
 * The service map `buildTopology` computes, which every output format renders.
 *
 * @example
 * ```ts
 * const topology: Topology = await buildTopology(lines);
 * for (const edge of topology.edges) console.log(edge.from, edge.calls);
 * ```
 */
export interface Topology {
  /** Edges sorted by caller, then callee (services before unobserved peers). */
  readonly edges: readonly TopologyEdge[];
  /** Sorted by service. */
  readonly serversWithoutClient: readonly ServerWithoutClient[];
  readonly records: {
    /** Client records read. */
    readonly client: number;
    /** Server records read. */
    readonly server: number;
    /** Client–server pairs joined. */
    readonly joined: number;
  };
  /** Lines that were not records (other log lines, blank lines excepted), ignored silently. */
  readonly ignoredLines: number;
  /** Lines skipped as bad input, by reason (every reason present, 0 when none). */
  readonly skipped: Readonly<Record<SkipReason, number>>;
  /** The join used. */
  readonly mode: JoinMode;
  /** Whether `mode` was given, read off the records, or the default. */
  readonly modeFrom: JoinModeSource;
  /** What the records say about the mode (`modeWarning` reads it). */
  readonly modeEvidence: ModeCounts;
  readonly joinWindowMs: number;
}
