import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { TraceContext } from '../context/trace-context.js';
import type { FailureFlag } from './observation.js';
import {
  judgeTrail,
  printable,
  TRAIL_MAX_CALLS,
  type TrailCall,
  type TrailHop,
  type TrailSent,
} from './trail.js';

/** What a hop knows about itself when its response head is written. */
export interface HopSummary {
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly address: string | null;
  readonly peer: string | null;
}

/**
 * One outbound call of a diagnostic request, as its client reports it: once, with the response
 * (status, headers) or the failure.
 */
export interface DiagnosticCall {
  /** The response headers arrived. `trail` is the `x-hoptrace-trail` value, if any. */
  response(status: number, trail: string | undefined, remote: string | null): void;
  /** No response arrived. */
  failure(flag: FailureFlag, remote: string | null): void;
}

interface CallRecord {
  readonly method: string;
  readonly url: string;
  readonly sent: TrailSent;
  readonly startedAt: number;
  result: Omit<TrailCall, 'method' | 'url' | 'sent'> | undefined;
}

let host: string | undefined;

/** `os.hostname()`, read once: it asks the OS, and a process does not move. */
function hostName(): string {
  host ??= printable(hostname(), 256);
  return host;
}

/**
 * Scheme, host and path of `url`, without credentials or query: only this part goes in a trail.
 * Not `url.origin`, which is `null` for a scheme the URL standard does not know (`grpc://`).
 */
function trailUrl(url: URL | undefined): string {
  if (url === undefined) return '';
  return printable(`${url.protocol}//${url.host}${url.pathname}`, 2048);
}

/**
 * Records one diagnostic request at one hop: opened by the server adapter when the request carried
 * a valid `x-hoptrace-diag` (see `openDiagnostics`), fed by every outbound client (see
 * {@link diagnosticHopOf}), and turned into this hop's {@link TrailHop} when the response head is
 * written. Only diagnostic requests have one: everything here is off the normal request path.
 */
export class DiagnosticHop {
  /** The token to forward downstream and to check downstream trails with. */
  readonly token: string;
  readonly maxTrailLength: number;
  readonly #service: string | null;
  readonly #context: TraceContext;
  readonly #startedAt = performance.now();
  readonly #calls: CallRecord[] = [];
  #omittedCalls = 0;

  constructor(
    context: TraceContext,
    token: string,
    service: string | null,
    maxTrailLength: number,
  ) {
    this.#context = context;
    this.token = token;
    this.#service = service;
    this.maxTrailLength = maxTrailLength;
  }

  /**
   * Starts recording an outbound call that carried `sent`. Returns `undefined` past
   * {@link TRAIL_MAX_CALLS} calls (they are only counted): a loop of calls must not grow the trail.
   */
  startCall(method: string, url: URL | undefined, sent: TrailSent): DiagnosticCall | undefined {
    if (this.#calls.length >= TRAIL_MAX_CALLS) {
      this.#omittedCalls++;
      return undefined;
    }
    const record: CallRecord = {
      method: printable(method, 32),
      url: trailUrl(url),
      sent,
      startedAt: performance.now(),
      result: undefined,
    };
    this.#calls.push(record);
    // A span ID other than this request's own was minted for this call (`child` mode, a client
    // span): only the hop that received this very call can report it, so the downstream trail is
    // checked for it and a trail replayed from another call of the request is not taken as ok.
    const ownSpan = sent.spanId !== null && sent.spanId !== (this.#context.spanId ?? null);
    const elapsed = (): number => performance.now() - record.startedAt;
    return {
      response: (status, trail, remote) => {
        if (record.result !== undefined) return;
        record.result = {
          ...judgeTrail(sent, trail, this.token, this.maxTrailLength, { spanId: ownSpan }),
          status,
          remote,
          failure: null,
          durationMs: elapsed(),
        };
      },
      failure: (flag, remote) => {
        if (record.result !== undefined) return;
        record.result = {
          status: null,
          remote,
          failure: flag,
          durationMs: elapsed(),
          mark: 'failed',
          reason: null,
          hop: null,
        };
      },
    };
  }

  /** This hop's breadcrumb, with every call recorded so far (unfinished ones as `pending`). */
  summarize(summary: HopSummary): TrailHop {
    const context = this.#context;
    return {
      service: this.#service,
      host: hostName(),
      pid: process.pid,
      address: summary.address,
      peer: summary.peer,
      method: printable(summary.method, 32),
      route: printable(summary.route, 512),
      status: summary.status,
      durationMs: performance.now() - this.#startedAt,
      requestId: context.requestId,
      requestIdArrived: context.requestIdSource === 'incoming',
      traceId: context.traceId ?? null,
      traceIdArrived: context.traceSource !== undefined && context.traceSource !== 'generated',
      spanId: context.spanId ?? null,
      parentSpanId: context.parentSpanId ?? null,
      calls: this.#calls.map(
        (record): TrailCall => ({
          method: record.method,
          url: record.url,
          sent: record.sent,
          ...(record.result ?? {
            remote: null,
            status: null,
            failure: null,
            durationMs: null,
            mark: 'pending',
            reason: null,
            hop: null,
          }),
        }),
      ),
      omittedCalls: this.#omittedCalls,
    };
  }
}

/**
 * The diagnostic hops of the requests in flight, by their context. On `globalThis` under a
 * registered symbol, so the ESM and CJS copies of this package (and two installed versions) see
 * one registry, as they see one context store.
 */
const hops: WeakMap<TraceContext, DiagnosticHop> = ((): WeakMap<TraceContext, DiagnosticHop> => {
  const key = Symbol.for('hoptrace.diagnostic-hops.v1');
  const global = globalThis as { [key]?: WeakMap<TraceContext, DiagnosticHop> };
  global[key] ??= new WeakMap();
  return global[key];
})();

/**
 * The diagnostic hop of the request whose context is `context`, or `undefined` when it is not a
 * diagnostic request. Outbound clients record their calls into it.
 *
 * @example
 * ```ts
 * const hop = diagnosticHopOf(getContext());
 * const call = hop?.startCall('GET', url, { requestId, traceId, spanId });
 * ```
 */
export function diagnosticHopOf(context: TraceContext): DiagnosticHop | undefined {
  return hops.get(context);
}

/** Registers `hop` as the diagnostic hop of `context`'s request. */
export function registerDiagnosticHop(context: TraceContext, hop: DiagnosticHop): void {
  hops.set(context, hop);
}
