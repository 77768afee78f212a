import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Agent, type ClientRequest } from 'node:http';
import { callTargetUrl } from './call-target.js';

/**
 * The diagnostics channel Node publishes inside the `ClientRequest` constructor, before the
 * caller can call `end()`: the last moment headers can still be added. Node ≥ 22.12 / ≥ 23.2.
 */
export const CLIENT_REQUEST_CREATED_CHANNEL = 'http.client.request.created';

/**
 * Whether this Node publishes {@link CLIENT_REQUEST_CREATED_CHANNEL} (added in v22.12.0 and
 * v23.2.0). Node has no way to ask whether a channel is ever published, hence the version check.
 *
 * @param version - a `process.versions.node` string; default: this process's.
 *
 * @example
 * ```ts
 * hasClientRequestCreatedChannel('20.19.0'); // false
 * hasClientRequestCreatedChannel('22.12.0'); // true
 * ```
 */
export function hasClientRequestCreatedChannel(
  version: string = process.versions.node ?? '',
): boolean {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  if (major === 22) return minor >= 12;
  if (major === 23) return minor >= 2;
  return major > 23;
}

/**
 * Calls `listener` with every `node:http`/`node:https` `ClientRequest` this process creates,
 * synchronously in its constructor (so in the caller's async context), before the caller can
 * call `write()` or `end()`: headers set there are sent. Returns the function that stops it.
 *
 * - Node ≥ 22.12: one subscriber to the `http.client.request.created` diagnostics channel.
 * - Older Node (20.x, 22.0–22.11), where no channel is early enough: `http.Agent.prototype.addRequest`
 *   is wrapped, which the constructor calls before returning. `https.Agent` inherits it, and
 *   `agent: false` still builds a one-off `Agent`, so both are seen; a request with
 *   `createConnection` and no agent, or an agent that overrides `addRequest` without calling
 *   the original, is not. The original is put back on unhook if the wrapper is still the one
 *   installed; otherwise (someone wrapped it after us) the wrapper stays but does nothing.
 *
 * On older Node the listener also gets the options the request hands its agent, which name the
 * port dialled (see {@link DialOptions}); the channel gives the request alone.
 *
 * A `listener` that throws never breaks the request: errors are swallowed.
 *
 * Follows Node's `diagnostics_channel` "HTTP" built-in channels.
 *
 * @example
 * ```ts
 * const unhook = hookClientRequests((request) => request.setHeader('x-seen', '1'));
 * // … later
 * unhook();
 * ```
 */
export function hookClientRequests(
  listener: (request: ClientRequest, options?: DialOptions) => void,
): () => void {
  const notify = (request: unknown, options?: unknown): void => {
    try {
      if (isClientRequest(request)) listener(request, dialOptions(options));
    } catch {
      // A hook must never break the caller's request.
    }
  };
  return hasClientRequestCreatedChannel() ? subscribeCreated(notify) : wrapAddRequest(notify);
}

/**
 * What a `ClientRequest` hands its agent's `addRequest` (Node's `http.request` options, with the
 * defaults Node filled in), of which the URL of the call reads the port dialled.
 *
 * @example
 * ```ts
 * hookClientRequests((request, options) => console.log(options?.port)); // 8080 on Node 20
 * ```
 */
export interface DialOptions {
  readonly port?: string | number | null | undefined;
}

function dialOptions(options: unknown): DialOptions | undefined {
  return typeof options === 'object' && options !== null ? (options as DialOptions) : undefined;
}

function isClientRequest(request: unknown): request is ClientRequest {
  return (
    typeof request === 'object' &&
    request !== null &&
    typeof (request as ClientRequest).setHeader === 'function' &&
    typeof (request as ClientRequest).getHeader === 'function'
  );
}

function subscribeCreated(notify: (request: unknown) => void): () => void {
  const onMessage = (message: unknown): void => {
    if (typeof message === 'object' && message !== null) {
      notify((message as { readonly request?: unknown }).request);
    }
  };
  subscribe(CLIENT_REQUEST_CREATED_CHANNEL, onMessage);
  return () => {
    unsubscribe(CLIENT_REQUEST_CREATED_CHANNEL, onMessage);
  };
}

type AddRequest = (this: Agent, request: ClientRequest, ...rest: unknown[]) => void;

function wrapAddRequest(notify: (request: unknown, options?: unknown) => void): () => void {
  const prototype = Agent.prototype as unknown as { addRequest: AddRequest };
  const original = prototype.addRequest;
  let active = true;
  const wrapper: AddRequest = function addRequest(this: Agent, request, ...rest) {
    if (active) notify(request, rest[0]);
    return original.call(this, request, ...rest);
  };
  prototype.addRequest = wrapper;
  return () => {
    active = false;
    if (prototype.addRequest === wrapper) prototype.addRequest = original;
  };
}

/**
 * The URL a `ClientRequest` goes to, for the host policy (see `callTargetUrl`): its protocol, the
 * host it dials (`request.host`), the port it dials, and its path, set on that origin so a path
 * such as `//other.host/x` never changes the host. An absolute-form path (a request to a forward
 * proxy) gives the target, with the host dialled as its proxy. The `Host` header never names the
 * host, whatever it says.
 *
 * The port, first found of: `options.port` (from the agent's `addRequest`, on Node < 22.12); the
 * authority Node ≥ 24 keeps from the options; the `Host` header's when that header names the host
 * dialled (Node writes it from the options unless `setHost: false` or the caller set one);
 * otherwise unknown, which matches no `propagateTo` entry with a port. `undefined` when the
 * request cannot be judged.
 *
 * @example
 * ```ts
 * clientRequestUrl(http.request('http://127.0.0.1:8080/a'))?.href; // 'http://127.0.0.1:8080/a'
 * clientRequestUrl(http.request({ host: '127.0.0.1', path: '//a.internal/x' }))?.host; // '127.0.0.1'
 * ```
 */
export function clientRequestUrl(request: ClientRequest, options?: DialOptions): URL | undefined {
  try {
    const { protocol, host, path } = request;
    if (typeof protocol !== 'string' || typeof host !== 'string' || host === '') return undefined;
    return callTargetUrl({
      protocol,
      hostname: host,
      port: dialledPort(request, host, options),
      path: typeof path === 'string' ? path : undefined,
    });
  } catch {
    return undefined;
  }
}

/** The port `request` dials, as a string; `''` for the protocol's default; `null` if unknown. */
function dialledPort(
  request: ClientRequest,
  host: string,
  options: DialOptions | undefined,
): string | null {
  const given = options?.port;
  if ((typeof given === 'number' || typeof given === 'string') && given !== '') {
    return String(given);
  }
  const hostname = bracketed(host);
  const authority = portOf(nodeAuthority(request), hostname);
  if (authority !== undefined) return authority;
  return portOf(request.getHeader('host'), hostname) ?? null;
}

function bracketed(host: string): string {
  try {
    const name = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    return new URL(`http://${name}`).hostname;
  } catch {
    return host;
  }
}

/**
 * The `host[:port]` Node ≥ 24 builds from the options and keeps on the request under an internal
 * symbol (`kAuthority`, for its perf entries). Internal, hence read only when it is a string and
 * only trusted when it names the host dialled (see `portOf`).
 */
function nodeAuthority(request: ClientRequest): unknown {
  const symbol = Object.getOwnPropertySymbols(request).find(
    (candidate) => candidate.description === 'kAuthority',
  );
  return symbol === undefined ? undefined : (request as unknown as Record<symbol, unknown>)[symbol];
}

/**
 * The port of a `host[:port]` value when it names `hostname` (`''` when it names no port: the
 * protocol's default); `undefined` when it names another host or does not parse: a `Host` header
 * for a virtual host says nothing of the port dialled.
 */
function portOf(value: unknown, hostname: string): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    const parsed = new URL(`http://${value}`);
    if (parsed.hostname !== hostname || parsed.username !== '' || parsed.pathname !== '/') {
      return undefined;
    }
    // `new URL` drops port 80 as http's default; the value's own text tells whether it named one.
    const colon = value.lastIndexOf(':');
    const named = colon > value.lastIndexOf(']') ? value.slice(colon + 1) : '';
    return named;
  } catch {
    return undefined;
  }
}
