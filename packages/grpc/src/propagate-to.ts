import { compileHostPatterns, safePredicate } from '@hoptrace/core/adapter';
import type { GrpcTarget } from './grpc-target.js';

// Entries are parsed and matched by core's compileHostPatterns, the same as @hoptrace/fetch's
// hostPolicy: fetch judges URLs, a channel its target's host and port.

/**
 * One entry of `propagateTo`, matched against the host of the channel's target (see
 * `parseGrpcTarget`): a hostname or IP address (`inventory.internal`, `10.0.0.7`, `::1`; any
 * port), a host with its port (`inventory.internal:50051`, `[::1]:50051`), a wildcard
 * (`*.svc.cluster.local`: any subdomain, not the domain itself), `*` alone (every host), or a
 * regular expression tested against the host (lower case, IPv6 without brackets). Names are
 * compared as written: `localhost` does not match `127.0.0.1`; an IDN entry is compared in
 * punycode. An entry that is none of these (a URL, `*.`, a bad port, an empty label, a character
 * no hostname has) is refused with `HoptraceOptionsError`.
 */
export type GrpcHostPattern = string | RegExp;

/**
 * Which channels carry hoptrace's metadata: one {@link GrpcHostPattern}, a list (any match is
 * enough), or a function asked about each channel's target. Default: every channel.
 */
export type GrpcPropagateTo =
  | GrpcHostPattern
  | readonly GrpcHostPattern[]
  | ((target: GrpcTarget) => boolean);

/** Whether a channel to `target` may carry hoptrace's metadata. */
export type GrpcHostPolicy = (target: GrpcTarget) => boolean;

/**
 * Compiles `propagateTo`, validating it now (a bad entry throws `HoptraceOptionsError` naming
 * `propagateTo`); `undefined` for the default, every channel. A function that throws or returns
 * anything but `true` is taken as "no".
 *
 * @example
 * ```ts
 * const allows = grpcHostPolicy(['*.svc.cluster.local', 'localhost:50051']);
 * allows?.({ host: 'inventory.shop.svc.cluster.local', port: 50051 }); // true
 * ```
 */
export function grpcHostPolicy(
  propagateTo: GrpcPropagateTo | undefined,
): GrpcHostPolicy | undefined {
  if (propagateTo === undefined) return undefined;
  if (typeof propagateTo === 'function') return safePredicate(propagateTo);
  const matches = compileHostPatterns(propagateTo);
  return (target) => matches(urlHostname(target.host), String(target.port));
}

/**
 * The host as a URL gives it: punycode, IP addresses canonical. Entries are compiled that way, so
 * `münchen.de` or `0:0::1` in a target matches the same text in `propagateTo`.
 */
function urlHostname(host: string): string {
  try {
    return new URL(`http://${host.includes(':') ? `[${host}]` : host}`).hostname;
  } catch {
    return host;
  }
}
