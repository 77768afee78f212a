import {
  type CallerHeaders,
  type HoptraceOptions,
  type InjectBehaviour,
  type TraceContext,
  tryGetContext,
  type WritableHeaderCarrier,
} from '@hoptrace/core';
import {
  checkChoice,
  checkOptions,
  createHoptrace,
  currentRequestOptions,
  givenOptions,
  type Hoptrace,
  type ResolvedOptions,
} from '@hoptrace/core/adapter';
import { type HostPolicy, hostPolicy, type PropagateTo } from './propagate-to.js';

/**
 * Options of every outbound client (`wrapFetch`, `hoptraceInterceptor`, `instrumentOutbound`,
 * `instrumentAxios`): core's {@link HoptraceOptions} (header names, formats, `mode`,
 * `forwardHeaders`…) plus where and when to write.
 *
 * @example
 * ```ts
 * const options: OutboundOptions = {
 *   mode: 'child',
 *   propagateTo: ['*.svc.cluster.local'],
 *   outsideContext: 'new-trace',
 * };
 * ```
 */
export interface OutboundOptions extends HoptraceOptions {
  // Core's options given here are for calls outside any request; inside one opened by a server
  // adapter, that adapter's options govern, and only the core options named here override them.
  /**
   * The hosts that get the headers. Default: every host. Restrict it when the service also calls
   * third-party APIs: the request ID, trace IDs and baggage are yours, not theirs.
   */
  readonly propagateTo?: PropagateTo;
  /**
   * A call made outside any request context (a job, a script, start-up code): `skip` (default)
   * adds nothing; `new-trace` gives each such call a new request ID and trace.
   */
  readonly outsideContext?: 'skip' | 'new-trace';
  /**
   * Headers the caller already set: `keep` (default) keeps them (a stale copy of the current
   * span is still replaced); `replace` writes ours over them. See core's `CallerHeaders`.
   */
  readonly callerHeaders?: CallerHeaders;
}

/**
 * The per-call engine every outbound client shares, built once from {@link OutboundOptions}.
 *
 * @example
 * ```ts
 * const outbound = createOutbound({ propagateTo: ['*.internal'] });
 * const context = outbound.contextFor(() => new URL(url));
 * if (context !== undefined) outbound.inject(context, headers);
 * ```
 */
export interface Outbound {
  /** The core engine these options built: the one for calls made outside any request. */
  readonly hoptrace: Hoptrace;
  /**
   * What a call made now follows. Inside a request opened by a server adapter (or
   * `hoptraceHandler`), that adapter's options, with the core options this client named on top:
   * so `app.use(hoptrace({ mode: 'child' }))` makes every client's calls child spans, and
   * `wrapFetch(fetch, { mode: 'forward' })` still forwards. Outside a request, this client's
   * own. A combination that does not validate (a client's `requestIdHeader` that is the server's
   * correlation header) falls back to this client's own options: a call never throws for it.
   */
  current(): OutboundCallEngine;
  /**
   * The context whose headers a call should carry, or `undefined` to add nothing (outside a
   * request with `outsideContext: 'skip'`, or a host `propagateTo` excludes). `url` is called
   * only when `propagateTo` is set; a call whose URL cannot be told (`undefined`) is excluded then.
   */
  contextFor(url: () => URL | undefined): TraceContext | undefined;
  /** Writes the headers of `context` into `carrier` with {@link current}'s; returns the carrier. */
  inject<Carrier extends WritableHeaderCarrier>(context: TraceContext, carrier: Carrier): Carrier;
}

/** The engine one call is made with, and what it derives from it. */
export interface OutboundCallEngine {
  /** The core engine whose options the call's headers, observation and diagnostics follow. */
  readonly hoptrace: Hoptrace;
  /** {@link singleValuedHeaders} of its options. */
  readonly singleValued: ReadonlySet<string>;
  /** Writes the headers of `context` into `carrier` with these options; returns the carrier. */
  inject<Carrier extends WritableHeaderCarrier>(context: TraceContext, carrier: Carrier): Carrier;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The headers besides the trace identity that a client with these options writes once: the
 * request ID, the correlation ID (`per-call`), the exact `forwardHeaders`. A tracer's propagator
 * (`HoptracePropagator`) may write them too; the last line is kept.
 *
 * @example
 * ```ts
 * singleValuedHeaders(createHoptrace().options); // Set { 'x-request-id' }
 * ```
 */
export function singleValuedHeaders(options: ResolvedOptions): ReadonlySet<string> {
  const names = new Set([options.requestIdHeader]);
  if (options.outboundRequestId === 'per-call' && options.correlationIdHeader !== undefined) {
    names.add(options.correlationIdHeader);
  }
  for (const name of options.forwardExact.keys()) names.add(name);
  return names;
}

function callEngine(hoptrace: Hoptrace, behaviour: InjectBehaviour): OutboundCallEngine {
  return Object.freeze({
    hoptrace,
    singleValued: singleValuedHeaders(hoptrace.options),
    inject<Carrier extends WritableHeaderCarrier>(context: TraceContext, carrier: Carrier) {
      return hoptrace.injectHeaders(context, carrier, behaviour);
    },
  });
}

/**
 * Validates `options` (a bad one throws `HoptraceOptionsError` naming it: options that are not
 * `undefined` or a plain object, an unknown key at any depth, a bad value) and returns the
 * {@link Outbound} engine for them.
 *
 * @example
 * ```ts
 * const outbound = createOutbound({ mode: 'child' });
 * ```
 */
export function createOutbound(options: OutboundOptions = {}): Outbound {
  // Before destructuring: `null` would throw a TypeError of its own, and `42`, `[]` or a function
  // would pass as `{}`.
  checkOptions(options);
  const { propagateTo, outsideContext, callerHeaders, ...core } = options;
  const hoptrace = createHoptrace(core);
  const allows: HostPolicy | undefined = hostPolicy(propagateTo);
  const newTrace = checkChoice('outsideContext', outsideContext, ['skip', 'new-trace']);
  const behaviour: InjectBehaviour = Object.freeze({
    callerHeaders: checkChoice('callerHeaders', callerHeaders, ['keep', 'replace']) ?? 'keep',
  });
  const own = callEngine(hoptrace, behaviour);
  const named = givenOptions(core);
  // One per server configuration seen: a process has a handful, each lives as long as its app.
  const engines = new WeakMap<ResolvedOptions, OutboundCallEngine>();
  const engineFor = (server: ResolvedOptions): OutboundCallEngine => {
    let engine = engines.get(server);
    if (engine === undefined) {
      try {
        // `given` is frozen: without named options, the server's own ResolvedOptions (and its
        // observer) come back from core's cache.
        engine = callEngine(
          createHoptrace(named === undefined ? server.given : { ...server.given, ...named }),
          behaviour,
        );
      } catch {
        engine = own;
      }
      engines.set(server, engine);
    }
    return engine;
  };
  const current = (): OutboundCallEngine => {
    const server = currentRequestOptions();
    return server === undefined || server === hoptrace.options ? own : engineFor(server);
  };
  return Object.freeze({
    hoptrace,
    current,
    contextFor(url: () => URL | undefined): TraceContext | undefined {
      // tryGetContext, not the store alone: with OpenTelemetry bridged, a request that only OTel's
      // instrumentation opened (no hoptrace adapter) has its context in OTel's.
      const current = tryGetContext();
      if (current === undefined && newTrace !== 'new-trace') return undefined;
      if (allows !== undefined) {
        const target = url();
        if (target === undefined || !allows(target)) return undefined;
      }
      return current ?? hoptrace.extract(NO_HEADERS);
    },
    inject<Carrier extends WritableHeaderCarrier>(context: TraceContext, carrier: Carrier) {
      return current().inject(context, carrier);
    },
  });
}

/** `new URL(input)`, or `undefined` when it does not parse (the client reports that itself). */
export function parseUrl(input: string | URL): URL | undefined {
  if (input instanceof URL) return input;
  try {
    return new URL(input);
  } catch {
    return undefined;
  }
}
