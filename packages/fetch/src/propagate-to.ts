import { HoptraceOptionsError } from '@hoptrace/core';

/**
 * One entry of `propagateTo`: a hostname (`api.internal`, case-insensitive, a trailing dot
 * ignored), a host with its port (`api.internal:8443`), a wildcard (`*.svc.cluster.local`: any
 * subdomain, at any depth, but not `svc.cluster.local` itself; `*` alone: every host), or a
 * regular expression tested against the hostname (IPv6 literals without brackets).
 */
export type HostPattern = string | RegExp;

/**
 * Which hosts outbound calls carry hoptrace's headers to: one {@link HostPattern}, a list of them,
 * or a function given the call's URL. Default: every host.
 *
 * @example
 * ```ts
 * const propagateTo: PropagateTo = ['*.svc.cluster.local', 'localhost', /^10\./];
 * ```
 */
export type PropagateTo = HostPattern | readonly HostPattern[] | ((url: URL) => boolean);

/** Whether a call to `url` may carry hoptrace's headers. */
export type HostPolicy = (url: URL) => boolean;

/** `[::1]` → `::1`; `Example.COM.` → `example.com`. */
function normalizeHostname(hostname: string): string {
  let name = hostname.toLowerCase();
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value;
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
  const entry = normalizeHostname(pattern.trim());
  if (entry === '*') return () => true;
  if (entry.startsWith('*.')) {
    const suffix = entry.slice(1);
    return (url) => normalizeHostname(url.hostname).endsWith(suffix);
  }
  return (url) => {
    const hostname = normalizeHostname(url.hostname);
    if (hostname === entry) return true;
    const port = url.port === '' ? defaultPort(url.protocol) : url.port;
    return `${hostname}:${port}` === entry;
  };
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' || protocol === 'wss:' ? '443' : '80';
}

/**
 * Compiles `propagateTo` into one predicate, validating it now: a bad entry throws
 * `HoptraceOptionsError` naming `propagateTo`. Returns `undefined` for the default (every host),
 * so the per-call path skips building a URL. A predicate function that throws is taken as "no":
 * a bug in it must not break the call it was asked about.
 *
 * @example
 * ```ts
 * const allows = hostPolicy(['*.svc.cluster.local']);
 * allows?.(new URL('http://orders.shop.svc.cluster.local/')); // true
 * allows?.(new URL('https://api.stripe.com/')); // false
 * ```
 */
export function hostPolicy(propagateTo: PropagateTo | undefined): HostPolicy | undefined {
  if (propagateTo === undefined) return undefined;
  if (typeof propagateTo === 'function') {
    return (url) => {
      try {
        return propagateTo(url) === true;
      } catch {
        return false;
      }
    };
  }
  const entries: readonly unknown[] = Array.isArray(propagateTo) ? propagateTo : [propagateTo];
  const policies = entries.map(compilePattern);
  return (url) => policies.some((allows) => allows(url));
}
