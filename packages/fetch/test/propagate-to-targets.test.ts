/**
 * `propagateTo` judges the host a call connects to, on every client: the vectors in
 * vectors/propagate-to-targets.json are sent, inside a request context, through instrumentOutbound
 * (node:http, global fetch, npm undici `request`), wrapFetch, hoptraceInterceptor and
 * instrumentAxios, to real servers on loopback. Tests can reach 127.0.0.1 and ::1 only, so
 * "allowed" and "not allowed" come from the pattern list, and hosts such as `allowed.internal`
 * are only ever named in paths, Host headers or absolute-form targets sent to a recording proxy.
 */
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { extract, runWithContext } from '@hoptrace/core';
import { close, groupRawHeaders, TRACE_HEADER_NAMES } from '@hoptrace/test-utils';
import axios from 'axios';
import { Agent, Client, ProxyAgent, request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentAxios } from '../src/instrument-axios.js';
import { instrumentOutbound } from '../src/instrument-outbound.js';
import type { OutboundOptions } from '../src/outbound.js';
import { hoptraceInterceptor } from '../src/undici-interceptor.js';
import { wrapFetch } from '../src/wrap-fetch.js';

/** Every header hoptrace may write: none may reach a host `propagateTo` leaves out. */
const HOPTRACE_HEADERS = [...TRACE_HEADER_NAMES, 'x-hoptrace-diag'];
const REQUEST_ID = 'propagate-to-targets';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const INCOMING = {
  'x-request-id': REQUEST_ID,
  traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01`,
  tracestate: 'vendor=value',
  baggage: 'user=alice',
};

type Server4 = 'v4' | 'v6' | 'localhost' | 'LOCALHOST' | 'proxy' | 'tunnel';
type Expectation = 'carried' | 'none';

interface TargetCase {
  readonly name: string;
  readonly allow: readonly string[];
  readonly to: Server4;
  readonly path: string;
  readonly userinfo?: string;
  readonly hostHeader?: string;
  readonly setHost?: boolean;
  readonly expect: Expectation;
  readonly connectExpect?: Expectation;
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
  readonly skipWhy?: string;
}

const vectors = JSON.parse(
  readFileSync(new URL('./vectors/propagate-to-targets.json', import.meta.url), 'utf8'),
) as { readonly cases: readonly TargetCase[] };

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string[]>;
}

/** A loopback server recording each request; CONNECT is tunnelled to the loopback port named. */
interface Recorder {
  readonly port: number;
  readonly received: Received[];
  readonly connects: Received[];
  close(): Promise<void>;
}

async function listenOn(server: Server, host: string, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

function recordingServer(received: Received[], connects: Received[]): Server {
  // No Host header is required: a request sent with `setHost: false` must be recorded too.
  const server = createServer({ requireHostHeader: false }, (request, response) => {
    received.push({
      method: request.method ?? '',
      url: request.url ?? '',
      headers: groupRawHeaders(request.rawHeaders),
    });
    request.resume();
    request.on('end', () => response.end('ok'));
  });
  const sockets = new Set<Socket>();
  server.on('connect', (request, socket: Socket, head: Buffer) => {
    connects.push({
      method: request.method ?? '',
      url: request.url ?? '',
      headers: groupRawHeaders(request.rawHeaders),
    });
    const port = Number(/:(\d+)$/.exec(request.url ?? '')?.[1]);
    // A test proxy: it only ever tunnels to this machine's loopback.
    const upstream = connect(port, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    sockets.add(socket).add(upstream);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  server.on('close', () => {
    for (const socket of sockets) socket.destroy();
  });
  return server;
}

async function startRecorder(host: '127.0.0.1' | '::1'): Promise<Recorder> {
  const received: Received[] = [];
  const connects: Received[] = [];
  const server = recordingServer(received, connects);
  const port = await listenOn(server, host);
  return { port, received, connects, close: () => close(server) };
}

/**
 * The 127.0.0.1 server, also listening on ::1 at the same port when that port is free there, so
 * `localhost` reaches it whichever address it resolves to.
 */
async function startLoopbackRecorder(): Promise<Recorder> {
  const received: Received[] = [];
  const connects: Received[] = [];
  const v4 = recordingServer(received, connects);
  const port = await listenOn(v4, '127.0.0.1');
  const v6 = recordingServer(received, connects);
  const dual = await listenOn(v6, '::1', port).then(
    () => true,
    () => false,
  );
  return {
    port,
    received,
    connects,
    close: async () => {
      await close(v4);
      if (dual) await close(v6);
    },
  };
}

let v4: Recorder;
let v6: Recorder;
let proxy: Recorder;

beforeAll(async () => {
  [v4, v6, proxy] = await Promise.all([
    startLoopbackRecorder(),
    startRecorder('::1'),
    startRecorder('127.0.0.1'),
  ]);
});

afterAll(async () => {
  await Promise.all([v4.close(), v6.close(), proxy.close()]);
});

function fill(text: string): string {
  return text
    .replaceAll('{port}', String(v4.port))
    .replaceAll('{port6}', String(v6.port))
    .replaceAll('{proxyPort}', String(proxy.port));
}

/** The call a case describes, with ports filled in, as each client is handed it. */
interface Call {
  readonly case: TargetCase;
  /** The host as a client's options take it: `127.0.0.1`, `::1`, `localhost`… */
  readonly host: string;
  readonly port: number;
  /** `http://[userinfo@]host:port`: what URL-taking clients and baseURL get. */
  readonly origin: string;
  /** The request target, an absolute one in punycode (what goes on the request line). */
  readonly path: string;
  /** origin + path for direct cases; the absolute target for proxy and tunnel cases. */
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly proxyOrigin: string;
  /** A ProxyAgent to the recording proxy: forwarding (no tunnel), or tunnelling with CONNECT. */
  proxyAgent(): ProxyAgent;
}

function callFor(vector: TargetCase): Call {
  const hosts: Record<Server4, [string, number]> = {
    v4: ['127.0.0.1', v4.port],
    v6: ['::1', v6.port],
    localhost: ['localhost', v4.port],
    LOCALHOST: ['LOCALHOST', v4.port],
    proxy: ['127.0.0.1', proxy.port],
    tunnel: ['127.0.0.1', proxy.port],
  };
  const [host, port] = hosts[vector.to];
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const userinfo = vector.userinfo === undefined ? '' : `${vector.userinfo}@`;
  const origin = `http://${userinfo}${authority}`;
  const given = fill(vector.path);
  const path = /^https?:\/\//.test(given) ? new URL(given).href : given;
  const viaProxy = vector.to === 'proxy' || vector.to === 'tunnel';
  const proxyOrigin = `http://127.0.0.1:${proxy.port}`;
  return {
    case: vector,
    host,
    port,
    origin,
    path,
    url: viaProxy ? given : `${origin}${given}`,
    headers: vector.hostHeader === undefined ? {} : { host: fill(vector.hostHeader) },
    proxyOrigin,
    proxyAgent: () => new ProxyAgent({ uri: proxyOrigin, proxyTunnel: vector.to === 'tunnel' }),
  };
}

/** Sends a node:http request as the case describes; whether a response came back. */
function nodeHttp(call: Call): Promise<boolean> {
  return new Promise((resolve) => {
    const { case: vector } = call;
    const options = {
      host: call.host,
      port: call.port,
      path: call.path,
      headers: call.headers,
      ...(vector.setHost === undefined ? {} : { setHost: vector.setHost }),
    };
    const outgoing =
      vector.userinfo === undefined
        ? httpRequest(options)
        : httpRequest(`${call.origin}${call.path}`, { headers: call.headers });
    outgoing.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(true));
    });
    outgoing.on('error', () => resolve(false));
    outgoing.end();
  });
}

/** Whether `send` got a response. */
async function settle(send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch {
    // A call its client refuses (fetch with userinfo, axios with `//host` as its url) sent
    // nothing: that too is "none arrive".
    return false;
  }
}

async function withDispatcher<Dispatcher extends { close(): Promise<void> }>(
  dispatcher: Dispatcher,
  send: (dispatcher: Dispatcher) => Promise<unknown>,
): Promise<boolean> {
  try {
    return await settle(() => send(dispatcher));
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}

/** `send()` with instrumentOutbound installed with `options`, uninstalled once it settles. */
async function withOutboundHooks(
  options: OutboundOptions,
  send: () => Promise<boolean>,
): Promise<boolean> {
  const uninstall = instrumentOutbound(options);
  try {
    return await send();
  } finally {
    uninstall();
  }
}

/**
 * Each client, sending one call inside the current request context with these options; each
 * resolves to whether the call got a response.
 */
const clients: ReadonlyArray<
  readonly [string, (call: Call, options: OutboundOptions) => Promise<boolean>]
> = [
  [
    'instrumentOutbound node:http',
    (call, options) => withOutboundHooks(options, () => nodeHttp(call)),
  ],
  [
    'instrumentOutbound global fetch',
    (call, options) =>
      withOutboundHooks(options, async () => {
        if (call.case.to === 'proxy' || call.case.to === 'tunnel') {
          return await withDispatcher(call.proxyAgent(), async (dispatcher) =>
            (await fetch(call.url, { dispatcher } as unknown as RequestInit)).text(),
          );
        }
        return await settle(async () => (await fetch(call.url, { headers: call.headers })).text());
      }),
  ],
  [
    'instrumentOutbound undici request',
    (call, options) =>
      withOutboundHooks(options, async () => {
        if (call.case.to === 'proxy' || call.case.to === 'tunnel') {
          return await withDispatcher(call.proxyAgent(), async (dispatcher) =>
            (await undiciRequest(call.url, { dispatcher })).body.text(),
          );
        }
        return await withDispatcher(new Agent(), async (dispatcher) =>
          (await undiciRequest(call.url, { dispatcher, headers: call.headers })).body.text(),
        );
      }),
  ],
  [
    'wrapFetch',
    async (call, options) => {
      const traced = wrapFetch(undefined, options);
      if (call.case.to === 'proxy' || call.case.to === 'tunnel') {
        return withDispatcher(call.proxyAgent(), async (dispatcher) =>
          (await traced(call.url, { dispatcher } as unknown as RequestInit)).text(),
        );
      }
      return settle(async () => (await traced(call.url, { headers: call.headers })).text());
    },
  ],
  [
    'hoptraceInterceptor',
    async (call, options) => {
      const interceptor = hoptraceInterceptor(options);
      // Through a proxy: a client to the proxy's origin, sending the absolute-form target, as a
      // forwarding proxy client does; otherwise an agent dispatching origin + path.
      const origin = call.case.to === 'proxy' ? call.proxyOrigin : call.origin;
      const base = call.case.to === 'proxy' ? new Client(call.proxyOrigin) : new Agent();
      return withDispatcher(base, async (dispatcher) => {
        const response = await dispatcher
          .compose(interceptor)
          .request({ origin, path: call.path, method: 'GET', headers: call.headers });
        return response.body.text();
      });
    },
  ],
  [
    'instrumentAxios',
    async (call, options) => {
      const client = axios.create();
      instrumentAxios(client, options);
      const proxied = call.case.to === 'proxy';
      return settle(() =>
        client.get(proxied ? call.url : call.path, {
          ...(proxied
            ? { proxy: { protocol: 'http', host: '127.0.0.1', port: proxy.port } }
            : { baseURL: call.origin, proxy: false }),
          headers: call.headers,
          responseType: 'text',
        }),
      );
    },
  ],
];

/** What hoptrace wrote on `request`, by header name. */
function written(request: Received): string[] {
  return HOPTRACE_HEADERS.filter((name) => request.headers[name] !== undefined);
}

function applies(clientName: string, vector: TargetCase): boolean {
  if (vector.only !== undefined && !vector.only.includes(clientName)) return false;
  if (vector.skip?.includes(clientName) === true) return false;
  // axios has no way to dial a forward proxy through CONNECT to plain http.
  return !(clientName === 'instrumentAxios' && vector.to === 'tunnel');
}

describe.each(clients)('%s', (clientName, send) => {
  const cases = vectors.cases.filter((vector) => applies(clientName, vector));

  it.each(cases.map((vector) => [vector.name, vector] as const))('%s', async (_name, vector) => {
    const call = callFor(vector);
    const servers = [v4, v6, proxy];
    const before = servers.map((server) => [server.received.length, server.connects.length]);
    const options: OutboundOptions = { propagateTo: vector.allow.map(fill) };
    const answered = await runWithContext(extract(INCOMING), () => send(call, options));

    const arrived = servers.map((server, index) => ({
      received: server.received.slice(before[index]?.[0]),
      connects: server.connects.slice(before[index]?.[1]),
    }));
    const all = arrived.flatMap(({ received }) => received);
    const connects = arrived.flatMap((server) => server.connects);
    for (const request of [...all, ...connects]) {
      expect(request.headers['x-hoptrace-diag'], 'x-hoptrace-diag').toBeUndefined();
    }
    if (vector.connectExpect === 'none') {
      for (const request of connects) expect(written(request), 'on the CONNECT').toEqual([]);
    }
    if (vector.expect === 'none') {
      // Not a vacuous pass: a call that got its answer was seen arriving, without the headers.
      if (answered) expect(all.length, 'requests that arrived').toBeGreaterThan(0);
      for (const request of all) expect(written(request), request.url).toEqual([]);
      return;
    }
    expect(answered, 'the call got its answer').toBe(true);
    // Carried: the request arrived where it was sent, with the request's identity.
    expect(all, 'requests that arrived').toHaveLength(1);
    const request = all[0] as Received;
    expect(request.headers['x-request-id']).toEqual([REQUEST_ID]);
    expect(request.headers.traceparent?.[0]).toContain(TRACE_ID);
    expect(request.headers.baggage).toEqual(['user=alice']);
  });
});
