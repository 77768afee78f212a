// The edges of the two-hop scenario (`run.mjs two-hop`): a node:http server that, per
// request, calls the backend (backend.mjs) with one client and answers once the backend has. The
// variants, per client:
// - `bare` / `bare-control`: no context, nothing propagated (they call the backend's `/bare`);
// - `als-floor`: a hand-written AsyncLocalStorage middleware that keeps a copy of the incoming
//   mesh headers, which the call reads from the store and passes to the client by hand;
// - `hoptrace`: zero code, `hoptraceHandler` and `instrumentOutbound()`;
// - `hoptrace-wrapfetch` (fetch): `hoptraceHandler` and `wrapFetch(fetch)`;
// - `hoptrace-interceptor` (fetch): `hoptraceHandler` and fetch through Node's own global
//   dispatcher composed with `hoptraceInterceptor()`, so it differs from bare by that alone;
// - `hoptrace-axios` (axios): `hoptraceHandler` and `instrumentAxios` on the axios instance.
// Every variant but the bare ones calls the backend's `/check`, which fails a call that lacks the
// incoming x-request-id or trace ID.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';

/** The clients an edge calls the backend with, and the variants raced on each. */
export const TWO_HOP_CONTENDERS = {
  fetch: ['bare-control', 'als-floor', 'hoptrace', 'hoptrace-wrapfetch', 'hoptrace-interceptor'],
  http: ['bare-control', 'als-floor', 'hoptrace'],
  axios: ['bare-control', 'als-floor', 'hoptrace', 'hoptrace-axios'],
};

/** The clients whose packages are installed (axios is a dev dependency of @hoptrace/fetch). */
export function twoHopClients() {
  const clients = Object.keys(TWO_HOP_CONTENDERS);
  try {
    createRequire(import.meta.url).resolve('axios');
    return clients;
  } catch {
    console.warn('axios is not installed: the axios client is skipped');
    return clients.filter((client) => client !== 'axios');
  }
}

/** The backend's path for `variant`: only the bare edges are let through unchecked. */
function backendPath(variant) {
  return variant === 'bare' || variant === 'bare-control' ? '/bare' : '/check';
}

/** What the floor copies: the request ID and every trace header a mesh may send. */
const MESH_HEADERS = [
  'x-request-id',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
  'traceparent',
  'tracestate',
];
const floorStorage = new AsyncLocalStorage();

/** The floor's middleware around `listener`: the store is the copy of the mesh headers. */
function floorMiddleware(listener) {
  return (request, response) => {
    const headers = {};
    for (const name of MESH_HEADERS) {
      const value = request.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    headers['x-request-id'] ??= randomUUID();
    response.setHeader('x-request-id', headers['x-request-id']);
    floorStorage.run(headers, listener, request, response);
  };
}

/** A call to the backend: resolves to its status; `headers` undefined sends none of ours. */
async function callMaker(client, variant, url) {
  if (client === 'fetch') {
    let send = (headers) => fetch(url, headers && { headers });
    if (variant === 'hoptrace-wrapfetch') {
      const { wrapFetch } = await import('@hoptrace/fetch');
      const wrapped = wrapFetch(fetch);
      send = () => wrapped(url);
    } else if (variant === 'hoptrace-interceptor') {
      const { hoptraceInterceptor } = await import('@hoptrace/fetch');
      // Node creates its global dispatcher on the first fetch; compose onto that very one.
      await (await fetch(new URL('/start', url))).arrayBuffer();
      const dispatcher = globalThis[Symbol.for('undici.globalDispatcher.1')].compose(
        hoptraceInterceptor(),
      );
      send = () => fetch(url, { dispatcher });
    }
    return async (headers) => {
      const response = await send(headers);
      await response.arrayBuffer();
      return response.status;
    };
  }
  if (client === 'http') {
    const agent = new Agent({ keepAlive: true });
    return (headers) =>
      new Promise((resolve, reject) => {
        httpRequest(url, { agent, headers }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode));
        })
          .on('error', reject)
          .end();
      });
  }
  if (client === 'axios') {
    const { default: axios } = await import('axios');
    const instance = axios.create({
      httpAgent: new Agent({ keepAlive: true }),
      validateStatus: null,
      responseType: 'text',
    });
    if (variant === 'hoptrace-axios') {
      const { instrumentAxios } = await import('@hoptrace/fetch');
      instrumentAxios(instance);
    }
    return async (headers) => (await instance.get(url, headers && { headers })).status;
  }
  throw new Error(`unknown two-hop client ${client}`);
}

let failuresLogged = 0;

/**
 * Builds the edge for `client` and `variant`, calling the backend at `backendOrigin`; resolves to
 * a function that listens on a port, as `buildApp` does.
 */
export async function buildEdge(client, variant, backendOrigin) {
  const name = variant === 'bare-control' ? 'bare' : variant;
  const call = await callMaker(client, name, `${backendOrigin}${backendPath(name)}`);
  const headersOfCall = name === 'als-floor' ? () => floorStorage.getStore() : () => undefined;
  const handler = (_request, response) => {
    call(headersOfCall()).then(
      (status) => {
        response.statusCode = status === 200 ? 200 : 502;
        response.end(status === 200 ? 'ok' : `backend answered ${status}`);
      },
      (error) => {
        if (failuresLogged++ < 3) console.error(`${client}/${variant}: call failed:`, error);
        response.statusCode = 502;
        response.end('backend call failed');
      },
    );
  };
  let listener = handler;
  if (name === 'als-floor') listener = floorMiddleware(handler);
  else if (name.startsWith('hoptrace')) {
    const { hoptraceHandler } = await import('@hoptrace/core');
    if (name === 'hoptrace') (await import('@hoptrace/fetch')).instrumentOutbound();
    listener = hoptraceHandler(handler);
  } else if (name !== 'bare') throw new Error(`unknown two-hop variant ${variant}`);
  const server = createServer(listener);
  return (port) =>
    new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
