// One configuration, given once to the server adapter, governs the calls its requests make: every
// server adapter × every client, the client left at its defaults. A client option named
// explicitly wins; outside a request, the client's own options apply.
import { createServer, get as httpGet, type Server } from 'node:http';
import { type HoptraceOptions, hoptraceHandler, type Observation } from '@hoptrace/core';
import { hoptrace as expressHoptrace } from '@hoptrace/express';
import { hoptrace as fastifyHoptrace, hoptraceServerOptions } from '@hoptrace/fastify';
import { hoptrace as koaHoptrace } from '@hoptrace/koa';
import {
  close,
  type HeaderSink,
  listen,
  type SinkRequest,
  send,
  startHeaderSink,
} from '@hoptrace/test-utils';
import axios from 'axios';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { Agent, request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentAxios } from '../src/instrument-axios.js';
import { instrumentOutbound } from '../src/instrument-outbound.js';
import { hoptraceInterceptor } from '../src/undici-interceptor.js';
import { wrapFetch } from '../src/wrap-fetch.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const INCOMING = {
  'x-trace-id': 'incoming-id',
  traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
  'x-tenant': 'acme',
};

const records: Observation[] = [];
/** Everything a new user would set on the server side, none of it the defaults. */
const SERVER_OPTIONS: HoptraceOptions = {
  mode: 'child',
  requestIdHeader: 'x-trace-id',
  formats: ['traceparent', 'b3-single'],
  outboundRequestId: 'per-call',
  correlationIdHeader: 'x-chain-id',
  forwardHeaders: ['x-tenant'],
  observe: { observer: (record: Observation) => records.push(record), service: 'edge' },
};

/** A call the handler makes to `url`, with one client. */
type Call = (url: string) => Promise<unknown>;

let sink: HeaderSink;
const servers: { name: string; port: number }[] = [];
const stops: (() => Promise<void> | void)[] = [];
let call: Call = async () => undefined;

async function startServers(): Promise<void> {
  const respond = async (path: string): Promise<string> => {
    await call(`${sink.origin}${path}`);
    return 'ok';
  };
  const plain = createServer(
    hoptraceHandler(async (request, response) => {
      response.end(await respond(request.url ?? '/'));
    }, SERVER_OPTIONS),
  );
  const app = express();
  app.use(expressHoptrace(SERVER_OPTIONS));
  app.use(async (request, response) => {
    response.send(await respond(request.url));
  });
  const expressServer = createServer(app);
  const koa = new Koa();
  koa.use(koaHoptrace(SERVER_OPTIONS));
  koa.use(async (ctx) => {
    ctx.body = await respond(ctx.url);
  });
  const koaServer = createServer(koa.callback());
  const nodeServers: [string, Server][] = [
    ['node:http', plain],
    ['express', expressServer],
    ['koa', koaServer],
  ];
  for (const [name, server] of nodeServers) servers.push({ name, port: await listen(server) });
  const fastify = Fastify(hoptraceServerOptions(SERVER_OPTIONS));
  await fastify.register(fastifyHoptrace, SERVER_OPTIONS);
  fastify.get('/*', async (request) => respond(request.url));
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  const address = fastify.server.address();
  servers.push({
    name: 'fastify',
    port: typeof address === 'object' && address !== null ? address.port : 0,
  });
  stops.push(async () => {
    for (const [, server] of nodeServers) await close(server);
    await fastify.close();
  });
}

beforeAll(async () => {
  sink = await startHeaderSink();
  await startServers();
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await sink.close();
});

/** The one request the sink got for `path`, its headers as single values. */
function arrived(path: string): Record<string, string | undefined> {
  const found = sink.received.filter((request: SinkRequest) => request.path === path);
  expect(found, path).toHaveLength(1);
  const headers = (found[0] as SinkRequest).headers;
  return Object.fromEntries(Object.entries(headers).map(([name, values]) => [name, values[0]]));
}

/** What the server's options make of a call: checked on what the sink received. */
function expectServerOptions(headers: Record<string, string | undefined>, where: string): void {
  // requestIdHeader and outboundRequestId: 'per-call' (a fresh ID, the chain's beside it).
  expect(headers['x-request-id'], where).toBeUndefined();
  expect(headers['x-trace-id'], where).toMatch(/^[0-9a-f-]{36}$/);
  expect(headers['x-chain-id'], where).toBe('incoming-id');
  // mode: 'child': the same trace, a new parent-id.
  expect(headers.traceparent, where).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
  expect(headers.traceparent, where).not.toBe(INCOMING.traceparent);
  // formats: traceparent and b3 single only.
  expect(headers.b3?.startsWith(TRACE_ID), where).toBe(true);
  expect(headers['x-b3-traceid'], where).toBeUndefined();
  // forwardHeaders.
  expect(headers['x-tenant'], where).toBe('acme');
}

async function throughEveryServer(client: string): Promise<void> {
  for (const server of servers) {
    const path = `/${client}/${server.name}`;
    const before = records.filter((record) => record.hoptrace === 'client').length;
    const response = await send(server.port, { path, headers: INCOMING });
    expect(response.status, path).toBe(200);
    expectServerOptions(arrived(path), path);
    // observe, given to the server alone, records the client side too.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const clientRecords = records.filter((record) => record.hoptrace === 'client');
    expect(clientRecords.length, `client records after ${path}`).toBe(before + 1);
    expect(clientRecords.at(-1)?.service, path).toBe('edge');
  }
}

describe('zero code: instrumentOutbound() at its defaults', () => {
  let uninstall: () => void = () => undefined;
  beforeAll(() => {
    uninstall = instrumentOutbound();
  });
  // Before the explicit clients: the hooks would write over what they are tested for.
  afterAll(() => uninstall());

  it('global fetch follows the server adapter’s options', async () => {
    call = async (url) => (await fetch(url)).text();
    await throughEveryServer('fetch');
  });

  it('undici.request follows them', async () => {
    call = async (url) => (await undiciRequest(url)).body.text();
    await throughEveryServer('undici');
  });

  it('node:http follows them', async () => {
    call = (url) =>
      new Promise((resolve, reject) => {
        httpGet(url, (response) => {
          response.resume();
          response.on('end', resolve);
        }).on('error', reject);
      });
    await throughEveryServer('http');
  });
});

describe('explicit clients at their defaults', () => {
  it('wrapFetch follows the server adapter’s options', async () => {
    const hoptraceFetch = wrapFetch(fetch);
    call = async (url) => (await hoptraceFetch(url)).text();
    await throughEveryServer('wrap-fetch');
  });

  it('the undici interceptor follows them', async () => {
    const agent = new Agent();
    stops.push(() => agent.close());
    const dispatcher = agent.compose(hoptraceInterceptor());
    call = async (url) => (await undiciRequest(url, { dispatcher })).body.text();
    await throughEveryServer('interceptor');
  });

  it('instrumentAxios follows them', async () => {
    const client = axios.create();
    stops.push(instrumentAxios(client));
    call = (url) => client.get(url);
    await throughEveryServer('axios');
  });

  it('an option the client names wins; the others still follow the server', async () => {
    const forwarding = wrapFetch(fetch, { mode: 'forward' });
    call = async (url) => (await forwarding(url)).text();
    for (const server of servers) {
      const path = `/named/${server.name}`;
      await send(server.port, { path, headers: INCOMING });
      const headers = arrived(path);
      expect(headers.traceparent, path).toBe(INCOMING.traceparent);
      expect(headers['x-chain-id'], path).toBe('incoming-id');
      expect(headers['x-request-id'], path).toBeUndefined();
    }
  });

  it('outside a request, the client’s own options', async () => {
    const hoptraceFetch = wrapFetch(fetch, { outsideContext: 'new-trace' });
    await hoptraceFetch(`${sink.origin}/outside`);
    const headers = arrived('/outside');
    expect(headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers['x-trace-id']).toBeUndefined();
    expect(headers['x-b3-traceid']).toBeDefined();
  });
});
