import { describeValue, HoptraceOptionsError } from '../errors.js';

/**
 * One entry of an outbound adapter's `propagateTo`, matched against the host a call connects to:
 *
 * - a hostname: `api.internal` (case-insensitive, a trailing dot ignored, an IDN in Unicode or
 *   punycode alike), an IPv4 address, or an IPv6 address with or without brackets (`::1`,
 *   `[::1]`). Any port matches.
 * - a host with its port: `api.internal:8443`, `[::1]:3000` (never matches a port not known).
 * - a wildcard: `*.svc.cluster.local` (any subdomain, at any depth, but not `svc.cluster.local`
 *   itself; a port may follow); `*` alone: every host.
 * - a regular expression, tested against the hostname as a URL gives it: lower case, punycode,
 *   no trailing dot, IPv6 without brackets.
 *
 * Names are compared as written: `localhost` does not match `127.0.0.1`, nor the other way round.
 *
 * @example
 * ```ts
 * const patterns: readonly HostPattern[] = ['*.svc.cluster.local', 'api.internal:8443', /^10\./];
 * ```
 */
export type HostPattern = string | RegExp;

/**
 * Whether a host may carry hoptrace's headers: `hostname` as a URL or a channel target gives it,
 * `port` the port the call connects to (the protocol's default when none is written, as a decimal
 * string such as `'443'`), or `null` when the client could not tell it.
 *
 * @example
 * ```ts
 * const matches: HostMatcher = compileHostPatterns('*.svc.cluster.local');
 * matches('orders.shop.svc.cluster.local', '8080'); // true
 * ```
 */
export type HostMatcher = (hostname: string, port: string | null) => boolean;

/** One string entry, parsed: the host as a URL would give it, and the port it names, if any. */
interface HostEntry {
  /** Lower case, punycode, IPv6 without brackets, no trailing dot; for a wildcard, the suffix. */
  readonly hostname: string;
  /** Decimal, no leading zeros (`'8443'`), or `undefined` for any port. */
  readonly port: string | undefined;
  readonly wildcard: boolean;
}

const LABEL = /^[a-z\d_-]+$/;
const PORT = /^\d{1,5}$/;

/** `[::1]` → `::1`; `Example.com.` → `example.com`. */
function normalizeHostname(hostname: string): string {
  let name = hostname.toLowerCase();
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function refuse(given: string, why: string): never {
  throw new HoptraceOptionsError('propagateTo', `entry ${JSON.stringify(given)} ${why}`);
}

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
  return {
    hostname: normalizeHostname(hostname),
    port: port === undefined ? undefined : String(Number(port)),
    wildcard,
  };
}

function compilePattern(pattern: unknown): HostMatcher {
  if (pattern instanceof RegExp) {
    // A global or sticky regex keeps lastIndex between calls, so the same host would alternate.
    const regex = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    return (hostname) => regex.test(normalizeHostname(hostname));
  }
  if (typeof pattern !== 'string' || pattern.trim() === '') {
    throw new HoptraceOptionsError(
      'propagateTo',
      `must hold hostnames, wildcards like "*.svc.cluster.local", regular expressions or be a function; got ${describeValue(pattern)}`,
    );
  }
  const given = pattern.trim();
  if (given === '*') return () => true;
  const entry = parseEntry(given);
  const suffix = `.${entry.hostname}`;
  return (hostname, port) => {
    const name = normalizeHostname(hostname);
    const hostMatches = entry.wildcard ? name.endsWith(suffix) : name === entry.hostname;
    if (!hostMatches) return false;
    // A port the client could not tell matches no entry that names one.
    return entry.port === undefined || port === entry.port;
  };
}

/**
 * Compiles `propagateTo` entries (one {@link HostPattern} or a list; any one matching is enough)
 * into one {@link HostMatcher}, validating them now: an entry that is none of the forms
 * {@link HostPattern} lists (a URL, `*.`, a bad port, an empty label, a space, not a string or
 * RegExp) throws `HoptraceOptionsError` naming `propagateTo` and the entry. An empty list
 * matches no host. The matcher takes the effective port (callers resolve a protocol's default),
 * or `null` when it is unknown: an entry naming a port never matches an unknown port.
 *
 * @example
 * ```ts
 * const matches = compileHostPatterns(['*.svc.cluster.local', 'api.internal:8443']);
 * matches('orders.shop.svc.cluster.local', '80'); // true
 * matches('api.internal', '443'); // false: port 443, not 8443
 * matches('api.internal', null); // false: the port is not known
 * compileHostPatterns('*.'); // throws HoptraceOptionsError: propagateTo entry "*." has no domain after "*."
 * ```
 */
export function compileHostPatterns(patterns: HostPattern | readonly HostPattern[]): HostMatcher {
  const entries: readonly unknown[] = Array.isArray(patterns) ? patterns : [patterns];
  const matchers = entries.map(compilePattern);
  return (hostname, port) => matchers.some((matches) => matches(hostname, port));
}

/**
 * Wraps a user's `propagateTo` function so that asking it never breaks the call it is asked
 * about: an answer other than `true`, or a throw, is taken as "no".
 *
 * @example
 * ```ts
 * const allows = safePredicate((url: URL) => url.hostname.endsWith('.internal'));
 * allows(new URL('http://billing.internal/')); // true
 * safePredicate(() => { throw new Error('bug'); })(undefined); // false
 * ```
 */
export function safePredicate<T>(predicate: (value: T) => boolean): (value: T) => boolean {
  return (value) => {
    try {
      return predicate(value) === true;
    } catch {
      return false;
    }
  };
}
