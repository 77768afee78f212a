import { extract, getContext, HoptraceOptionsError, runWithContext } from '@hoptrace/core';
import {
  type HeaderSink,
  holdRefusedPort,
  type RefusedPort,
  startHeaderSink,
} from '@hoptrace/test-utils';
import axios, {
  AxiosError,
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AxiosInstanceLike, instrumentAxios } from './instrument-axios.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

function inRequest<T>(fn: () => Promise<T>): Promise<T> {
  return runWithContext(extract({ 'x-request-id': 'req-1', traceparent: TRACEPARENT }), fn);
}

let sink: HeaderSink;
beforeAll(async () => {
  sink = await startHeaderSink();
});
afterAll(async () => {
  await sink.close();
});

/** The request the sink recorded for the call answered with `response`. */
function lastReceived(): (typeof sink.received)[number] {
  const received = sink.received.at(-1);
  if (received === undefined) throw new Error('the sink received nothing');
  return received;
}

let refused: RefusedPort;
beforeAll(async () => {
  refused = await holdRefusedPort();
});
afterAll(() => refused.release());

/** What a call that failed inside a request context saw in its catch block. */
interface Failure {
  readonly error: AxiosError;
  readonly requestId: string;
}

/** Runs `call` in a request context and returns its axios error and the context in `catch`. */
async function failureOf(call: () => Promise<unknown>): Promise<Failure> {
  return inRequest(async () => {
    try {
      await call();
    } catch (error) {
      if (!(error instanceof AxiosError)) throw error;
      return { error, requestId: getContext().requestId };
    }
    throw new Error('the call did not fail');
  });
}

/** The axios error `call` rejects with, outside any context. */
async function bareError(call: () => Promise<unknown>): Promise<AxiosError> {
  const error: unknown = await call().then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof AxiosError)) throw new Error('expected an AxiosError');
  return error;
}

/** The span ID and parent span ID of a B3 single header `trace-span-sampled-parent`. */
function b3Span(value: string | undefined): { spanId?: string; parentSpanId?: string } {
  const [, spanId, , parentSpanId] = (value ?? '').split('-');
  return { spanId, parentSpanId };
}

describe('instrumentAxios types', () => {
  it('accepts the default axios export and axios.create() instances without a cast', () => {
    const instances: AxiosInstanceLike[] = [axios, axios.create()];
    for (const instance of instances) instrumentAxios(instance)();
    const created: AxiosInstance = axios.create({ adapter: 'fetch' });
    instrumentAxios(created, { mode: 'child' })();
    expect(instances).toHaveLength(2);
  });

  it('throws HoptraceOptionsError for bad options, at construction', () => {
    const instance = axios.create();
    expect(() => instrumentAxios(instance, { mode: 'sideways' as 'child' })).toThrow(
      HoptraceOptionsError,
    );
    expect(() => instrumentAxios(instance, { propagateTo: [''] })).toThrow(HoptraceOptionsError);
  });
});

describe.each(['http', 'fetch'] as const)('instrumentAxios with the %s adapter', (adapter) => {
  const create = (baseURL?: string): AxiosInstance =>
    axios.create({ adapter, ...(baseURL === undefined ? {} : { baseURL }) });

  it('adds the headers to GET and POST inside a request context, once each', async () => {
    const client = create(sink.origin);
    const eject = instrumentAxios(client);
    await inRequest(async () => {
      await client.get('/get');
      const get = lastReceived();
      await client.post('/post', { order: 42 });
      const post = lastReceived();
      for (const [received, method] of [
        [get, 'GET'],
        [post, 'POST'],
      ] as const) {
        expect(received.method).toBe(method);
        expect(received.headers['x-request-id']).toEqual(['req-1']);
        expect(received.headers.traceparent).toEqual([TRACEPARENT]);
      }
      expect(JSON.parse(post.body)).toEqual({ order: 42 });
    });
    eject();
  });

  it('adds nothing outside a request context', async () => {
    const client = create(sink.origin);
    const eject = instrumentAxios(client);
    await client.get('/outside');
    const { headers } = lastReceived();
    for (const name of ['x-request-id', 'traceparent', 'b3', 'x-b3-traceid']) {
      expect(headers[name]).toBeUndefined();
    }
    eject();
  });

  it("keeps the caller's request ID, in any case, without a second one", async () => {
    const client = create(sink.origin);
    const eject = instrumentAxios(client);
    await inRequest(() => client.get('/caller', { headers: { 'X-Request-ID': 'mine' } }));
    const { headers } = lastReceived();
    expect(headers['x-request-id']).toEqual(['mine']);
    expect(headers.traceparent).toEqual([TRACEPARENT]);
    eject();
  });

  it('keeps a header the caller suppressed with false (axios: never send it)', async () => {
    const client = create(sink.origin);
    const eject = instrumentAxios(client, { mode: 'child' });
    await inRequest(() => client.get('/suppressed', { headers: { 'x-request-id': false } }));
    expect(lastReceived().headers['x-request-id']).toBeUndefined();
    expect(lastReceived().headers.traceparent).toHaveLength(1);
    await inRequest(() => client.get('/suppressed', { headers: { TraceParent: false } }));
    expect(lastReceived().headers.traceparent).toBeUndefined();
    expect(lastReceived().headers['x-request-id']).toEqual(['req-1']);
    expect(b3Span(lastReceived().headers.b3?.[0]).parentSpanId).toBe(SPAN_ID);
    eject();
  });

  it('replaces a stale copied traceparent whole, never sending two', async () => {
    const client = create(sink.origin);
    const eject = instrumentAxios(client, { mode: 'child' });
    await inRequest(() =>
      client.get('/stale', { headers: { TraceParent: TRACEPARENT, tracestate: 'old=1' } }),
    );
    const { headers } = lastReceived();
    expect(headers.traceparent).toHaveLength(1);
    const [version, traceId, parentId] = (headers.traceparent?.[0] ?? '').split('-');
    expect([version, traceId]).toEqual(['00', TRACE_ID]);
    expect(parentId).not.toBe(SPAN_ID);
    expect(headers.tracestate).toBeUndefined();
    eject();
  });

  it("mode 'child': parallel calls get distinct span IDs whose parent is the current span", async () => {
    const client = create(sink.origin);
    const eject = instrumentAxios(client, { mode: 'child' });
    const calls = 8;
    const spans = await inRequest(() =>
      Promise.all(
        Array.from({ length: calls }, async (_, index) => {
          const response: AxiosResponse<{ headers: Record<string, string[]> }> = await client.get(
            `/child/${index}`,
          );
          return b3Span(response.data.headers.b3?.[0]);
        }),
      ),
    );
    expect(new Set(spans.map((span) => span.spanId)).size).toBe(calls);
    for (const span of spans) {
      expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(span.parentSpanId).toBe(SPAN_ID);
    }
    eject();
  });

  it('stops adding headers once ejected; ejecting twice removes nothing else', async () => {
    const client = create(sink.origin);
    const eject = instrumentAxios(client);
    eject();
    await inRequest(() => client.get('/ejected'));
    expect(lastReceived().headers['x-request-id']).toBeUndefined();
    const ejectAgain = instrumentAxios(client);
    eject();
    await inRequest(() => client.get('/again'));
    expect(lastReceived().headers['x-request-id']).toEqual(['req-1']);
    ejectAgain();
    ejectAgain();
    await inRequest(() => client.get('/ejected-again'));
    expect(lastReceived().headers['x-request-id']).toBeUndefined();
  });

  it('never writes into instance.defaults.headers', async () => {
    const client = axios.create({
      adapter,
      baseURL: sink.origin,
      headers: { traceparent: TRACEPARENT, 'x-team': 'payments' },
    });
    const before = JSON.stringify(client.defaults.headers);
    const eject = instrumentAxios(client, { mode: 'child' });
    await inRequest(async () => {
      await client.get('/defaults');
      await client.post('/defaults', 'body');
    });
    const { headers } = lastReceived();
    expect(headers.traceparent).toHaveLength(1);
    expect(headers.traceparent?.[0]).not.toBe(TRACEPARENT);
    expect(headers['x-team']).toEqual(['payments']);
    expect(JSON.stringify(client.defaults.headers)).toBe(before);
    await client.get('/defaults-outside');
    expect(lastReceived().headers['x-request-id']).toBeUndefined();
    expect(lastReceived().headers.traceparent).toEqual([TRACEPARENT]);
    eject();
  });

  it('lets a 503 reject unchanged, with the context still there in catch', async () => {
    const client = create(sink.origin);
    const eject = instrumentAxios(client);
    const bare = await bareError(() => create(sink.origin).get('/status/503'));
    const { error, requestId } = await failureOf(() => client.get('/status/503'));
    expect(error.code).toBe(bare.code);
    expect(error.response?.status).toBe(503);
    expect(requestId).toBe('req-1');
    eject();
  });

  it('lets ECONNREFUSED reject unchanged, with the context still there in catch', async () => {
    const origin = refused.origin;
    const client = create(origin);
    const eject = instrumentAxios(client);
    const bare = await bareError(() => create(origin).get('/refused'));
    const { error, requestId } = await failureOf(() => client.get('/refused'));
    expect(error.code).toBe(bare.code);
    if (adapter === 'http') expect(error.code).toBe('ECONNREFUSED');
    expect(requestId).toBe('req-1');
    eject();
  });

  it('honours propagateTo with the URL axios builds from baseURL, url and params', async () => {
    const seen: string[] = [];
    const allowed = create(sink.origin);
    const ejectAllowed = instrumentAxios(allowed, {
      propagateTo: (url) => {
        seen.push(url.href);
        return url.hostname === '127.0.0.1';
      },
    });
    const excluded = create(sink.origin);
    const ejectExcluded = instrumentAxios(excluded, { propagateTo: ['*.internal'] });
    await inRequest(async () => {
      await allowed.get('/allowed', { params: { page: 2 } });
      expect(lastReceived().headers['x-request-id']).toEqual(['req-1']);
      await excluded.get('/excluded');
      expect(lastReceived().headers['x-request-id']).toBeUndefined();
    });
    expect(seen).toEqual([`${sink.origin}/allowed?page=2`]);
    ejectAllowed();
    ejectExcluded();
  });

  it('reads the caller context even after an asynchronous interceptor ran first', async () => {
    const client = create(sink.origin);
    const eject = instrumentAxios(client);
    // Added later, so axios runs it before ours; it makes the whole chain asynchronous.
    const other = client.interceptors.request.use(async (config) => {
      await new Promise((resolve) => setImmediate(resolve));
      return config;
    });
    await inRequest(() => client.get('/async-chain'));
    expect(lastReceived().headers['x-request-id']).toEqual(['req-1']);
    client.interceptors.request.eject(other);
    eject();
  });
});

describe('instrumentAxios config edge cases', () => {
  /** An adapter that answers at once with the config it got, so nothing goes on the wire. */
  const echo = (config: InternalAxiosRequestConfig): Promise<AxiosResponse> =>
    Promise.resolve({ data: config.headers, status: 200, statusText: 'OK', headers: {}, config });

  it('sends nothing for a relative URL when propagateTo is set', async () => {
    const client = axios.create({ adapter: echo });
    const eject = instrumentAxios(client, { propagateTo: '*' });
    const response = await inRequest(() => client.get('/relative'));
    expect(response.config.headers.has('x-request-id')).toBe(false);
    eject();
  });

  it('handles config.headers replaced by a plain object or removed, copying the object', async () => {
    const client = axios.create({ adapter: echo });
    const eject = instrumentAxios(client);
    const shared = { 'X-Request-ID': 'mine', 'x-skip': false };
    const replace = client.interceptors.request.use(
      (config) => Object.assign(config, { headers: shared }),
      null,
      { synchronous: true },
    );
    const replaced = await inRequest(() => client.get('/plain'));
    expect(shared).toEqual({ 'X-Request-ID': 'mine', 'x-skip': false });
    expect(replaced.config.headers.get('x-request-id')).toBe('mine');
    expect(replaced.config.headers.get('traceparent')).toBe(TRACEPARENT);
    expect(replaced.config.headers.get('x-skip')).toBe(false);
    client.interceptors.request.eject(replace);

    const remove = client.interceptors.request.use(
      (config) => Object.assign(config, { headers: undefined }),
      null,
      { synchronous: true },
    );
    const removed = await inRequest(() => client.get('/none'));
    expect(removed.config.headers.get('x-request-id')).toBe('req-1');
    client.interceptors.request.eject(remove);
    eject();
  });
});
