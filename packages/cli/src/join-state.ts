import type { JoinMode } from './join-mode.js';
import type { ClientObservation, ServerObservation } from './observation.js';

/** Default join window: 5 minutes of record time. */
export const DEFAULT_JOIN_WINDOW_MS = 5 * 60 * 1000;

/**
 * Most records kept waiting under one request ID. Past it the oldest is given up as unmatched:
 * in `forward` mode one ID legitimately has a few records per hop, never thousands.
 */
export const MAX_PENDING_PER_ID = 64;

/**
 * What a {@link JoinState} reports: each pair, and each record given up without a partner.
 *
 * @example
 * ```ts
 * const sink: JoinSink = { pair: () => {}, clientAlone: () => {}, serverAlone: () => {} };
 * ```
 */
export interface JoinSink {
  /** The two ends of one call. */
  pair(client: ClientObservation, server: ServerObservation): void;
  /** A call no server record ever claimed: the peer is not instrumented, or the ID was lost. */
  clientAlone(client: ClientObservation): void;
  /** A request no client record claimed: from outside, or from an uninstrumented caller. */
  serverAlone(server: ServerObservation): void;
}

interface PendingClient {
  readonly client: ClientObservation;
  /** The IDs it is filed under: the one sent, and the one echoed when it differs. */
  readonly keys: readonly string[];
}

/**
 * Options of {@link JoinState}.
 *
 * @example
 * ```ts
 * new JoinState(sink, { mode: 'per-call', windowMs: 60_000 });
 * ```
 */
export interface JoinStateOptions {
  readonly mode: JoinMode;
  /** How long, in record time, a record waits for its partner. */
  readonly windowMs: number;
}

function take<T>(map: Map<string, T[]>, key: string, index: number): void {
  const list = map.get(key);
  if (list === undefined) return;
  list.splice(index, 1);
  if (list.length === 0) map.delete(key);
}

/**
 * Whether, with one ID for the whole chain (`forward`), `server` can be the request `client`
 * made. Every record of a chain carries the same ID, so the records that must be ruled out are
 * the caller's own (and its callers'): they started at or before the call did.
 *
 * - The callee started at or after the call: `start` is whole milliseconds, so "at" is a tie.
 * - The same service answers its own call only when its request started strictly later: a tie
 *   with the same service is the caller's own server record, never a self-call we can tell.
 * - In a tie with another service, that service's request either lies inside the call (the
 *   callee) or encloses it (a caller further up, which started in the same millisecond): the
 *   callee cannot have taken longer than the call waited for it, the encloser always did.
 */
function mayBeCallee(client: ClientObservation, server: ServerObservation): boolean {
  if (server.start > client.start) return true;
  if (server.start < client.start) return false;
  return server.service !== client.service && server.durationMs <= client.durationMs;
}

/**
 * The bounded join of client and server records on the request ID, fed in (roughly) `start`
 * order.
 *
 * A record waits for its partner in a map keyed by request ID. Record time is the highest `start`
 * seen; a record that waited longer than the window is given up (reported alone), so memory holds
 * one window of unpaired records, not the whole log. A client whose response echoed another ID
 * (`matched: false`) waits under both IDs: the server behind an ID-rewriting proxy saw the echoed
 * one.
 *
 * Spec: observation-schema "Joining" and {@link JoinMode}.
 *
 * @example
 * ```ts
 * const join = new JoinState(sink, { mode: 'per-call', windowMs: DEFAULT_JOIN_WINDOW_MS });
 * for (const observation of sortedByStart) join.add(observation);
 * join.finish();
 * ```
 */
export class JoinState {
  private readonly clients = new Map<string, PendingClient[]>();
  private readonly servers = new Map<string, ServerObservation[]>();
  private now = Number.NEGATIVE_INFINITY;
  private nextSweep = Number.NEGATIVE_INFINITY;
  private readonly sweepStep: number;

  constructor(
    private readonly sink: JoinSink,
    private readonly options: JoinStateOptions,
  ) {
    // Sweeping every 1/16 window keeps records at most 1/16 window past their time.
    this.sweepStep = Math.max(1, options.windowMs / 16);
  }

  /** How many records wait for a partner now. */
  get pending(): number {
    let count = 0;
    for (const list of this.clients.values()) count += list.length;
    for (const list of this.servers.values()) count += list.length;
    return count;
  }

  /** Takes the next record. */
  add(observation: ClientObservation | ServerObservation): void {
    if (observation.start > this.now) {
      this.now = observation.start;
      if (this.now >= this.nextSweep) {
        this.sweep(this.now - this.options.windowMs);
        this.nextSweep = this.now + this.sweepStep;
      }
    }
    if (observation.side === 'client') this.addClient(observation);
    else this.addServer(observation);
  }

  /** Ends the input: every record still waiting is reported alone. */
  finish(): void {
    this.sweep(Number.POSITIVE_INFINITY);
  }

  private addClient(client: ClientObservation): void {
    const keys =
      !client.matched &&
      client.echoedRequestId !== null &&
      client.echoedRequestId !== client.requestId
        ? [client.requestId, client.echoedRequestId]
        : [client.requestId];
    for (const key of keys) {
      const list = this.servers.get(key);
      if (list === undefined) continue;
      const index = this.serverFor(client, list);
      const server = list[index];
      if (server === undefined) continue;
      take(this.servers, key, index);
      this.sink.pair(client, server);
      return;
    }
    const pending: PendingClient = { client, keys };
    for (const key of keys) this.file(this.clients, key, pending, (old) => this.giveUpClient(old));
  }

  private addServer(server: ServerObservation): void {
    const list = this.clients.get(server.requestId);
    const index = list === undefined ? -1 : this.clientFor(server, list);
    const pending = list?.[index];
    if (pending === undefined) {
      this.file(this.servers, server.requestId, server, (old) => this.sink.serverAlone(old));
      return;
    }
    this.forget(pending);
    this.sink.pair(pending.client, server);
  }

  /** Index in `list` of the server record `client` pairs with, -1 for none. */
  private serverFor(client: ClientObservation, list: readonly ServerObservation[]): number {
    if (this.options.mode === 'per-call') return 0;
    let best = -1;
    for (let index = 0; index < list.length; index += 1) {
      const server = list[index];
      if (server === undefined || !mayBeCallee(client, server)) continue;
      if (best === -1 || server.start < (list[best]?.start ?? 0)) best = index;
    }
    return best;
  }

  /** Index in `list` of the client record `server` pairs with, -1 for none. */
  private clientFor(server: ServerObservation, list: readonly PendingClient[]): number {
    if (this.options.mode === 'per-call') return 0;
    // The mirror of serverFor: the latest call that started at or before this request did.
    let best = -1;
    for (let index = 0; index < list.length; index += 1) {
      const client = list[index]?.client;
      if (client === undefined || !mayBeCallee(client, server)) continue;
      if (best === -1 || client.start > (list[best]?.client.start ?? 0)) best = index;
    }
    return best;
  }

  private file<T>(map: Map<string, T[]>, key: string, entry: T, overflow: (old: T) => void): void {
    const list = map.get(key);
    if (list === undefined) {
      map.set(key, [entry]);
      return;
    }
    list.push(entry);
    if (list.length > MAX_PENDING_PER_ID) {
      const old = list[0];
      if (old !== undefined) overflow(old);
      if (list[0] === old) list.shift();
    }
  }

  private giveUpClient(pending: PendingClient): void {
    this.forget(pending);
    this.sink.clientAlone(pending.client);
  }

  private forget(pending: PendingClient): void {
    for (const key of pending.keys) {
      const list = this.clients.get(key);
      const index = list?.indexOf(pending) ?? -1;
      if (index !== -1) take(this.clients, key, index);
    }
  }

  /**
   * Gives up the records that started before `cutoff`. Maps iterate in insertion order, which is
   * about `start` order, so the walk stops at the first ID with nothing to give up: a record that
   * arrived out of order waits at most until those filed before it go.
   */
  private sweep(cutoff: number): void {
    for (const [key, list] of this.clients) {
      const expired = list.filter((pending) => pending.client.start < cutoff);
      if (expired.length === 0) break;
      for (const pending of expired) this.giveUpClient(pending);
      if (this.clients.has(key) && cutoff !== Number.POSITIVE_INFINITY) break;
    }
    for (const [key, list] of this.servers) {
      const kept = list.filter((server) => server.start >= cutoff);
      if (kept.length === list.length) break;
      for (const server of list) if (server.start < cutoff) this.sink.serverAlone(server);
      if (kept.length === 0) this.servers.delete(key);
      else {
        this.servers.set(key, kept);
        if (cutoff !== Number.POSITIVE_INFINITY) break;
      }
    }
  }
}
