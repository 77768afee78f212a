import { HoptraceOptionsError } from '@hoptrace/core';
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

/** `[::1]` → `::1`; `example.com.` → `example.com` (URL hostnames are already lower case). */
function normalizeHostname(hostname: string): string {
  let name = hostname.toLowerCase();
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value;
}

function refuse(given: string, why: string): never {
  throw new HoptraceOptionsError('propagateTo', `entry ${JSON.stringify(given)} ${why}`);
}

/** One string entry, parsed: the host as a URL would give it, and the port it names, if any. */
interface HostEntry {
  /** Lower case, punycode, IPv6 without brackets, no trailing dot; for a wildcard, the suffix. */
  readonly hostname: string;
  readonly port: string | undefined;
  readonly wildcard: boolean;
}

const LABEL = /^[a-z\d_-]+$/;
const PORT = /^\d{1,5}$/;

/** Splits `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address. */
function splitPort(given: string, rest: string): [host: string, port: string | undefined] {
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end === -1) refuse(given, 'opens an IPv6 bracket it does not close');
    const after = rest.slice(end + 1);
    if (after !== '' && !after.startsWith(':')) refuse(given, 'has text after its IPv6 address');
    return [rest.slice(0, end + 1), after === '' ? undefined : after.slice(1)];
  }
  const first = rest.indexOf(':');
  if (first === -1) return [rest, undefined];
  // Two colons or more: an IPv6 address without brackets, which cannot carry a port.
  if (rest.includes(':', first + 1)) return [`[${rest}]`, undefined];
  return [rest.slice(0, first), rest.slice(first + 1)];
}

function parseEntry(given: string): HostEntry {
  if (given.includes('://')) {
    refuse(given, 'is a URL; give its host, with a port if needed: "api.internal:8443"');
  }
  if (/[\s/?#@\\]/.test(given)) {
    refuse(given, 'is not a host: it holds a space, "/", "?", "#", "@" or "\\"');
  }
  const wildcard = given.startsWith('*.');
  const rest = wildcard ? given.slice(2) : given;
  if (rest.includes('*')) {
    refuse(
      given,
      'misplaces "*": write "*" alone, or "*." before a domain ("*.svc.cluster.local")',
    );
  }
  const [host, port] = splitPort(given, rest);
  if (port !== undefined && (!PORT.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    refuse(given, 'has a port that is not a number from 1 to 65535');
  }
  const ipv6 = host.startsWith('[');
  if (wildcard && ipv6) refuse(given, 'puts a wildcard before an IPv6 address');
  // One trailing dot is the root of the DNS, which URL hostnames may keep or not.
  const name = !ipv6 && host.endsWith('.') ? host.slice(0, -1) : host;
  if (name === '') refuse(given, wildcard ? 'has no domain after "*."' : 'has no host');
  if (!ipv6 && name.split('.').includes('')) refuse(given, 'has an empty label ("a..b", ".a")');
  let hostname: string;
  try {
    // The URL parser's own host parsing, so the entry reads as hostnames do: lower case, IDNs
    // in punycode, IPv4 and IPv6 addresses canonical. A wildcard's suffix is parsed as the
    // domain it is, under one label ('x.'), never on its own as an IPv4 address.
    const parsed = new URL(`http://${wildcard ? `x.${name}` : name}`).hostname;
    hostname = wildcard ? parsed.slice(2) : parsed;
  } catch {
    refuse(given, 'is not a valid hostname, IPv4 or IPv6 address');
  }
  if (!ipv6 && !hostname.split('.').every((label) => LABEL.test(label))) {
    refuse(given, 'holds characters no hostname has (letters, digits, "-" and "_" only)');
  }
  return { hostname: normalizeHostname(hostname), port, wildcard };
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' || protocol === 'wss:' ? '443' : '80';
}

function compilePattern(pattern: unknown): HostPolicy {
  if (pattern instanceof RegExp) {
    // A global or sticky regex keeps lastIndex between calls, so the same host would alternate.
    const regex = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    return (url) => regex.test(normalizeHostname(url.hostname));
  }
  if (typeof pattern !== 'string' || pattern.trim() === '') {
    throw new HoptraceOptionsError(
      'propagateTo',
      `must hold hostnames, wildcards like "*.svc.cluster.local", regular expressions or be a function; got ${describe(pattern)}`,
    );
  }
  const given = pattern.trim();
  if (given === '*') return () => true;
  const entry = parseEntry(given);
  const suffix = `.${entry.hostname}`;
  return (url) => {
    const hostname = normalizeHostname(url.hostname);
    const hostMatches = entry.wildcard ? hostname.endsWith(suffix) : hostname === entry.hostname;
    if (!hostMatches) return false;
    if (entry.port === undefined) return true;
    // A port the client could not tell matches no entry that names one.
    if (!isPortKnown(url)) return false;
    return (url.port === '' ? defaultPort(url.protocol) : url.port) === entry.port;
  };
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
 * The predicate judges the URL it is given; for a URL built from a forward-proxy request it
 * judges the proxy as well, and both must pass.
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
  if (typeof propagateTo === 'function') {
    return everyHop((url) => {
      try {
        return propagateTo(url) === true;
      } catch {
        return false;
      }
    });
  }
  const entries: readonly unknown[] = Array.isArray(propagateTo) ? propagateTo : [propagateTo];
  const policies = entries.map(compilePattern);
  return everyHop((url) => policies.some((allows) => allows(url)));
}
