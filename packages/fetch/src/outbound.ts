import {
  type CallerHeaders,
  checkOptions,
  createHoptrace,
  describeValue,
  type Hoptrace,
  type HoptraceOptions,
  HoptraceOptionsError,
  type TraceContext,
  tryGetContext,
  type WritableHeaderCarrier,
} from '@hoptrace/core';
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
  /** The core engine these options built. */
  readonly hoptrace: Hoptrace;
  /**
   * The context whose headers a call should carry, or `undefined` to add nothing (outside a
   * request with `outsideContext: 'skip'`, or a host `propagateTo` excludes). `url` is called
   * only when `propagateTo` is set; a call whose URL cannot be told (`undefined`) is excluded then.
   */
  contextFor(url: () => URL | undefined): TraceContext | undefined;
  /** Writes the headers of `context` into `carrier` with these options; returns the carrier. */
  inject<Carrier extends WritableHeaderCarrier>(context: TraceContext, carrier: Carrier): Carrier;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

function validateChoice<Choice extends string>(
  option: string,
  value: unknown,
  choices: readonly Choice[],
): Choice | undefined {
  if (value === undefined || choices.includes(value as Choice)) return value as Choice | undefined;
  throw new HoptraceOptionsError(
    option,
    `must be ${choices.map((choice) => `"${choice}"`).join(' or ')}; got ${describeValue(value)}`,
  );
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
  const newTrace = validateChoice('outsideContext', outsideContext, ['skip', 'new-trace']);
  const behaviour = Object.freeze({
    callerHeaders: validateChoice('callerHeaders', callerHeaders, ['keep', 'replace']) ?? 'keep',
  });
  return Object.freeze({
    hoptrace,
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
      return hoptrace.injectHeaders(context, carrier, behaviour);
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
