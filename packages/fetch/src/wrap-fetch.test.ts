import {
  extract,
  getContext,
  HoptraceOptionsError,
  parseRequestId,
  parseTraceparent,
  runWithContext,
  type TraceContext,
} from '@hoptrace/core';
import {
  type HeaderSink,
  holdRefusedPort,
  type RefusedPort,
  type SinkRequest,
  startHeaderSink,
} from '@hoptrace/test-utils';
import { Headers as UndiciHeaders, Request as UndiciRequest, fetch as undiciFetch } from 'undici';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  expectTypeOf,
  it,
} from 'vitest';
import { wrapFetch } from './wrap-fetch.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

function inRequest<Result>(callback: () => Result, headers: Record<string, string> = {}): Result {
  const context: TraceContext = extract({
    'x-request-id': 'req-1',
    traceparent: TRACEPARENT,
    ...headers,
  });
  return runWithContext(context, callback);
}

let refused: RefusedPort;
beforeAll(async () => {
  refused = await holdRefusedPort();
});
afterAll(() => refused.release());

/** Runs `call` in a request: what it threw, and the request ID its catch block still saw. */
async function failure(call: () => Promise<unknown>): Promise<{ error: Error; requestId: string }> {
  return inRequest(async () => {
    try {
      await call();
    } catch (error) {
      return { error: error as Error, requestId: getContext().requestId };
    }
    throw new Error('expected the call to fail');
  });
}

let sink: HeaderSink;
beforeEach(async () => {
  sink = await startHeaderSink();
});
afterEach(async () => {
  await sink.close();
});

function only(): SinkRequest {
  expect(sink.received).toHaveLength(1);
  return sink.received[0] as SinkRequest;
}

describe('wrapFetch', () => {
  it('returns a function named hoptraceFetch typed as the fetch it wraps', () => {
    const wrapped = wrapFetch();
    expect(wrapped.name).toBe('hoptraceFetch');
    expectTypeOf(wrapped).toEqualTypeOf<typeof globalThis.fetch>();
    expectTypeOf(wrapFetch(undiciFetch)).toEqualTypeOf<typeof undiciFetch>();
  });

  it.each<[string, unknown]>([
    ['a string', 'fetch'],
    ['null', null],
    ['an object', { fetch: () => undefined }],
  ])('throws HoptraceOptionsError naming fetch when given %s', (_name, fetch) => {
    expect(() => wrapFetch(fetch as typeof globalThis.fetch)).toThrow(HoptraceOptionsError);
    expect(() => wrapFetch(fetch as typeof globalThis.fetch)).toThrow('"fetch"');
  });

  it('validates its options at construction', () => {
    expect(() => wrapFetch(undefined, { mode: 'sideways' as never })).toThrow(HoptraceOptionsError);
    expect(() => wrapFetch(undefined, { outsideContext: 'always' as never })).toThrow(
      'outsideContext',
    );
  });

  it('reads globalThis.fetch when wrapFetch is called, not at import', async () => {
    const original = globalThis.fetch;
    const seen: unknown[] = [];
    globalThis.fetch = ((input: unknown, init?: unknown) => {
      seen.push(input, init);
      return Promise.resolve(new Response('stub'));
    }) as typeof globalThis.fetch;
    try {
      const wrapped = wrapFetch();
      globalThis.fetch = original;
      await wrapped('http://stub.invalid/');
      expect(seen).toEqual(['http://stub.invalid/', undefined]);
    } finally {
      globalThis.fetch = original;
    }
  });

  it.each<[string, () => string | URL | Request]>([
    ['a URL string', () => `${sink.origin}/a`],
    ['a URL object', () => new URL(`${sink.origin}/a`)],
    ['a Request', () => new Request(`${sink.origin}/a`)],
  ])('propagates with %s as input', async (_name, input) => {
    const fetch = wrapFetch();
    const response = await inRequest(() => fetch(input()));
    expect(response.status).toBe(200);
    const received = only();
    expect(received.path).toBe('/a');
    expect(received.headers['x-request-id']).toEqual(['req-1']);
    expect(received.headers.traceparent).toEqual([TRACEPARENT]);
  });

  it.each<[string, () => ConstructorParameters<typeof Headers>[0]]>([
    ['a Headers', () => new Headers({ 'x-custom': 'kept' })],
    ['a plain object', () => ({ 'x-custom': 'kept' })],
    ['an array of pairs', () => [['x-custom', 'kept']]],
  ])('keeps the caller’s headers given as %s, without changing them', async (_name, make) => {
    const fetch = wrapFetch();
    const headers = make();
    const before = JSON.stringify(headers instanceof Headers ? [...headers] : headers);
    const init: RequestInit = { headers };
    await inRequest(() => fetch(`${sink.origin}/h`, init));
    const received = only();
    expect(received.headers['x-custom']).toEqual(['kept']);
    expect(received.headers['x-request-id']).toEqual(['req-1']);
    expect(JSON.stringify(headers instanceof Headers ? [...headers] : headers)).toBe(before);
    expect(init.headers).toBe(headers);
  });

  it('keeps a Request’s method, body and headers', async () => {
    const fetch = wrapFetch();
    const request = new Request(`${sink.origin}/post`, {
      method: 'POST',
      body: 'order=42',
      headers: { 'x-custom': 'kept', 'content-type': 'text/plain' },
    });
    await inRequest(() => fetch(request));
    const received = only();
    expect(received.method).toBe('POST');
    expect(received.body).toBe('order=42');
    expect(received.headers['x-custom']).toEqual(['kept']);
    expect(received.headers['content-type']).toEqual(['text/plain']);
    expect(received.headers['x-request-id']).toEqual(['req-1']);
    expect(request.headers.has('x-request-id')).toBe(false);
  });

  it('lets init.headers replace a Request’s headers, as fetch does', async () => {
    const fetch = wrapFetch();
    const request = new Request(`${sink.origin}/r`, { headers: { 'x-old': 'dropped' } });
    await inRequest(() => fetch(request, { headers: { 'x-new': 'sent' } }));
    const received = only();
    expect(received.headers['x-old']).toBeUndefined();
    expect(received.headers['x-new']).toEqual(['sent']);
    expect(received.headers['x-request-id']).toEqual(['req-1']);
  });

  it('lets a header the caller set win', async () => {
    const fetch = wrapFetch();
    await inRequest(() => fetch(sink.origin, { headers: { 'X-Request-ID': 'callers-own' } }));
    const received = only();
    expect(received.headers['x-request-id']).toEqual(['callers-own']);
    expect(received.headers.traceparent).toEqual([TRACEPARENT]);
  });

  it('replaces a stale copied traceparent and never sends a header twice', async () => {
    const fetch = wrapFetch(undefined, { mode: 'child' });
    const stale = { traceparent: TRACEPARENT, b3: `${TRACE_ID}-${SPAN_ID}-1` };
    await inRequest(() => fetch(sink.origin, { headers: stale }));
    const received = only();
    for (const name of Object.keys(received.headers)) {
      expect(received.headers[name], name).toHaveLength(1);
    }
    const sent = parseTraceparent(received.headers.traceparent?.[0] ?? '');
    expect(sent?.traceId).toBe(TRACE_ID);
    expect(sent?.parentId).not.toBe(SPAN_ID);
    expect(received.headers.b3?.[0]).toContain(sent?.parentId);
  });

  it('adds nothing outside a request, passing the arguments through untouched', async () => {
    const seen: unknown[][] = [];
    const fetch = wrapFetch(((...args: unknown[]) => {
      seen.push(args);
      return globalThis.fetch(...(args as Parameters<typeof globalThis.fetch>));
    }) as typeof globalThis.fetch);
    const init = { headers: { 'x-custom': 'kept' } };
    await fetch(sink.origin, init);
    expect(seen[0]?.[1]).toBe(init);
    const received = only();
    expect(received.headers['x-request-id']).toBeUndefined();
    expect(received.headers.traceparent).toBeUndefined();
  });

  it("starts a new trace per call outside a request with outsideContext: 'new-trace'", async () => {
    const fetch = wrapFetch(undefined, { outsideContext: 'new-trace' });
    await fetch(sink.origin);
    await fetch(sink.origin);
    expect(sink.received).toHaveLength(2);
    const [first, second] = sink.received.map((received) => ({
      requestId: received.headers['x-request-id']?.[0] ?? '',
      traceparent: parseTraceparent(received.headers.traceparent?.[0] ?? ''),
    }));
    expect(parseRequestId(first?.requestId ?? '')).toBeDefined();
    expect(parseRequestId(second?.requestId ?? '')).toBeDefined();
    expect(first?.requestId).not.toBe(second?.requestId);
    expect(first?.traceparent).toBeDefined();
    expect(second?.traceparent).toBeDefined();
    expect(first?.traceparent?.traceId).not.toBe(second?.traceparent?.traceId);
  });

  it("gives parallel calls distinct child spans of the current span in mode 'child'", async () => {
    const fetch = wrapFetch(undefined, { mode: 'child' });
    await inRequest(() =>
      Promise.all(Array.from({ length: 5 }, (_unused, index) => fetch(`${sink.origin}/${index}`))),
    );
    expect(sink.received).toHaveLength(5);
    const spans = sink.received.map((received) => {
      const sent = parseTraceparent(received.headers.traceparent?.[0] ?? '');
      expect(sent?.traceId).toBe(TRACE_ID);
      expect(received.headers['x-b3-parentspanid'] ?? [SPAN_ID]).toEqual([SPAN_ID]);
      return sent?.parentId;
    });
    expect(new Set(spans).size).toBe(5);
    expect(spans).not.toContain(SPAN_ID);
  });

  it('sends only to the hosts propagateTo allows', async () => {
    const byName = wrapFetch(undefined, { propagateTo: ['localhost'] });
    const byAddress = wrapFetch(undefined, { propagateTo: ['127.0.0.1'] });
    await inRequest(() => byName(`${sink.origin}/name`));
    await inRequest(() => byAddress(`${sink.origin}/address`));
    expect(sink.received.map((received) => received.headers['x-request-id'])).toEqual([
      undefined,
      ['req-1'],
    ]);
  });

  it('leaves a malformed input to fetch’s own error', async () => {
    const fetch = wrapFetch();
    const ownError = await globalThis.fetch('/relative').catch((error: unknown) => error);
    const wrappedError = await inRequest(() => fetch('/relative')).catch((error: unknown) => error);
    expect(wrappedError).toBeInstanceOf(TypeError);
    expect((wrappedError as Error).message).toBe((ownError as Error).message);
    const restricted = wrapFetch(undefined, { propagateTo: ['127.0.0.1'] });
    await expect(inRequest(() => restricted('/relative'))).rejects.toThrow(
      (ownError as Error).message,
    );
  });

  it('leaves a bad header to fetch, as a rejection, never a synchronous throw', async () => {
    const fetch = wrapFetch();
    const pending = inRequest(() => fetch(sink.origin, { headers: { 'bad name': 'x' } }));
    await expect(pending).rejects.toBeInstanceOf(TypeError);
    expect(sink.received).toHaveLength(0);
  });

  it('passes a refused connection through unchanged, with the context in the catch', async () => {
    const fetch = wrapFetch();
    const { error, requestId } = await failure(() => fetch(`${refused.origin}/`));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe('fetch failed');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(requestId).toBe('req-1');
  });

  it('passes an abort through unchanged, with the context in the catch', async () => {
    const fetch = wrapFetch();
    const controller = new AbortController();
    const reason = new Error('gave up');
    controller.abort(reason);
    const { error, requestId } = await failure(() =>
      fetch(sink.origin, { signal: controller.signal }),
    );
    expect(error).toBe(reason);
    expect(requestId).toBe('req-1');
  });

  it('passes an AbortSignal timeout through as fetch’s TimeoutError', async () => {
    const fetch = wrapFetch();
    const { error, requestId } = await failure(() =>
      fetch(sink.origin, { signal: AbortSignal.timeout(0) }),
    );
    // Fired before or after the request left: either way the error is fetch's own.
    expect(error.name).toBe('TimeoutError');
    expect(requestId).toBe('req-1');
  });

  describe('wrapping undici’s npm fetch', () => {
    it('propagates with a URL, a Request and undici Headers', async () => {
      const fetch = wrapFetch(undiciFetch, { mode: 'child' });
      await inRequest(async () => {
        await fetch(`${sink.origin}/u`);
        await fetch(
          new UndiciRequest(`${sink.origin}/post`, {
            method: 'POST',
            body: 'order=42',
            headers: { 'x-custom': 'kept' },
          }),
        );
        await fetch(`${sink.origin}/h`, { headers: new UndiciHeaders({ 'x-custom': 'kept' }) });
      });
      expect(sink.received).toHaveLength(3);
      for (const received of sink.received) {
        expect(received.headers['x-request-id']).toEqual(['req-1']);
        expect(parseTraceparent(received.headers.traceparent?.[0] ?? '')?.traceId).toBe(TRACE_ID);
        expect(received.headers.traceparent).toHaveLength(1);
      }
      expect(sink.received[1]?.method).toBe('POST');
      expect(sink.received[1]?.body).toBe('order=42');
      expect(sink.received[1]?.headers['x-custom']).toEqual(['kept']);
      expect(sink.received[2]?.headers['x-custom']).toEqual(['kept']);
    });
  });
});
