// The three-hop chain the outbound package exists for: Express calls Koa with the wrapped fetch,
// Koa calls Fastify with axios, Fastify calls a plain node:http sink with http.get under
// instrumentOutbound. Every service is a real server on loopback, with the hoptrace adapter.
import { createServer, Agent as HttpAgent } from 'node:http';
import { getContext, type HoptraceOptions } from '@hoptrace/core';
import { hoptrace as expressHoptrace } from '@hoptrace/express';
import { hoptrace as fastifyHoptrace, hoptraceServerOptions } from '@hoptrace/fastify';
import { hoptrace as koaHoptrace } from '@hoptrace/koa';
import {
  close,
  getJson,
  type HeaderSink,
  listen,
  type SinkRequest,
  send,
  startHeaderSink,
  TRACE_HEADER_NAMES,
} from '@hoptrace/test-utils';
import axios from 'axios';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentAxios } from '../src/instrument-axios.js';
import { instrumentOutbound } from '../src/instrument-outbound.js';
import { wrapFetch } from '../src/wrap-fetch.js';

/** What each service answers: the IDs it saw, the headers it got, and its callee's answer. */
interface Hop {
  readonly service: string;
  readonly requestId: string;
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  readonly parentSpanId: string | undefined;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly downstream: Hop | SinkRequest;
}

function propagationHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[] | undefined> {
  return Object.fromEntries(
    TRACE_HEADER_NAMES.filter((name) => name in headers).map((name) => [name, headers[name]]),
  );
}

function describeHop(service: string, headers: Hop['headers'], downstream: Hop['downstream']): Hop {
  const context = getContext();
  return {
    service,
    requestId: context.requestId,
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: context.parentSpanId,
    headers: propagationHeaders(headers),
    downstream,
  };
}

const randomDelay = (maxMs: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * maxMs));

interface Chain {
  readonly sink: HeaderSink;
  readonly expressPort: number;
  /** Background calls the Express service made after answering, by request ID. */
  readonly background: Map<string, SinkRequest>;
  stop(): Promise<void>;
}

async function startChain(options: HoptraceOptions, delayMs: number): Promise<Chain> {
  const uninstall = instrumentOutbound(options);
  const sink = await startHeaderSink();

  const fastify = Fastify(hoptraceServerOptions(options));
  await fastify.register(fastifyHoptrace, options);
  fastify.get('/hop', async (request) => {
    await randomDelay(delayMs);
    const downstream = await getJson<SinkRequest>(`${sink.origin}/sink`);
    return describeHop('fastify', request.headers, downstream);
  });
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  const fastifyAddress = fastify.server.address();
  const fastifyPort =
    typeof fastifyAddress === 'object' && fastifyAddress ? fastifyAddress.port : 0;

  // Bounded keep-alive pools, as a service would configure them: 500 chains at once must queue,
  // not open 500 sockets per hop on a 2-core CI machine.
  const client = axios.create({
    baseURL: `http://127.0.0.1:${fastifyPort}`,
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 32 }),
  });
  const eject = instrumentAxios(client, options);
  const koa = new Koa();
  koa.use(koaHoptrace(options));
  koa.use(async (ctx) => {
    await randomDelay(delayMs);
    const { data } = await client.get<Hop>('/hop');
    ctx.body = describeHop('koa', ctx.req.headers, data);
  });
  const koaServer = createServer(koa.callback());
  const koaPort = await listen(koaServer);

  const hoptraceFetch = wrapFetch(fetch, options);
  const background = new Map<string, SinkRequest>();
  const pending = new Set<Promise<unknown>>();
  const app = express();
  app.use(expressHoptrace(options));
  app.get('/hop', async (request, response, next) => {
    try {
      await randomDelay(delayMs);
      const downstream = (await (
        await hoptraceFetch(`http://127.0.0.1:${koaPort}/hop`)
      ).json()) as Hop;
      response.json(describeHop('express', request.headers, downstream));
      if (request.query.background === undefined) return;
      // Background work after the answer went out keeps the request's context.
      setTimeout(() => {
        const task = hoptraceFetch(`${sink.origin}/background`)
          .then((answer) => answer.json() as Promise<SinkRequest>)
          .then((seen) => background.set(getContext().requestId, seen))
          .finally(() => pending.delete(task));
        pending.add(task);
      }, 1);
    } catch (error) {
      next(error);
    }
  });
  app.get('/parallel', async (_request, response, next) => {
    try {
      const answers = await Promise.all(
        [1, 2, 3].map(async (index) =>
          (await hoptraceFetch(`${sink.origin}/parallel/${index}`)).json(),
        ),
      );
      response.json({ requestId: getContext().requestId, spanId: getContext().spanId, answers });
    } catch (error) {
      next(error);
    }
  });
  const expressServer = createServer(app);
  const expressPort = await listen(expressServer);

  return {
    sink,
    expressPort,
    background,
    async stop() {
      await Promise.allSettled(pending);
      eject();
      uninstall();
      await close(expressServer);
      await close(koaServer);
      await fastify.close();
      await sink.close();
    },
  };
}

const INCOMING = {
  'x-request-id': 'chain-req-1',
  'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
  'x-b3-spanid': 'e457b5a2e4d86bd1',
  'x-b3-parentspanid': '05e3ac9a4f6e3b90',
  'x-b3-sampled': '1',
  traceparent: '00-80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-01',
  tracestate: 'congo=t61rcWkgMzE',
  baggage: 'tenant=acme,plan=gold',
  'x-ot-span-context': '64fe8b2a57d3eff7;e457b5a2e4d86bd1;05e3ac9a4f6e3b90;cs',
};

/** The hops of a chain answer, outermost first, and the sink's record at the end. */
function unwind(answer: Hop): { hops: Hop[]; sink: SinkRequest } {
  const hops: Hop[] = [];
  let current: Hop | SinkRequest = answer;
  while ('service' in current) {
    hops.push(current);
    current = current.downstream;
  }
  return { hops, sink: current };
}

/** The sink's record as single values, failing when any header arrived twice. */
function singleValues(sink: SinkRequest): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, list] of Object.entries(sink.headers)) {
    expect(list, `${name} arrived ${list.length} times`).toHaveLength(1);
    values[name] = list[0] as string;
  }
  return values;
}

async function waitFor<Value>(read: () => Value | undefined, timeoutMs = 5_000): Promise<Value> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('three-hop chain, forward mode (what a mesh asks for)', () => {
  let chain: Chain;
  beforeAll(async () => {
    chain = await startChain({}, 0);
  });
  afterAll(() => chain.stop());

  it('forwards every propagation header byte for byte at every hop, each exactly once', async () => {
    const response = await send(chain.expressPort, { path: '/hop', headers: INCOMING });
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toBe('chain-req-1');
    const { hops, sink } = unwind(JSON.parse(response.body) as Hop);
    expect(hops.map((hop) => hop.service)).toEqual(['express', 'koa', 'fastify']);
    for (const hop of hops) {
      expect(hop.requestId).toBe('chain-req-1');
      expect(hop.traceId).toBe(INCOMING['x-b3-traceid']);
      expect(hop.headers, hop.service).toEqual(INCOMING);
    }
    expect(propagationHeaders(singleValues(sink))).toEqual(INCOMING);
  });

  it('starts one trace at the edge when none arrived, and every hop shares it', async () => {
    const response = await send(chain.expressPort, { path: '/hop' });
    const { hops, sink } = unwind(JSON.parse(response.body) as Hop);
    const requestId = response.headers['x-request-id'];
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const [edge] = hops;
    for (const hop of hops) {
      expect(hop.requestId).toBe(requestId);
      expect(hop.traceId).toBe(edge?.traceId);
    }
    expect(singleValues(sink)['x-request-id']).toBe(requestId);
    expect(singleValues(sink)['x-b3-traceid']).toBe(edge?.traceId);
  });

  it('keeps the context for a call made after the response was sent', async () => {
    await send(chain.expressPort, {
      path: '/hop?background',
      headers: { 'x-request-id': 'after-response' },
    });
    const seen = await waitFor(() => chain.background.get('after-response'));
    expect(singleValues(seen)['x-request-id']).toBe('after-response');
  });

  it('keeps 500 concurrent chains with random delays apart', { timeout: 120_000 }, async () => {
    const local = await startChain({}, 5);
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
    try {
      const answers = await Promise.all(
        Array.from({ length: 500 }, async (_unused, index) => {
          const traceId = (index + 1).toString(16).padStart(32, 'a');
          const headers = {
            'x-request-id': `chain-${index}`,
            traceparent: `00-${traceId}-e457b5a2e4d86bd1-01`,
          };
          const response = await send(local.expressPort, {
            path: '/hop',
            headers,
            agent,
            timeoutMs: 60_000,
          });
          return { index, traceId, response };
        }),
      );
      for (const { index, traceId, response } of answers) {
        expect(response.headers['x-request-id']).toBe(`chain-${index}`);
        const { hops, sink } = unwind(JSON.parse(response.body) as Hop);
        expect(hops.map((hop) => [hop.requestId, hop.traceId])).toEqual([
          [`chain-${index}`, traceId],
          [`chain-${index}`, traceId],
          [`chain-${index}`, traceId],
        ]);
        expect(singleValues(sink)['x-request-id']).toBe(`chain-${index}`);
      }
    } finally {
      agent.destroy();
      await local.stop();
    }
  });
});

describe('three-hop chain, child mode', () => {
  const options: HoptraceOptions = { mode: 'child' };
  let chain: Chain;
  beforeAll(async () => {
    chain = await startChain(options, 0);
  });
  afterAll(() => chain.stop());

  it('links each hop to its caller: parent of each span is the caller’s span', async () => {
    const response = await send(chain.expressPort, { path: '/hop', headers: INCOMING });
    const { hops, sink } = unwind(JSON.parse(response.body) as Hop);
    const sinkHeaders = singleValues(sink);
    const spans = [
      ...hops.map((hop) => hop),
      {
        spanId: sinkHeaders['x-b3-spanid'],
        parentSpanId: sinkHeaders['x-b3-parentspanid'],
        traceId: sinkHeaders['x-b3-traceid'],
        requestId: sinkHeaders['x-request-id'],
      },
    ];
    expect(spans[0]?.spanId).toBe(INCOMING['x-b3-spanid']);
    for (let index = 1; index < spans.length; index++) {
      const span = spans[index];
      expect(span?.requestId).toBe('chain-req-1');
      expect(span?.traceId).toBe(INCOMING['x-b3-traceid']);
      expect(span?.parentSpanId).toBe(spans[index - 1]?.spanId);
      expect(span?.spanId).not.toBe(spans[index - 1]?.spanId);
    }
    // Every format names the same new span.
    expect(sinkHeaders.traceparent).toBe(
      `00-${INCOMING['x-b3-traceid']}-${sinkHeaders['x-b3-spanid']}-01`,
    );
    expect(sinkHeaders.b3).toBe(
      `${INCOMING['x-b3-traceid']}-${sinkHeaders['x-b3-spanid']}-1-${sinkHeaders['x-b3-parentspanid']}`,
    );
    expect(sinkHeaders.baggage).toBe(INCOMING.baggage);
  });

  it('gives parallel calls inside one request different span IDs, all children of it', async () => {
    const response = await send(chain.expressPort, { path: '/parallel', headers: INCOMING });
    const body = JSON.parse(response.body) as { spanId: string; answers: SinkRequest[] };
    const seen = body.answers.map(singleValues);
    expect(new Set(seen.map((headers) => headers['x-b3-spanid'])).size).toBe(3);
    for (const headers of seen) {
      expect(headers['x-b3-parentspanid']).toBe(body.spanId);
      expect(headers['x-request-id']).toBe('chain-req-1');
    }
  });
});
