/**
 * Where a call's headers go, as a client is about to send them: the origin it connects to and
 * the request target it writes on the request line. Every client (node:http, undici's hook and
 * interceptor, fetch, axios) describes its call this way, and {@link callTargetUrl} turns that
 * into the URL `propagateTo` judges.
 *
 * @example
 * ```ts
 * const target: CallTarget = { protocol: 'http:', hostname: '127.0.0.1', port: 8080, path: '//a/x' };
 * callTargetUrl(target)?.host; // '127.0.0.1:8080': the path never names the host
 * ```
 */
export interface CallTarget {
  /** `http:` or `https:` (the colon may be left off); any other scheme cannot be judged. */
  readonly protocol: string;
  /** The host connected to: a name, an IPv4 address, or an IPv6 address with or without brackets. */
  readonly hostname: string;
  /**
   * The port connected to. `undefined` or `''`: the protocol's default. `null`: the client cannot
   * tell, and a `propagateTo` entry that names a port then does not match (see `hostPolicy`).
   */
  readonly port?: string | number | null | undefined;
  /**
   * The request target (RFC 9112 §3.2). Origin-form (`/a?b`, `//x/y`): the path of the origin,
   * never a host. Absolute-form (`http://api.internal/a`): a request to a forward proxy, which
   * the origin then is (both receive the headers). Authority-form (`CONNECT host:port`) or `*`:
   * nothing beyond the origin. Default: `/`.
   */
  readonly path?: string | undefined;
}

/** The forward proxy each judged URL goes through, by the URL: see {@link forwardProxyOf}. */
const proxies = new WeakMap<URL, URL>();
/** Judged URLs whose port the client could not tell: see {@link isPortKnown}. */
const unknownPorts = new WeakSet<URL>();

const SCHEME = /^[a-z][a-z\d+.-]*:\/\//i;
const HTTP_SCHEME = /^https?:$/i;
/** What would make the URL parser read a hostname as more than a host (RFC 3986 §3.2.2). */
const NOT_IN_A_HOST = /[/?#@\\\s]/;
const PORT = /^\d{1,5}$/;

/**
 * The URL `propagateTo` judges for a call (see {@link CallTarget}). Built from the origin, with
 * the path set as `pathname` and `search` on it, so no path (`//other.host/x`, `/@other`) can
 * change the host: a client dials the host it was given, whatever the path says. For an
 * absolute-form path, the URL is that target and {@link forwardProxyOf} gives the origin, the
 * proxy; both receive the headers, so both must be allowed. `undefined` when the call cannot be
 * judged (another scheme, a hostname that is no host, a bad port): it then gets no headers.
 *
 * Follows RFC 9112 §3.2 (request target forms) and the WHATWG URL Standard (host parsing: names
 * lower-cased, IDNs in punycode, IPv4 and IPv6 addresses canonical).
 *
 * @example
 * ```ts
 * callTargetUrl({ protocol: 'http', hostname: '::1', port: '9000', path: '/v6?q=1' })?.href;
 * // 'http://[::1]:9000/v6?q=1'
 * const viaProxy = callTargetUrl({ protocol: 'http:', hostname: 'proxy', port: 3128, path: 'http://api/x' });
 * viaProxy?.host; // 'api'
 * forwardProxyOf(viaProxy!)?.host; // 'proxy:3128'
 * ```
 */
export function callTargetUrl(target: CallTarget): URL | undefined {
  try {
    const origin = originUrl(target);
    if (origin === undefined) return undefined;
    const { path } = target;
    if (typeof path !== 'string' || path === '') return origin;
    if (path.startsWith('/')) {
      const query = path.indexOf('?');
      origin.pathname = query === -1 ? path : path.slice(0, query);
      origin.search = query === -1 ? '' : path.slice(query);
      return origin;
    }
    if (SCHEME.test(path)) {
      const absolute = new URL(path);
      // A proxy forwarding another scheme (ftp://…) reaches a host this cannot judge.
      if (!HTTP_SCHEME.test(absolute.protocol)) return undefined;
      const judged = callTargetUrl({
        protocol: absolute.protocol,
        hostname: absolute.hostname,
        port: absolute.port,
        path: `${absolute.pathname}${absolute.search}`,
      });
      if (judged !== undefined) proxies.set(judged, origin);
      return judged;
    }
    // Authority-form (CONNECT) or `*` (OPTIONS): addressed to the origin, naming no other host.
    return origin;
  } catch {
    return undefined;
  }
}

function originUrl({ protocol, hostname, port }: CallTarget): URL | undefined {
  const scheme = protocol.endsWith(':') ? protocol : `${protocol}:`;
  if (!HTTP_SCHEME.test(scheme) || typeof hostname !== 'string' || hostname === '') {
    return undefined;
  }
  if (NOT_IN_A_HOST.test(hostname)) return undefined;
  const host = hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
  const url = new URL(`${scheme}//${host}`);
  if (port === null) {
    unknownPorts.add(url);
  } else if (port !== undefined && port !== '') {
    const text = String(port);
    // The URL port setter ignores what it cannot parse ('99999', '12ab' → 12): refuse it instead.
    if (!PORT.test(text) || Number(text) > 65535) return undefined;
    url.port = text;
  }
  return url;
}

/**
 * {@link callTargetUrl} for a client that takes an absolute URL and connects to its host (fetch,
 * axios without a proxy): a string, or a `URL` (from any realm). Only its protocol, host, port,
 * path and query count: userinfo (`http://allowed@other/`) names no host.
 *
 * @example
 * ```ts
 * absoluteTargetUrl('http://allowed.internal@127.0.0.1:8080/x')?.host; // '127.0.0.1:8080'
 * absoluteTargetUrl('/relative'); // undefined
 * ```
 */
export function absoluteTargetUrl(input: string | URL): URL | undefined {
  return targetOn(input, (url) => `${url.pathname}${url.search}`);
}

/**
 * {@link callTargetUrl} for an undici dispatch: its `origin` (a string or `URL`, of which only
 * protocol, host and port count) and its `path`.
 *
 * @example
 * ```ts
 * dispatchTargetUrl('http://127.0.0.1:8080', '//allowed.internal/x')?.host; // '127.0.0.1:8080'
 * ```
 */
export function dispatchTargetUrl(origin: unknown, path: unknown): URL | undefined {
  if (typeof origin !== 'string' && !(origin instanceof URL)) return undefined;
  return targetOn(origin, () => (typeof path === 'string' ? path : undefined));
}

/**
 * {@link callTargetUrl} for the protocol, host and port of `base` (parsed when a string) and the
 * path `pathOf` gives for it; `undefined` when `base` does not parse.
 */
function targetOn(base: string | URL, pathOf: (url: URL) => string | undefined): URL | undefined {
  try {
    const url = typeof base === 'string' ? new URL(base) : base;
    return callTargetUrl({
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port,
      path: pathOf(url),
    });
  } catch {
    return undefined;
  }
}

/**
 * The forward proxy a URL from {@link callTargetUrl} goes through (the origin of an
 * absolute-form request), or `undefined` when the call goes straight to its host.
 *
 * @example
 * ```ts
 * forwardProxyOf(callTargetUrl({ protocol: 'http', hostname: 'p', path: 'http://t/' })!)?.host; // 'p'
 * ```
 */
export function forwardProxyOf(url: URL): URL | undefined {
  return proxies.get(url);
}

/**
 * Whether the client told the port of this URL (`false` for a {@link CallTarget} with
 * `port: null`). A URL not built by {@link callTargetUrl} has a known port.
 *
 * @example
 * ```ts
 * isPortKnown(callTargetUrl({ protocol: 'http', hostname: 'h', port: null })!); // false
 * ```
 */
export function isPortKnown(url: URL): boolean {
  return !unknownPorts.has(url);
}
