// Hostile values in every header hoptrace reads, sent over raw sockets to a node:http, Express,
// Koa and Fastify service, each of which calls a recording sink with one of the six outbound
// clients. Whatever arrives, nothing hostile may leave: not in the response head, not in the
// calls the service makes, not in its log lines; and no call may fail for a header we added.
import { createServer, get as httpGet, type Server } from 'node:http';
import {
  getContext,
  type HoptraceOptions,
  hoptraceHandler,
  logFields,
  parseRequestId,
} from '@hoptrace/core';
import { hoptrace as expressHoptrace } from '@hoptrace/express';
import { hoptrace as fastifyHoptrace, hoptraceServerOptions } from '@hoptrace/fastify';
import { hoptrace as koaHoptrace } from '@hoptrace/koa';
import {
  close,
  type HeaderSink,
  isParserRejection,
  listen,
  sendRaw,
  startHeaderSink,
  TRACE_HEADER_NAMES,
} from '@hoptrace/test-utils';
import axios from 'axios';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import Koa from 'koa';
import { Agent, request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentAxios } from '../src/instrument-axios.js';
import { instrumentOutbound } from '../src/instrument-outbound.js';
import { hoptraceInterceptor } from '../src/undici-interceptor.js';
import { wrapFetch } from '../src/wrap-fetch.js';

const OPTIONS: HoptraceOptions = {
  correlationIdHeader: 'x-correlation-id',
  forwardHeaders: ['x-client-trace-id', 'l5d-ctx-*'],
};

/** Enough to reach every branch in CI in a few seconds; raise it locally with FUZZ_CASES. */
const CASES = Number(process.env.FUZZ_CASES ?? 1_200);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_207);

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

/** A valid value of each header hoptrace reads, to break in one place. */
const VALID: Readonly<Record<string, string>> = {
  'X-Request-ID': 'req-1',
  'X-Correlation-ID': 'chain-1',
  b3: `${TRACE_ID}-${SPAN_ID}-1`,
  'X-B3-TraceId': TRACE_ID,
  'X-B3-SpanId': SPAN_ID,
  'X-B3-Sampled': '1',
  traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
  tracestate: 'congo=t61rcWkgMzE',
  'x-ot-span-context': `${SPAN_ID};${SPAN_ID};0000000000000000;cs`,
  baggage: 'userId=alice',
  'x-client-trace-id': 'client-1',
  'l5d-ctx-trace': 'abc',
};

/**
 * What an attacker puts in a header value. Node's parser refuses CR, LF and NUL itself (400);
 * the rest reaches the application.
 */
const PIECES = [
  '\u00e9',
  '\u00ff\u00fe',
  '\u0080',
  '\t',
  '\u007f',
  ' ',
  ',',
  ';',
  '"',
  '<script>alert(1)</script>',
  '\r\nset-cookie: pwned=1',
  '\u0000',
  `,00-${TRACE_ID}-${SPAN_ID}-01`,
  '-ff00--',
];

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** One hostile request's header lines, latin1, built from `next`. */
function hostileLines(next: () => number): string[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const lines: string[] = [];
  for (const [name, valid] of Object.entries(VALID)) {
    if (next() < 0.4) continue;
    const roll = next();
    let value = valid;
    if (roll < 0.4) {
      const at = Math.floor(next() * (valid.length + 1));
      value = `${valid.slice(0, at)}${pick(PIECES)}${valid.slice(at)}`;
    } else if (roll < 0.55) value = `${valid}${pick(PIECES)}`;
    else if (roll < 0.6) value = `${valid}${'x'.repeat(Math.floor(next() * 12_000))}`;
    lines.push(`${name}: ${value}`);
  }
  if (next() < 0.35) {
    // A later traceparent version: only its first four fields are parsed (§3.2.4).
    const tail = next() < 0.1 ? 'x'.repeat(12_000) : `x${pick(PIECES)}`;
    lines.push(`traceparent: cc-${TRACE_ID}-${SPAN_ID}-01-${tail}`);
  }
  if (next() < 0.1) lines.push(`l5d-ctx-${pick(['a\u00e9', 'b<c>', 'd"e'])}: value`);
  return lines;
}

const CLIENTS = ['fetch', 'undici', 'http', 'wrapFetch', 'interceptor', 'axios'] as const;
type ClientName = (typeof CLIENTS)[number];
const SERVERS = ['node:http', 'express', 'koa', 'fastify'] as const;

/** Visible ASCII with inner spaces and tabs, no surrounding whitespace. */
const STRICT_VALUE = /^[\x21-\x7e](?:[\t\x20-\x7e]*[\x21-\x7e])?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const OURS = new Set([...TRACE_HEADER_NAMES, 'x-correlation-id', 'x-client-trace-id']);

let sink: HeaderSink;
const ports = new Map<string, number>();
const logLines: string[] = [];
const stops: (() => Promise<void> | void)[] = [];

/** The service's one outbound call, to `/sink/<n>`, with the client the path names. */
async function callSink(client: ClientName, label: string): Promise<number> {
  const url = `${sink.origin}/sink/${label}`;
  logLines.push(JSON.stringify(logFields()));
  switch (client) {
    case 'fetch':
      return (await fetch(url)).status;
    case 'undici': {
      const answer = await undiciRequest(url);
      await answer.body.text();
      return answer.statusCode;
    }
    case 'http':
      return await new Promise((resolve, reject) => {
        httpGet(url, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        }).on('error', reject);
      });
    case 'wrapFetch':
      return (await hoptraceFetch(url)).status;
    case 'interceptor': {
      const answer = await undiciRequest(url, { dispatcher: interceptorAgent });
      await answer.body.text();
      return answer.statusCode;
    }
    case 'axios':
      return (await axiosClient.get(url)).status;
  }
}

let hoptraceFetch: typeof fetch;
let interceptorAgent: ReturnType<Agent['compose']>;
const axiosClient = axios.create({ validateStatus: () => true });

/** Answers 200 when the call reached the sink, 502 when it failed: a failure is a finding. */
async function serve(path: string): Promise<{ status: number; body: string }> {
  const [, , client, label] = path.split('/');
  try {
    const status = await callSink(client as ClientName, label ?? '');
    return { status: 200, body: `${status} ${getContext().requestId}` };
  } catch (error) {
    return { status: 502, body: `call failed: ${(error as Error).message}` };
  }
}

async function startServers(): Promise<void> {
  const plain = createServer(
    hoptraceHandler(async (request, response) => {
      const answer = await serve(request.url ?? '/');
      response.statusCode = answer.status;
      response.end(answer.body);
    }, OPTIONS),
  );
  ports.set('node:http', await listen(plain));

  const app = express();
  app.use(expressHoptrace(OPTIONS));
  app.use(async (request, response) => {
    const answer = await serve(request.url);
    response.status(answer.status).send(answer.body);
  });
  const expressServer = createServer(app);
  ports.set('express', await listen(expressServer));

  const koa = new Koa();
  koa.use(koaHoptrace(OPTIONS));
  koa.use(async (ctx) => {
    const answer = await serve(ctx.url);
    ctx.status = answer.status;
    ctx.body = answer.body;
  });
  const koaServer = createServer(koa.callback());
  ports.set('koa', await listen(koaServer));

  const fastify: FastifyInstance = Fastify(hoptraceServerOptions(OPTIONS));
  await fastify.register(fastifyHoptrace, OPTIONS);
  fastify.get('/*', async (request, reply) => {
    const answer = await serve(request.url);
    return reply.code(answer.status).send(answer.body);
  });
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  const address = fastify.server.address();
  ports.set('fastify', typeof address === 'object' && address !== null ? address.port : 0);

  const servers: Server[] = [plain, expressServer, koaServer];
  stops.push(async () => {
    for (const server of servers) await close(server);
    await fastify.close();
  });
}

beforeAll(async () => {
  sink = await startHeaderSink();
  stops.push(instrumentOutbound(OPTIONS));
  hoptraceFetch = wrapFetch(fetch, OPTIONS);
  const agent = new Agent();
  interceptorAgent = agent.compose(hoptraceInterceptor(OPTIONS));
  stops.push(() => agent.close());
  stops.push(instrumentAxios(axiosClient, OPTIONS));
  await startServers();
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await sink.close();
});

/** Every byte of a response head is visible ASCII, SP, HT or a CRLF line end. */
function assertCleanHead(raw: string): void {
  const head = raw.slice(0, Math.max(raw.indexOf('\r\n\r\n'), 0));
  for (const line of head.split('\r\n')) {
    expect(line, JSON.stringify(line).slice(0, 120)).toMatch(/^[\t\x20-\x7e]*$/);
  }
  expect(head).not.toContain('<script>');
  expect(head.toLowerCase()).not.toContain('pwned');
}

describe('hostile headers through every server adapter and every client', () => {
  it(`${CASES} fuzzed requests (seed ${SEED}): nothing hostile reaches a response, a call or a log`, {
    timeout: 120_000,
  }, async () => {
    const next = random(SEED);
    const outcomes = { answered: 0, refusedByParser: 0, calls: 0 };
    const deadline = Date.now() + 90_000;
    const concurrency = 8;
    let index = 0;
    const worker = async (): Promise<void> => {
      while (index < CASES && Date.now() < deadline) {
        const number = index++;
        const server = SERVERS[number % SERVERS.length] as string;
        const client = CLIENTS[Math.floor(number / SERVERS.length) % CLIENTS.length] as string;
        const lines = hostileLines(next);
        const request = [
          `GET /call/${client}/${number} HTTP/1.1`,
          'Host: 127.0.0.1',
          'Connection: close',
          ...lines,
          '',
          '',
        ].join('\r\n');
        const response = await sendRaw(ports.get(server) as number, request);
        const where = `${server} → ${client}, case ${number}: ${JSON.stringify(lines).slice(0, 400)}`;
        if (isParserRejection(response.status)) {
          outcomes.refusedByParser++;
          continue;
        }
        outcomes.answered++;
        expect(response.status, `${where}: ${response.body.slice(0, 200)}`).toBe(200);
        assertCleanHead(response.raw);
        const ids = response.headers.get('x-request-id') ?? [];
        expect(ids, where).toHaveLength(1);
        expect(parseRequestId(ids[0] as string), where).toBe(ids[0]);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));

    for (const received of sink.received) {
      outcomes.calls++;
      const where = `${received.path}: ${JSON.stringify(received.headers).slice(0, 400)}`;
      for (const [name, values] of Object.entries(received.headers)) {
        expect(TOKEN.test(name), where).toBe(true);
        if (!OURS.has(name) && !name.startsWith('l5d-ctx-')) continue;
        expect(values, `${name} once; ${where}`).toHaveLength(1);
        expect(values[0], `${name}; ${where}`).toMatch(STRICT_VALUE);
      }
      expect(received.headers['x-request-id'], where).toHaveLength(1);
      expect(received.headers.traceparent?.[0]?.length ?? 0, where).toBeLessThanOrEqual(512);
    }
    for (const line of logLines) {
      expect(line).toMatch(/^[\x20-\x7e]*$/);
      expect(line).not.toContain('<script>');
    }
    // Every answered request made exactly its one call, and some cases got past Node's parser.
    expect(outcomes.calls).toBe(outcomes.answered);
    expect(outcomes.answered).toBeGreaterThan(CASES / 3);
    expect(outcomes.answered + outcomes.refusedByParser).toBe(CASES);
  });
});
