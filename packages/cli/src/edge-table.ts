import { LogHistogram } from './log-histogram.js';
import type { ClientObservation } from './observation.js';
import type { TopologyEdge, TopologyPeer } from './topology.js';

/** Default cap on distinct edges, which bounds memory against input naming a new service per line. */
export const DEFAULT_MAX_EDGES = 10_000;

interface EdgeAccumulator {
  readonly from: string;
  readonly to: TopologyPeer;
  calls: number;
  errors: number;
  rewritten: number;
  readonly durations: LogHistogram;
}

// The kind prefix keeps a service literally named "u:legacy:9000" apart from an unobserved peer.
function peerKey(peer: TopologyPeer): string {
  return peer.kind === 'service'
    ? `s:${peer.service}`
    : `u:${peer.target.host}:${peer.target.port ?? ''}`;
}

/**
 * Whether a call failed: answered with status ≥ 500, or ended by a failure flag. The client's
 * view counts; the server's status stands in only when the client saw no status and no flag.
 */
function failed(client: ClientObservation, serverStatus: number | undefined): boolean {
  if (client.failure !== null) return true;
  return (client.status ?? serverStatus ?? 0) >= 500;
}

/**
 * Per-edge counters and duration histograms, at most `maxEdges` of them.
 *
 * @example
 * ```ts
 * const table = new EdgeTable(DEFAULT_MAX_EDGES);
 * table.add(client, { kind: 'service', service: 'orders' }, 200);
 * table.edges(); // [{ from: 'gateway', to: …, calls: 1, … }]
 * ```
 */
export class EdgeTable {
  private readonly byCaller = new Map<string, Map<string, EdgeAccumulator>>();
  private size = 0;

  constructor(private readonly maxEdges: number) {}

  /**
   * Counts one call on its edge; `false` when the edge is new and the cap is reached (the call is
   * not counted).
   */
  add(client: ClientObservation, to: TopologyPeer, serverStatus?: number): boolean {
    let callees = this.byCaller.get(client.service);
    const key = peerKey(to);
    let edge = callees?.get(key);
    if (edge === undefined) {
      if (this.size >= this.maxEdges) return false;
      edge = {
        from: client.service,
        to,
        calls: 0,
        errors: 0,
        rewritten: 0,
        durations: new LogHistogram(),
      };
      if (callees === undefined) {
        callees = new Map();
        this.byCaller.set(client.service, callees);
      }
      callees.set(key, edge);
      this.size += 1;
    }
    edge.calls += 1;
    if (failed(client, serverStatus)) edge.errors += 1;
    // A response with no request ID at all (an uninstrumented peer that does not echo it) is not a
    // rewrite: only another ID in its place is.
    if (!client.matched && client.echoedRequestId !== null && client.status !== null) {
      edge.rewritten += 1;
    }
    edge.durations.record(client.durationMs);
    return true;
  }

  /** The edges, sorted by caller, then callee (services before unobserved peers). */
  edges(): TopologyEdge[] {
    const edges: TopologyEdge[] = [];
    for (const callees of this.byCaller.values()) {
      for (const edge of callees.values()) {
        edges.push({
          from: edge.from,
          to: edge.to,
          calls: edge.calls,
          errors: edge.errors,
          rewritten: edge.rewritten,
          p50Ms: edge.durations.quantile(0.5) ?? 0,
          p99Ms: edge.durations.quantile(0.99) ?? 0,
        });
      }
    }
    return edges.sort(
      (left, right) =>
        compare(left.from, right.from) || compare(peerKey(left.to), peerKey(right.to)),
    );
  }
}

// Code-unit order, the same on every machine (localeCompare depends on the ICU build and locale).
function compare(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
