import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Agent, type ClientRequest } from 'node:http';

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
export function hookClientRequests(listener: (request: ClientRequest) => void): () => void {
  const notify = (request: unknown): void => {
    try {
      if (isClientRequest(request)) listener(request);
    } catch {
      // A hook must never break the caller's request.
    }
  };
  return hasClientRequestCreatedChannel() ? subscribeCreated(notify) : wrapAddRequest(notify);
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

function wrapAddRequest(notify: (request: unknown) => void): () => void {
  const prototype = Agent.prototype as unknown as { addRequest: AddRequest };
  const original = prototype.addRequest;
  let active = true;
  const wrapper: AddRequest = function addRequest(this: Agent, request, ...rest) {
    if (active) notify(request);
    return original.call(this, request, ...rest);
  };
  prototype.addRequest = wrapper;
  return () => {
    active = false;
    if (prototype.addRequest === wrapper) prototype.addRequest = original;
  };
}

/**
 * The URL a `ClientRequest` goes to, for the host policy: its protocol, the host it dials, the
 * port from its `Host` header when that header names the same host (else the protocol's default),
 * and its path. `undefined` when it cannot be told.
 *
 * @example
 * ```ts
 * clientRequestUrl(http.request('http://127.0.0.1:8080/a'))?.href; // 'http://127.0.0.1:8080/a'
 * ```
 */
export function clientRequestUrl(request: ClientRequest): URL | undefined {
  try {
    const { protocol, host, path } = request;
    if (typeof protocol !== 'string' || typeof host !== 'string' || host === '') return undefined;
    const hostname = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    const url = new URL(`${protocol}//${hostname}`);
    const port = portFromHostHeader(request.getHeader('host'), url.hostname);
    if (port !== undefined) url.port = port;
    // An absolute-form path (a request to a forward proxy) is not a path of this origin.
    if (typeof path === 'string' && path.startsWith('/')) return new URL(path, url);
    return url;
  } catch {
    return undefined;
  }
}

function portFromHostHeader(
  header: string | string[] | number | undefined,
  hostname: string,
): string | undefined {
  if (typeof header !== 'string') return undefined;
  try {
    const parsed = new URL(`http://${header}`);
    return parsed.hostname === hostname && parsed.port !== '' ? parsed.port : undefined;
  } catch {
    return undefined;
  }
}
