import { compileHostPatterns, safePredicate } from '@hoptrace/core/adapter';
import { forwardProxyOf, isPortKnown } from './call-target.js';

/**
 * One entry of `propagateTo`, matched against the host a call connects to (never a `Host`
 * header, never a host named in the path):
 *
 * - a hostname: `api.internal` (case-insensitive, a trailing dot ignored, an IDN in Unicode or
 *   punycode alike), an IPv4 address, or an IPv6 address with or without brackets (`::1`,
 *   `[::1]`). Any port matches.
 * - a host with its port: `api.internal:8443`, `[::1]:3000`. A URL with no port has its
 *   protocol's default (`api.internal:443` matches `https://api.internal/`).
 * - a wildcard: `*.svc.cluster.local` (any subdomain, at any depth, but not `svc.cluster.local`
 *   itself; a port may follow); `*` alone: every host.
 * - a regular expression, tested against the hostname as the URL gives it: lower case, punycode,
 *   no trailing dot, IPv6 without brackets.
 *
 * Names are compared as written: `localhost` does not match `127.0.0.1`, nor the other way round.
 * An entry that is none of these (a URL, `*.`, a bad port, an empty label, a space) is refused
 * when the options are read, with `HoptraceOptionsError`.
 */
export type HostPattern = string | RegExp;

/**
 * Which hosts outbound calls carry hoptrace's headers to: one {@link HostPattern}, a list of them
 * (any one matching is enough), or a function asked about each host the headers reach. Default:
 * every host. Through a forward proxy, the headers reach both the proxy and the target, so both
 * must be allowed (a function is asked twice).
 *
 * @example
 * ```ts
 * const propagateTo: PropagateTo = ['*.svc.cluster.local', 'localhost', /^10\./];
 * ```
 */
export type PropagateTo = HostPattern | readonly HostPattern[] | ((url: URL) => boolean);

/**
 * Whether a call to `url` may carry hoptrace's headers. Given a URL a client built with
 * `callTargetUrl`, it also judges the forward proxy that URL goes through.
 */
export type HostPolicy = (url: URL) => boolean;

function defaultPort(protocol: string): string {
  return protocol === 'https:' || protocol === 'wss:' ? '443' : '80';
}

/** The port `url` connects to (its protocol's default when none is written), `null` if unknown. */
function effectivePort(url: URL): string | null {
  if (!isPortKnown(url)) return null;
  return url.port === '' ? defaultPort(url.protocol) : url.port;
}

/** `allows` for the URL and, when it goes through a forward proxy, for the proxy too. */
function everyHop(allows: HostPolicy): HostPolicy {
  return (url) => {
    if (!allows(url)) return false;
    const proxy = forwardProxyOf(url);
    return proxy === undefined || allows(proxy);
  };
}

/**
 * Compiles `propagateTo` into one predicate, validating it now: a bad entry (see
 * {@link HostPattern}) throws `HoptraceOptionsError` naming `propagateTo` and the entry. Returns
 * `undefined` for the default (every host), so the per-call path skips building a URL. A
 * predicate function that throws or returns anything but `true` is taken as "no": a bug in it
 * must not break the call it was asked about.
 *
 * The predicate judges the URL it is given (its hostname and effective port, through core's
 * `compileHostPatterns`, shared with `@hoptrace/grpc`); for a URL built from a forward-proxy
 * request it judges the proxy as well, and both must pass.
 *
 * @example
 * ```ts
 * const allows = hostPolicy(['*.svc.cluster.local', 'api.internal:8443']);
 * allows?.(new URL('http://orders.shop.svc.cluster.local/')); // true
 * allows?.(new URL('https://api.internal/')); // false: port 443, not 8443
 * allows?.(new URL('https://api.stripe.com/')); // false
 * hostPolicy('*.'); // throws HoptraceOptionsError: propagateTo entry "*." has no domain after "*."
 * ```
 */
export function hostPolicy(propagateTo: PropagateTo | undefined): HostPolicy | undefined {
  if (propagateTo === undefined) return undefined;
  if (typeof propagateTo === 'function') return everyHop(safePredicate(propagateTo));
  const matches = compileHostPatterns(propagateTo);
  return everyHop((url) => matches(url.hostname, effectivePort(url)));
}
