import type { JoinMode } from './join-mode.js';
import type { ClientObservation, Observation, ServerObservation } from './observation.js';

/**
 * Most chains (service × chain ID) {@link ModeEvidence} keeps in mind at once; past it the oldest
 * is forgotten. Evidence is a count, not a join: a few thousand calls tell the mode as well as
 * all of them, and the memory stays bounded whatever the input.
 */
export const MAX_EVIDENCE_CHAINS = 4096;

/** Most records kept under one chain key: one request makes a handful of calls, not hundreds. */
const MAX_PER_CHAIN = 16;

/**
 * What the records say about the join mode, as {@link ModeEvidence.counts} reports it.
 *
 * @example
 * ```ts
 * const counts: ModeCounts = { forward: 8, perCall: 0, perCallHints: 0 };
 * ```
 */
export interface ModeCounts {
  /**
   * Client records whose request ID is the one their own service received for the same chain:
   * the service forwarded its request's ID (`outboundRequestId: 'forward'`).
   */
  readonly forward: number;
  /**
   * Client records whose request ID differs from every one their own service received for the
   * same chain (found through `correlationId`): a fresh ID per call
   * (`outboundRequestId: 'per-call'`).
   */
  readonly perCall: number;
  /**
   * Client records with a `correlationId` other than their request ID, whether or not their own
   * service's record was seen: a weaker sign of `per-call`, used only when the two above are 0.
   */
  readonly perCallHints: number;
}

interface ChainServers {
  /** The request IDs this service received for the chain. */
  readonly requestIds: string[];
  /** When the first of them started. */
  start: number;
}

/**
 * Reads the join mode off the records: in `forward` mode a service's calls carry the ID its own
 * request came with; in `per-call` mode each call carries a fresh one, with the chain's ID beside
 * it as `correlationId`. Records are matched with their own service's request by chain key
 * (`service` and `correlationId ?? requestId`, which is the chain's ID in both modes), whichever
 * of the two arrives first. Bounded: at most {@link MAX_EVIDENCE_CHAINS} chains are kept.
 *
 * Spec: `outboundRequestId` in @hoptrace/core's options; {@link JoinMode}.
 *
 * @example
 * ```ts
 * const evidence = new ModeEvidence();
 * for (const observation of records) evidence.add(observation);
 * evidence.detected(); // 'forward', 'per-call', or undefined when the records do not tell
 * ```
 */
export class ModeEvidence {
  private forward = 0;
  private perCall = 0;
  private perCallHints = 0;
  private readonly servers = new Map<string, ChainServers>();
  private readonly clients = new Map<string, ClientObservation[]>();

  /** Takes the next record. Never throws. */
  add(observation: Observation): void {
    if (observation.side === 'client') this.addClient(observation);
    else this.addServer(observation);
  }

  /** The counts so far. */
  counts(): ModeCounts {
    return { forward: this.forward, perCall: this.perCall, perCallHints: this.perCallHints };
  }

  /**
   * The mode the records show: the one most client records agree with, or `undefined` when
   * none tells (no client record was seen with its own service's record, and none carries a
   * correlation ID of its own).
   */
  detected(): JoinMode | undefined {
    return detectedMode(this.counts());
  }

  private addServer(server: ServerObservation): void {
    const key = chainKey(server);
    let chain = this.servers.get(key);
    if (chain === undefined) {
      chain = { requestIds: [], start: server.start };
      remember(this.servers, key, chain);
    }
    if (chain.requestIds.length < MAX_PER_CHAIN) chain.requestIds.push(server.requestId);
    chain.start = Math.min(chain.start, server.start);
    const waiting = this.clients.get(key);
    if (waiting === undefined) return;
    // Only the calls made inside this request: those that started at or after it did.
    const rest = waiting.filter((client) => {
      if (client.start < server.start) return true;
      this.classify(client, chain);
      return false;
    });
    if (rest.length === 0) this.clients.delete(key);
    else this.clients.set(key, rest);
  }

  private addClient(client: ClientObservation): void {
    if (client.correlationId !== undefined && client.correlationId !== client.requestId) {
      this.perCallHints += 1;
    }
    const key = chainKey(client);
    const chain = this.servers.get(key);
    if (chain !== undefined && chain.start <= client.start) {
      this.classify(client, chain);
      return;
    }
    // Its own request's record is usually written after it (the request ends after its calls).
    const waiting = this.clients.get(key);
    if (waiting === undefined) remember(this.clients, key, [client]);
    else if (waiting.length < MAX_PER_CHAIN) waiting.push(client);
  }

  private classify(client: ClientObservation, chain: ChainServers): void {
    if (chain.requestIds.includes(client.requestId)) this.forward += 1;
    else this.perCall += 1;
  }
}

/**
 * The mode `counts` show, `undefined` when they do not tell. Pure, for a {@link ModeCounts} kept
 * elsewhere (a `Topology`'s `modeEvidence`).
 *
 * @example
 * ```ts
 * detectedMode({ forward: 0, perCall: 12, perCallHints: 12 }); // 'per-call'
 * ```
 */
export function detectedMode(counts: ModeCounts): JoinMode | undefined {
  if (counts.forward > counts.perCall) return 'forward';
  if (counts.perCall > counts.forward) return 'per-call';
  if (counts.forward === 0 && counts.perCallHints > 0) return 'per-call';
  return undefined;
}

function chainKey(observation: Observation): string {
  return `${observation.service}\n${observation.correlationId ?? observation.requestId}`;
}

function remember<T>(map: Map<string, T>, key: string, value: T): void {
  map.set(key, value);
  // Maps iterate in insertion order, about `start` order: the first key is the oldest chain.
  if (map.size > MAX_EVIDENCE_CHAINS) {
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
}
