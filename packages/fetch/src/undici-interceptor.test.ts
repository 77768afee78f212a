import { createServer } from 'node:http';
import {
  extract,
  getContext,
  HoptraceOptionsError,
  parseTraceparent,
  runWithContext,
} from '@hoptrace/core';
import {
  close,
  type HeaderSink,
  holdRefusedPort,
  listen,
  type RefusedPort,
  type SinkRequest,
  startHeaderSink,
} from '@hoptrace/test-utils';
import {
  Agent,
  type Dispatcher,
  getGlobalDispatcher,
  setGlobalDispatcher,
  fetch as undiciFetch,
  request as undiciRequest,
} from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hoptraceInterceptor } from './undici-interceptor.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

function inRequest<Result>(callback: () => Result, requestId = 'req-1'): Result {
  return runWithContext(extract({ 'x-request-id': requestId, traceparent: TRACEPARENT }), callback);
}

let refused: RefusedPort;
beforeAll(async () => {
  refused = await holdRefusedPort();
});
afterAll(() => refused.release());

let sink: HeaderSink;
const agents: Agent[] = [];

/** A new Agent composed with the interceptor, closed after the test. */
function composed(options?: Parameters<typeof hoptraceInterceptor>[0]): Dispatcher {
  const agent = new Agent();
  agents.push(agent);
  return agent.compose(hoptraceInterceptor(options));
}

beforeEach(async () => {
  sink = await startHeaderSink();
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
  await sink.close();
});

function only(): SinkRequest {
  expect(sink.received).toHaveLength(1);
  return sink.received[0] as SinkRequest;
}

/** Sends one GET through `dispatcher` and reads the answer to the end. */
async function get(
  dispatcher: Dispatcher,
  path = '/',
  headers?: Dispatcher.DispatchOptions['headers'],
): Promise<number> {
  const response = await undiciRequest(`${sink.origin}${path}`, { dispatcher, headers });
  await response.body.text();
  return response.statusCode;
}

describe('hoptraceInterceptor', () => {
  it('returns a compose interceptor whose dispatch is named hoptraceDispatch', () => {
    const interceptor = hoptraceInterceptor();
    expect(interceptor.name).toBe('hoptraceInterceptor');
    const dispatch = interceptor(() => true);
    expect(dispatch.name).toBe('hoptraceDispatch');
  });

  it('keeps the first context of a call for every re-dispatch of its handler (retries)', () => {
    const seen: unknown[] = [];
    const dispatch = hoptraceInterceptor()(((options: Dispatcher.DispatchOptions) => {
      seen.push((options.headers as Record<string, string> | undefined)?.['x-request-id']);
      return true;
    }) as Dispatcher.Dispatch);
    const handler = {} as Dispatcher.DispatchHandler;
    const options = { origin: 'http://127.0.0.1:9', path: '/', method: 'GET' as const };
    runWithContext(extract({ 'x-request-id': 'first-call' }), () => dispatch(options, handler));
    // A retry fired from a callback that runs in another request's context.
    runWithContext(extract({ 'x-request-id': 'someone-else' }), () => dispatch(options, handler));
    dispatch(options, handler);
    const outside = {} as Dispatcher.DispatchHandler;
    dispatch(options, outside);
    runWithContext(extract({ 'x-request-id': 'someone-else' }), () => dispatch(options, outside));
    expect(seen).toEqual(['first-call', 'first-call', 'first-call', undefined, undefined]);
  });

  it('validates its options at construction', () => {
    expect(() => hoptraceInterceptor({ mode: 'sideways' as never })).toThrow(HoptraceOptionsError);
    expect(() => hoptraceInterceptor({ propagateTo: [''] })).toThrow('propagateTo');
  });

  it('propagates through undici.request with a composed Agent', async () => {
    const status = await inRequest(() => get(composed(), '/r'));
    expect(status).toBe(200);
    const received = only();
    expect(received.path).toBe('/r');
    expect(received.headers['x-request-id']).toEqual(['req-1']);
    expect(received.headers.traceparent).toEqual([TRACEPARENT]);
  });

  it('propagates through undici.fetch with the composed dispatcher', async () => {
    const dispatcher = composed();
    await inRequest(async () => {
      const response = await undiciFetch(`${sink.origin}/f`, {
        dispatcher,
        method: 'POST',
        body: 'order=42',
        headers: { 'x-custom': 'kept' },
      });
      await response.text();
    });
    const received = only();
    expect(received.method).toBe('POST');
    expect(received.body).toBe('order=42');
    expect(received.headers['x-custom']).toEqual(['kept']);
    expect(received.headers['x-request-id']).toEqual(['req-1']);
    expect(received.headers.traceparent).toEqual([TRACEPARENT]);
  });

  it.each<[string, () => Dispatcher.DispatchOptions['headers']]>([
    ['null', () => null],
    ['a record with an array value', () => ({ 'x-custom': 'kept', 'x-list': ['a', 'b'] })],
    ['a flat array', () => ['x-custom', 'kept']],
    ['a Headers', () => new Headers({ 'x-custom': 'kept' })],
    ['a Map', () => new Map([['x-custom', 'kept']])],
  ])('copies headers given as %s, without changing them', async (_name, make) => {
    const headers = make();
    const snapshot = (value: unknown) =>
      JSON.stringify(value instanceof Headers || value instanceof Map ? [...value] : value);
    const before = snapshot(headers);
    await inRequest(() => get(composed(), '/h', headers));
    expect(snapshot(headers)).toBe(before);
    const received = only();
    if (headers !== null) expect(received.headers['x-custom']).toEqual(['kept']);
    expect(received.headers['x-request-id']).toEqual(['req-1']);
    expect(received.headers.traceparent).toEqual([TRACEPARENT]);
  });

  it('lets a header the caller set win, and sends no header twice', async () => {
    await inRequest(() =>
      get(composed({ mode: 'child' }), '/', {
        'X-Request-ID': 'callers-own',
        traceparent: TRACEPARENT,
      }),
    );
    const received = only();
    expect(received.headers['x-request-id']).toEqual(['callers-own']);
    for (const name of Object.keys(received.headers)) {
      expect(received.headers[name], name).toHaveLength(1);
    }
    // The copied traceparent repeated the current span: stale, so replaced by a child span.
    expect(parseTraceparent(received.headers.traceparent?.[0] ?? '')?.parentId).not.toBe(SPAN_ID);
  });

  it("gives parallel calls distinct child spans of the current span in mode 'child'", async () => {
    const dispatcher = composed({ mode: 'child' });
    await inRequest(() =>
      Promise.all(Array.from({ length: 5 }, (_unused, index) => get(dispatcher, `/${index}`))),
    );
    expect(sink.received).toHaveLength(5);
    const spans = sink.received.map((received) => {
      expect(parseTraceparent(received.headers.traceparent?.[0] ?? '')?.traceId).toBe(TRACE_ID);
      expect(received.headers['x-b3-parentspanid'] ?? [SPAN_ID]).toEqual([SPAN_ID]);
      return parseTraceparent(received.headers.traceparent?.[0] ?? '')?.parentId;
    });
    expect(new Set(spans).size).toBe(5);
    expect(spans).not.toContain(SPAN_ID);
  });

  it('reads the context per request on a reused keep-alive connection', async () => {
    // One connection per origin, and a server that tells which socket each request came on.
    const agent = new Agent({ connections: 1 });
    agents.push(agent);
    const dispatcher = agent.compose(hoptraceInterceptor());
    const seen: { requestId: unknown; port: unknown }[] = [];
    const server = createServer((request, response) => {
      seen.push({ requestId: request.headers['x-request-id'], port: request.socket.remotePort });
      response.end('ok');
    });
    const port = await listen(server);
    try {
      const send = async () => {
        const response = await undiciRequest(`http://127.0.0.1:${port}/`, { dispatcher });
        await response.body.text();
      };
      for (const requestId of ['keep-1', 'keep-2', 'keep-3']) {
        await inRequest(send, requestId);
      }
      await send();
    } finally {
      await close(server);
    }
    expect(seen.map((entry) => entry.requestId)).toEqual(['keep-1', 'keep-2', 'keep-3', undefined]);
    expect(new Set(seen.map((entry) => entry.port)).size).toBe(1);
  });

  it('sends only to the hosts propagateTo allows', async () => {
    await inRequest(() => get(composed({ propagateTo: ['localhost'] }), '/name'));
    await inRequest(() => get(composed({ propagateTo: ['127.0.0.1'] }), '/address'));
    expect(sink.received.map((received) => received.headers['x-request-id'])).toEqual([
      undefined,
      ['req-1'],
    ]);
  });

  it('passes a refused connection through unchanged, with the context in the catch', async () => {
    const dispatcher = composed();
    const outcome = await inRequest(async () => {
      try {
        await undiciRequest(`${refused.origin}/`, { dispatcher });
      } catch (error) {
        return { error: error as NodeJS.ErrnoException, requestId: getContext().requestId };
      }
      throw new Error('expected the call to fail');
    });
    expect(outcome.error.code).toBe('ECONNREFUSED');
    expect(outcome.requestId).toBe('req-1');
  });

  describe('as the global dispatcher', () => {
    let previous: Dispatcher;
    beforeEach(() => {
      previous = getGlobalDispatcher();
      setGlobalDispatcher(composed());
    });
    afterEach(() => {
      setGlobalDispatcher(previous);
    });

    it('propagates through plain undici.request and undici.fetch', async () => {
      await inRequest(async () => {
        const response = await undiciRequest(`${sink.origin}/request`);
        await response.body.text();
        await (await undiciFetch(`${sink.origin}/fetch`)).text();
      });
      expect(sink.received.map((received) => received.headers['x-request-id'])).toEqual([
        ['req-1'],
        ['req-1'],
      ]);
    });

    it('also reaches Node’s global fetch, which reads the same global dispatcher', async () => {
      await inRequest(async () => {
        await (await globalThis.fetch(`${sink.origin}/global`)).text();
      });
      const received = only();
      expect(received.headers['x-request-id']).toEqual(['req-1']);
      expect(received.headers.traceparent).toEqual([TRACEPARENT]);
    });
  });
});
