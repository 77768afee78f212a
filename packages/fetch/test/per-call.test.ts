// outboundRequestId: 'per-call' across every outbound client: each request/response pair gets its
// own request ID, the chain's ID rides beside it as x-correlation-id, retries get fresh IDs, and
// every server hop echoes exactly the ID its request carried.
import { createServer, request as httpRequest, type Server } from 'node:http';
import {
  extract,
  getContext,
  type HoptraceOptions,
  hoptraceHandler,
  runWithContext,
  type TraceContext,
} from '@hoptrace/core';
import { close, type HeaderSink, listen, send, startHeaderSink } from '@hoptrace/test-utils';
import axios, { AxiosError, type AxiosInstance } from 'axios';
import { Agent, interceptors, request as undiciRequest } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instrumentAxios } from '../src/instrument-axios.js';
import { instrumentOutbound } from '../src/instrument-outbound.js';
import type { OutboundOptions } from '../src/outbound.js';
import { hoptraceInterceptor } from '../src/undici-interceptor.js';
import { wrapFetch } from '../src/wrap-fetch.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const PER_CALL: OutboundOptions = { outboundRequestId: 'per-call' };

function inRequest<T>(callback: () => Promise<T>, requestId = 'req-1'): Promise<T> {
  return runWithContext(
    extract({ 'x-request-id': requestId, traceparent: TRACEPARENT }, PER_CALL),
    callback,
  );
}

/** The one value of a header the sink recorded, failing on none or two. */
function only(headers: Readonly<Record<string, readonly string[]>>, name: string): string {
  const values = headers[name] ?? [];
  expect(values, name).toHaveLength(1);
  return values[0] as string;
}

let sink: HeaderSink;
beforeAll(async () => {
  sink = await startHeaderSink();
});
afterAll(async () => {
  await sink.close();
});
afterEach(() => {
  sink.received.length = 0;
});

/** One client under test: makes one GET to `url` with optional headers of the caller's. */
interface Client {
  readonly name: string;
  get(url: string, headers?: Record<string, string>): Promise<unknown>;
  dispose(): Promise<void> | void;
}

function clients(): Client[] {
  const fetch = wrapFetch(undefined, PER_CALL);
  const agent = new Agent().compose(hoptraceInterceptor(PER_CALL));
  const instance = axios.create();
  const eject = instrumentAxios(instance, PER_CALL);
  return [
    {
      name: 'wrapFetch',
      get: (url, headers) => fetch(url, { headers }).then((response) => response.text()),
      dispose: () => {},
    },
    {
      name: 'hoptraceInterceptor',
      get: (url, headers) =>
        undiciRequest(url, { dispatcher: agent, headers }).then((response) => response.body.text()),
      dispose: () => agent.close(),
    },
    {
      name: 'instrumentAxios',
      get: (url, headers) => instance.get(url, { headers }),
      dispose: eject,
    },
  ];
}

describe.each(clients())('$name in per-call mode', (client) => {
  afterAll(() => client.dispose());

  it('gives each call a fresh request ID and the chain ID as x-correlation-id', async () => {
    await inRequest(async () => {
      await client.get(`${sink.origin}/a`);
      await client.get(`${sink.origin}/b`);
    });
    const ids = sink.received.map((received) => only(received.headers, 'x-request-id'));
    expect(new Set(ids).size).toBe(2);
    expect(ids).not.toContain('req-1');
    for (const received of sink.received) {
      expect(only(received.headers, 'x-correlation-id')).toBe('req-1');
      expect(only(received.headers, 'traceparent')).toBe(TRACEPARENT);
    }
  });

  it('gives parallel calls distinct IDs', async () => {
    await inRequest(() =>
      Promise.all(Array.from({ length: 10 }, (_, index) => client.get(`${sink.origin}/${index}`))),
    );
    const ids = sink.received.map((received) => only(received.headers, 'x-request-id'));
    expect(new Set(ids).size).toBe(10);
  });

  it("keeps the caller's own x-request-id", async () => {
    await inRequest(() => client.get(`${sink.origin}/own`, { 'x-request-id': 'mine-1' }));
    const [received] = sink.received;
    expect(only(received?.headers ?? {}, 'x-request-id')).toBe('mine-1');
    expect(only(received?.headers ?? {}, 'x-correlation-id')).toBe('req-1');
  });
});

describe('instrumentOutbound in per-call mode', () => {
  it('gives global fetch and node:http calls fresh IDs, with the chain ID beside them', async () => {
    const uninstall = instrumentOutbound(PER_CALL);
    try {
      await inRequest(async () => {
        await fetch(`${sink.origin}/fetch`).then((response) => response.text());
        await new Promise<void>((resolve, reject) => {
          httpRequest(`${sink.origin}/http`, (response) => {
            response.resume();
            response.on('end', resolve);
          })
            .on('error', reject)
            .end();
        });
        await Promise.all([1, 2, 3].map((index) => fetch(`${sink.origin}/p${index}`)));
      });
    } finally {
      uninstall();
    }
    expect(sink.received).toHaveLength(5);
    const ids = sink.received.map((received) => only(received.headers, 'x-request-id'));
    expect(new Set(ids).size).toBe(5);
    expect(ids).not.toContain('req-1');
    for (const received of sink.received) {
      expect(only(received.headers, 'x-correlation-id')).toBe('req-1');
    }
  });
});

/** A server that answers 503 to its first `failures` requests, then 200; records request IDs. */
async function flakyServer(failures: number): Promise<{
  readonly origin: string;
  readonly requestIds: (string | undefined)[];
  readonly server: Server;
}> {
  const requestIds: (string | undefined)[] = [];
  const server = createServer((request, response) => {
    const id = request.headers['x-request-id'];
    requestIds.push(typeof id === 'string' ? id : undefined);
    response.statusCode = requestIds.length <= failures ? 503 : 200;
    response.end();
  });
  const port = await listen(server);
  return { origin: `http://127.0.0.1:${port}`, requestIds, server };
}

const RETRY = { maxRetries: 3, minTimeout: 1, maxTimeout: 1, timeoutFactor: 1 };

describe('retries in per-call mode', () => {
  it('undici: compose(hoptraceInterceptor(), interceptors.retry()) gives each attempt its own ID', async () => {
    const flaky = await flakyServer(2);
    const agent = new Agent().compose(hoptraceInterceptor(PER_CALL), interceptors.retry(RETRY));
    try {
      const status = await inRequest(async () => {
        const response = await undiciRequest(`${flaky.origin}/`, { dispatcher: agent });
        await response.body.text();
        // The caller's context is still there after the retried call.
        expect(getContext().requestId).toBe('req-1');
        return response.statusCode;
      });
      expect(status).toBe(200);
      expect(flaky.requestIds).toHaveLength(3);
      expect(new Set(flaky.requestIds).size).toBe(3);
      expect(flaky.requestIds).not.toContain(undefined);
    } finally {
      await agent.close();
      await close(flaky.server);
    }
  });

  it('undici: the other order (retry outside hoptrace) re-sends one ID for every attempt', async () => {
    const flaky = await flakyServer(2);
    const agent = new Agent().compose(interceptors.retry(RETRY), hoptraceInterceptor(PER_CALL));
    try {
      await inRequest(async () => {
        const response = await undiciRequest(`${flaky.origin}/`, { dispatcher: agent });
        await response.body.text();
      });
      expect(flaky.requestIds).toHaveLength(3);
      expect(new Set(flaky.requestIds).size).toBe(1);
    } finally {
      await agent.close();
      await close(flaky.server);
    }
  });

  /** A tiny axios-retry: re-sends the failed attempt's config through the same instance. */
  function addRetry(instance: AxiosInstance, retries: number): void {
    const attempts = new WeakMap<object, number>();
    instance.interceptors.response.use(undefined, (error: unknown) => {
      if (!(error instanceof AxiosError) || error.config === undefined) throw error;
      const config = error.config;
      const count = attempts.get(config) ?? 0;
      if (count >= retries) throw error;
      attempts.set(config, count + 1);
      return instance.request(config);
    });
  }

  it('axios: a re-sent config gets a fresh ID per attempt; a caller-set ID still wins', async () => {
    const flaky = await flakyServer(2);
    const instance = axios.create();
    const eject = instrumentAxios(instance, PER_CALL);
    addRetry(instance, 3);
    try {
      const status = await inRequest(async () => (await instance.get(`${flaky.origin}/`)).status);
      expect(status).toBe(200);
      expect(flaky.requestIds).toHaveLength(3);
      expect(new Set(flaky.requestIds).size).toBe(3);
      expect(flaky.requestIds).not.toContain('req-1');

      const own = await flakyServer(1);
      try {
        await inRequest(() =>
          instance.get(`${own.origin}/`, { headers: { 'x-request-id': 'mine-2' } }),
        );
        expect(own.requestIds).toEqual(['mine-2', 'mine-2']);
      } finally {
        await close(own.server);
      }
    } finally {
      eject();
      await close(flaky.server);
    }
  });

  it('axios: a failing call still rejects with its own error, context intact', async () => {
    const instance = axios.create();
    const eject = instrumentAxios(instance, PER_CALL);
    try {
      await inRequest(async () => {
        const error: unknown = await instance.get(`${sink.origin}/status/503`).catch((e) => e);
        expect(error).toBeInstanceOf(AxiosError);
        expect((error as AxiosError).response?.status).toBe(503);
        expect(getContext().requestId).toBe('req-1');
      });
    } finally {
      eject();
    }
  });
});

describe('two hops A → B → sink in per-call mode', () => {
  const serverOptions: HoptraceOptions = PER_CALL;
  let servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((server) => close(server)));
    servers = [];
  });

  it('keeps the chain ID as correlation, a fresh ID per hop, and echoes each ID', async () => {
    const fetch = wrapFetch(undefined, PER_CALL);
    const seen: { service: string; context: TraceContext; downstreamEcho: string | null }[] = [];
    const hop = (service: string, next: () => string) =>
      createServer(
        hoptraceHandler(async (_request, response) => {
          const downstream = await fetch(next());
          await downstream.text();
          seen.push({
            service,
            context: getContext(),
            downstreamEcho: downstream.headers.get('x-request-id'),
          });
          response.end('ok');
        }, serverOptions),
      );
    const serverB = hop('B', () => `${sink.origin}/from-b`);
    const portB = await listen(serverB);
    const serverA = hop('A', () => `http://127.0.0.1:${portB}/from-a`);
    const portA = await listen(serverA);
    servers = [serverA, serverB];

    const response = await send(portA, { headers: { 'x-request-id': 'chain-1' } });
    expect(response.status).toBe(200);
    // A's response echoes exactly what its request carried.
    expect(response.headers['x-request-id']).toBe('chain-1');

    const [b, a] = seen;
    expect(a?.service).toBe('A');
    expect(a?.context.requestId).toBe('chain-1');
    expect(a?.context.correlationId).toBeUndefined();
    // B got a fresh ID from A, with A's chain ID as correlation...
    expect(b?.context.requestId).not.toBe('chain-1');
    expect(b?.context.correlationId).toBe('chain-1');
    // ...and B's response to A echoed exactly that fresh ID.
    expect(a?.downstreamEcho).toBe(b?.context.requestId);
    // B's outbound: a fresh ID again, the chain ID still beside it.
    const [atSink] = sink.received;
    const sinkId = only(atSink?.headers ?? {}, 'x-request-id');
    expect(sinkId).not.toBe(b?.context.requestId);
    expect(sinkId).not.toBe('chain-1');
    expect(only(atSink?.headers ?? {}, 'x-correlation-id')).toBe('chain-1');
  });

  it('generates the ID of a request that came without one, and echoes that', async () => {
    const server = createServer(
      hoptraceHandler((_request, response) => {
        response.end(getContext().requestId);
      }, serverOptions),
    );
    servers = [server];
    const port = await listen(server);
    const response = await send(port);
    expect(response.headers['x-request-id']).toBe(response.body);
    expect(response.body).toMatch(/^[0-9a-f-]{36}$/);
  });
});
