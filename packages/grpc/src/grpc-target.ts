/** Where a channel connects: the host and port its target names. */
export interface GrpcTarget {
  /** Lower case, no trailing dot, IPv6 without brackets. */
  readonly host: string;
  /** The port named, else 443 (grpc-js's default for a name without one). */
  readonly port: number;
}

const DEFAULT_PORT = 443;

/** `host`, `host:port`, `[v6]`, `[v6]:port`, or a bare IPv6 address. */
function splitHostPort(authority: string): GrpcTarget | undefined {
  let host: string;
  let port: string | undefined;
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end === -1) return undefined;
    host = authority.slice(1, end);
    const rest = authority.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) return undefined;
    port = rest === '' ? undefined : rest.slice(1);
  } else {
    const colon = authority.indexOf(':');
    if (colon !== -1 && authority.includes(':', colon + 1)) {
      host = authority; // an IPv6 address without brackets carries no port
    } else if (colon === -1) {
      host = authority;
    } else {
      host = authority.slice(0, colon);
      port = authority.slice(colon + 1);
    }
  }
  host = host.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '' || /[\s/?#@\\]/.test(host)) return undefined;
  if (port === undefined || port === '') return { host, port: DEFAULT_PORT };
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return undefined;
  return { host, port: Number(port) };
}

/**
 * The host and port a grpc-js channel target names (gRPC's naming doc): `host:port`,
 * `dns:host:port`, `dns:///host:port`, `dns://authority/host:port`, `ipv4:1.2.3.4:50051` (the
 * first address of a list), `ipv6:[::1]:50051`. `undefined` for a target with no host to judge
 * (`unix:`, `unix-abstract:`, `xds:`, or anything that does not parse): with `propagateTo` set,
 * such a channel gets no headers.
 *
 * @example
 * ```ts
 * parseGrpcTarget('dns:///inventory.shop.svc.cluster.local:50051');
 * // { host: 'inventory.shop.svc.cluster.local', port: 50051 }
 * ```
 */
export function parseGrpcTarget(target: string): GrpcTarget | undefined {
  const text = target.trim();
  const scheme = /^([a-z][a-z\d+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'dns') {
    let rest = text.slice(4);
    // dns:[//authority/]host[:port]: the DNS server's authority is not where the call goes.
    if (rest.startsWith('//')) {
      const slash = rest.indexOf('/', 2);
      if (slash === -1) return undefined;
      rest = rest.slice(slash + 1);
    }
    return splitHostPort(rest);
  }
  if (scheme === 'ipv4' || scheme === 'ipv6') {
    const first = text.slice(scheme.length + 1).split(',')[0] ?? '';
    return splitHostPort(first);
  }
  // A known scheme with no host (unix, xds…). A bare `host:port` parses as scheme `host` with a
  // port after it: told apart by what follows the colon.
  if (scheme !== undefined && !/^[a-z\d.-]+:\d+$/i.test(text) && !text.startsWith('[')) {
    return undefined;
  }
  return splitHostPort(text);
}
