import { DEFAULT_MAX_EDGES, EdgeTable } from './edge-table.js';
import type { InputLine } from './input-line.js';
import { DEFAULT_JOIN_MODE, JOIN_MODES, type JoinMode } from './join-mode.js';
import { DEFAULT_JOIN_WINDOW_MS, JoinState } from './join-state.js';
import { LineCounts } from './line-counts.js';
import { ModeEvidence } from './mode-evidence.js';
import type { Observation } from './observation.js';
import { DEFAULT_MAX_LINE_BYTES } from './read-lines.js';
import { RecordCursor } from './record-cursor.js';
import type { ServerWithoutClient, Topology } from './topology.js';

/**
 * One input of {@link buildTopology}: lines, or arrays of lines (faster: what `readLineBatches`
 * yields), in the order one service wrote them.
 *
 * @example
 * ```ts
 * const input: TopologyInput = readLineBatches(createReadStream('gateway.log'));
 * ```
 */
export type TopologyInput = AsyncIterable<InputLine | readonly InputLine[]>;

/**
 * Options of {@link buildTopology}.
 *
 * @example
 * ```ts
 * const options: TopologyOptions = { mode: 'forward', joinWindowMs: 60_000 };
 * ```
 */
export interface TopologyOptions {
  /**
   * How records pair. Default: what the records show (see `ModeEvidence`), else `'forward'`,
   * the services' default (`outboundRequestId`). See {@link JoinMode}.
   */
  readonly mode?: JoinMode;
  /**
   * How long, in record time (`start`), a record waits for its partner before it is given up:
   * a client as a call to an unobserved peer, a server as a request with no observed client.
   * Default 5 minutes; it must exceed the clock skew between hosts plus the longest call.
   */
  readonly joinWindowMs?: number;
  /** Lines longer than this many bytes are skipped (`line-too-long`); default 1 MiB. */
  readonly maxLineBytes?: number;
  /** Cap on distinct edges (and services without client); default 10 000. */
  readonly maxEdges?: number;
}

/**
 * Merge order: by `start`; in a tie (`start` is whole milliseconds) a client record before a
 * server record, so in `forward` mode a call is waiting when the request it made arrives, and
 * the callee is not first offered to a caller further up that started in the same millisecond.
 */
function comesFirst(record: Observation, than: Observation): boolean {
  if (record.start !== than.start) return record.start < than.start;
  return record.side === 'client' && than.side === 'server';
}

/**
 * Reads observation records and computes the service map: per edge (calling service → called
 * service, or → unobserved host:port) the calls, errors, IDs rewritten on the way, p50 and p99.
 *
 * Several inputs (one per service log) are read at once and merged by `start`, so the join only
 * keeps one window of unpaired records in memory; each input must be in its writer's order, which
 * is roughly `start` order (records are written when the response ends). Bad lines are counted by
 * reason in `skipped` and never throw; an input that throws (a read error) rejects the promise.
 *
 * Spec: the observation-record schema (README, "Record format"), its "Joining" rules, and
 * {@link JoinMode}.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { buildTopology, readLineBatches } from 'hoptrace';
 *
 * const topology = await buildTopology(
 *   ['gateway.log', 'orders.log'].map((file) => readLineBatches(createReadStream(file))),
 * );
 * for (const edge of topology.edges) console.log(edge.from, edge.to, edge.calls, edge.p99Ms);
 * ```
 */
export async function buildTopology(
  inputs: TopologyInput | readonly TopologyInput[],
  options: TopologyOptions = {},
): Promise<Topology> {
  const joinWindowMs = options.joinWindowMs ?? DEFAULT_JOIN_WINDOW_MS;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const maxEdges = options.maxEdges ?? DEFAULT_MAX_EDGES;
  const counts = new LineCounts();
  const evidence = new ModeEvidence();
  // Without a mode, both joins run over the one pass through the input, and the records' own
  // evidence picks one at the end: the inputs are streams, read once.
  const runs = (options.mode === undefined ? JOIN_MODES : [options.mode]).map(
    (mode) => new JoinRun(mode, joinWindowMs, maxEdges),
  );

  const list: readonly TopologyInput[] = Array.isArray(inputs) ? inputs : [inputs as TopologyInput];
  const cursors = list.map((input) => new RecordCursor(input, counts, maxLineBytes));
  try {
    await Promise.all(cursors.map((cursor) => cursor.fill()));
    for (;;) {
      // A linear scan: a handful of service logs, where a heap would cost more than it saves.
      let earliest: RecordCursor | undefined;
      for (const cursor of cursors) {
        const head = cursor.head;
        if (
          head !== undefined &&
          (earliest?.head === undefined || comesFirst(head, earliest.head))
        ) {
          earliest = cursor;
        }
      }
      const head = earliest?.head;
      if (earliest === undefined || head === undefined) break;
      evidence.add(head);
      for (const run of runs) run.join.add(head);
      if (!earliest.next()) await earliest.fill();
    }
  } finally {
    await Promise.allSettled(cursors.map((cursor) => cursor.close()));
  }
  const detected = evidence.detected();
  const mode = options.mode ?? detected ?? DEFAULT_JOIN_MODE;
  const run = runs.find((candidate) => candidate.mode === mode) ?? runs[0];
  if (run === undefined) throw new Error('unreachable: one join per mode');
  run.join.finish();
  counts.skipped['too-many-edges'] += run.tooManyEdges;

  const serversWithoutClient: ServerWithoutClient[] = [...run.alone]
    .map(([service, requests]) => ({ service, requests }))
    .sort((left, right) =>
      left.service < right.service ? -1 : left.service > right.service ? 1 : 0,
    );
  return {
    edges: run.edges.edges(),
    serversWithoutClient,
    records: { client: counts.client, server: counts.server, joined: run.joined },
    ignoredLines: counts.ignored,
    skipped: { ...counts.skipped },
    mode,
    modeFrom:
      options.mode !== undefined ? 'option' : detected !== undefined ? 'records' : 'default',
    modeEvidence: evidence.counts(),
    joinWindowMs,
  };
}

/** One join and the map it builds. */
class JoinRun {
  readonly join: JoinState;
  readonly edges: EdgeTable;
  readonly alone = new Map<string, number>();
  joined = 0;
  /** Kept apart from the line counts: only the chosen join's count is reported. */
  tooManyEdges = 0;

  constructor(
    readonly mode: JoinMode,
    windowMs: number,
    maxEdges: number,
  ) {
    const edges = new EdgeTable(maxEdges);
    const alone = this.alone;
    this.edges = edges;
    this.join = new JoinState(
      {
        pair: (client, server) => {
          this.joined += 1;
          if (!edges.add(client, { kind: 'service', service: server.service }, server.status)) {
            this.tooManyEdges += 1;
          }
        },
        clientAlone: (client) => {
          if (!edges.add(client, { kind: 'unobserved', target: client.target })) {
            this.tooManyEdges += 1;
          }
        },
        serverAlone: (server) => {
          const requests = alone.get(server.service);
          if (requests !== undefined) alone.set(server.service, requests + 1);
          else if (alone.size < maxEdges) alone.set(server.service, 1);
          else this.tooManyEdges += 1;
        },
      },
      { mode, windowMs },
    );
  }
}
