import type { TraceContext } from '../context/trace-context.js';
import { type ExtractRequestInfo, extractResolved } from './extract.js';
import type { HeaderCarrier } from './header-carrier.js';
import type { WritableHeaderCarrier } from './header-target.js';
import { type InjectBehaviour, injectHeadersResolved, outboundHeadersResolved } from './inject.js';
import {
  checkOptions,
  type HoptraceOptions,
  type ResolvedOptions,
  resolveOptions,
} from './options.js';

/** The engine bound to one validated set of options. See {@link createHoptrace}. */
export interface Hoptrace {
  /** The validated options with their defaults filled in. */
  readonly options: ResolvedOptions;
  /** {@link extract} with these options. */
  extract(headers: HeaderCarrier, info?: ExtractRequestInfo): TraceContext;
  /** {@link outboundHeaders} with these options. */
  outboundHeaders(context: TraceContext): Record<string, string>;
  /** {@link injectHeaders} with these options. */
  injectHeaders<Carrier extends WritableHeaderCarrier>(
    context: TraceContext,
    carrier: Carrier,
    behaviour?: InjectBehaviour,
  ): Carrier;
}

/**
 * Validates `options` once (throwing {@link HoptraceOptionsError} naming a bad option) and
 * returns the engine bound to them. Adapters build one per middleware instance, so a bad option
 * fails at start-up, never on a request. `options` must be `undefined` or a plain object (see
 * {@link checkOptions}); unknown keys are refused, at the top level and in every nested object.
 *
 * Defaults: see {@link HoptraceOptions}.
 *
 * @example
 * ```ts
 * const hoptrace = createHoptrace({ mode: 'child', requestIdHeader: 'x-correlation-id' });
 * const context = hoptrace.extract(request.headers);
 * hoptrace.injectHeaders(context, outgoing.headers);
 * ```
 */
export function createHoptrace(options: HoptraceOptions = {}): Hoptrace {
  // Before the copy: spreading `42`, `[]` or a function gives `{}`, and a string its characters.
  checkOptions(options);
  // A frozen object is used as it is, so options taken from another engine (`options.given`)
  // resolve to that engine's ResolvedOptions, observer included, from the cache.
  const frozen: HoptraceOptions = Object.isFrozen(options)
    ? options
    : Object.freeze({ ...options });
  const resolved = resolveOptions(frozen);
  return Object.freeze({
    options: resolved,
    extract: (headers: HeaderCarrier, info?: ExtractRequestInfo) =>
      extractResolved(headers, resolved, info),
    outboundHeaders: (context: TraceContext) => outboundHeadersResolved(context, resolved),
    injectHeaders: <Carrier extends WritableHeaderCarrier>(
      context: TraceContext,
      carrier: Carrier,
      behaviour?: InjectBehaviour,
    ) => injectHeadersResolved(context, carrier, resolved, behaviour),
  });
}
