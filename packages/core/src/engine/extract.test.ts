import { describe, expect, it } from 'vitest';
import { extract } from './extract.js';
import type { HeaderCarrier } from './header-carrier.js';
import { outboundHeaders } from './inject.js';

const TRACE_128 = '80f198ee56343ba864fe8b2a57d3eff7';
const TRACE_64 = '80f198ee56343ba8';
const SPAN = 'e457b5a2e4d86bd1';
const PARENT = '05e3ac9a4f6e3b90';
const W3C_TRACE = '0af7651916cd43dd8448eb211c80319c';
const W3C_PARENT = 'b7ad6b7169203331';
const TRACEPARENT = `00-${W3C_TRACE}-${W3C_PARENT}-01`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('extract: request ID', () => {
  it('keeps a valid incoming ID, including Envoy UUIDs with a rewritten version digit', () => {
    const envoy = '9c3e2bd6-7f2a-9d4c-8b1e-3f5a6c7d8e9f';
    const context = extract({ 'x-request-id': envoy });
    expect(context.requestId).toBe(envoy);
    expect(context.requestIdSource).toBe('incoming');
    expect(context.rejected).toEqual([]);
  });

  it('generates a UUID v4 when none arrived', () => {
    const context = extract({});
    expect(context.requestId).toMatch(UUID);
    expect(context.requestIdSource).toBe('generated');
    expect(context.rejected).toEqual([]);
  });

  it.each([
    ['CRLF injection', 'abc\r\nset-cookie: x=1', 'invalid-characters'],
    ['markup', '<script>alert(1)</script>', 'malformed'],
    ['empty', '', 'empty'],
    ['comma-joined values', 'abc, def', 'multiple-values'],
    ['non-ASCII', 'abcé', 'invalid-characters'],
    ['too long', 'a'.repeat(201), 'too-long'],
  ])('replaces a hostile ID (%s) and never keeps the raw value', (_title, hostile, reason) => {
    const context = extract({ 'x-request-id': hostile });
    expect(context.requestId).toMatch(UUID);
    expect(context.requestIdSource).toBe('generated');
    expect(context.rejected).toEqual([{ header: 'x-request-id', reason, length: hostile.length }]);
    if (hostile !== '')
      expect(JSON.stringify(context)).not.toContain(JSON.stringify(hostile).slice(1, -1));
  });

  it('rejects several request ID header lines', () => {
    const context = extract(['x-request-id', 'one', 'X-Request-ID', 'two']);
    expect(context.requestIdSource).toBe('generated');
    expect(context.rejected).toEqual([
      { header: 'x-request-id', reason: 'multiple-values', length: 8 },
    ]);
  });

  it('reads a configured header name, in any case', () => {
    const context = extract(
      { 'X-Correlation-ID': 'corr-1' },
      { requestIdHeader: 'X-Correlation-Id' },
    );
    expect(context.requestId).toBe('corr-1');
  });

  it('replaces an untrusted ID and keeps it as untrustedRequestId', () => {
    const context = extract({ 'x-request-id': 'client-chosen' }, { trustRequestId: false });
    expect(context.requestId).toMatch(UUID);
    expect(context.untrustedRequestId).toBe('client-chosen');
    expect(context.rejected).toEqual([{ header: 'x-request-id', reason: 'untrusted', length: 13 }]);
  });

  it('asks a trust function with the peer address and request; a throwing one means untrusted', () => {
    const seen: unknown[] = [];
    const options = {
      trustRequestId: (request: { remoteAddress: string | undefined; request: unknown }) => {
        seen.push(request.request);
        return request.remoteAddress === '127.0.0.1';
      },
    };
    expect(
      extract({ 'x-request-id': 'a' }, options, { remoteAddress: '127.0.0.1', request: 'req' })
        .requestId,
    ).toBe('a');
    expect(
      extract({ 'x-request-id': 'a' }, options, { remoteAddress: '10.0.0.8' }).requestIdSource,
    ).toBe('generated');
    expect(seen).toEqual(['req', undefined]);
    const throwing = {
      trustRequestId: () => {
        throw new Error('boom');
      },
    };
    expect(extract({ 'x-request-id': 'a' }, throwing).untrustedRequestId).toBe('a');
  });

  it('stays correct when trustRequestId extracts other headers while the request is read', () => {
    // Extraction reuses its scratch object between requests: a nested one must not share it.
    const nested: string[] = [];
    const options = {
      trustRequestId: () => {
        const inner = extract({
          'x-request-id': 'inner',
          traceparent: `00-${'a'.repeat(32)}-${'d'.repeat(16)}-01`,
        });
        nested.push(`${inner.requestId}:${inner.traceId}`);
        return true;
      },
    };
    const outer = extract(
      { 'x-request-id': 'outer', 'x-b3-traceid': 'b'.repeat(32), 'x-b3-spanid': 'c'.repeat(16) },
      options,
    );
    expect(nested).toEqual([`inner:${'a'.repeat(32)}`]);
    expect(outer).toMatchObject({
      requestId: 'outer',
      requestIdSource: 'incoming',
      traceId: 'b'.repeat(32),
      spanId: 'c'.repeat(16),
    });
    expect(extract({ 'x-request-id': 'next' }).traceId).not.toBe('b'.repeat(32));
  });

  it('uses a custom generator, and falls back to UUIDs when it later returns an invalid ID or throws', () => {
    expect(extract({}, { generateRequestId: () => 'job-1' }).requestId).toBe('job-1');
    // Valid when checked at construction, broken afterwards: requests must still get an ID.
    let calls = 0;
    const flaky = {
      generateRequestId: (): string => {
        calls++;
        if (calls === 1) return 'checked-ok';
        if (calls === 2) return 'bad id';
        throw new Error('boom');
      },
    };
    expect(extract({}, flaky).requestId).toMatch(UUID);
    expect(extract({}, flaky).requestId).toMatch(UUID);
    expect(calls).toBe(3);
  });
});

describe('extract: carriers', () => {
  const cases: [string, HeaderCarrier][] = [
    ['Node IncomingHttpHeaders', { 'x-request-id': 'r1', b3: `${TRACE_128}-${SPAN}-1` }],
    ['plain record, mixed case', { 'X-Request-Id': 'r1', B3: `${TRACE_128}-${SPAN}-1` }],
    ['fetch Headers', new Headers({ 'X-Request-ID': 'r1', b3: `${TRACE_128}-${SPAN}-1` })],
    ['undici raw strings', ['X-Request-ID', 'r1', 'b3', `${TRACE_128}-${SPAN}-1`]],
    [
      'undici raw bytes',
      [
        Buffer.from('x-request-id'),
        Buffer.from('r1'),
        Buffer.from('B3'),
        Buffer.from(`${TRACE_128}-${SPAN}-1`),
      ],
    ],
  ];
  it.each(cases)('reads %s', (_title, carrier) => {
    const context = extract(carrier);
    expect(context.requestId).toBe('r1');
    expect(context.traceId).toBe(TRACE_128);
    expect(context.spanId).toBe(SPAN);
    expect(context.sampling).toBe('accept');
    expect(context.traceSource).toBe('b3-single');
  });

  it('treats a carrier whose getters throw as empty', () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('boom');
        },
      },
    );
    const context = extract(hostile);
    expect(context.requestIdSource).toBe('generated');
    expect(context.traceSource).toBe('generated');
  });

  it('skips values of the wrong type in Headers-like carriers, Maps and raw arrays', () => {
    const map = new Map<string, unknown>([
      ['x-request-id', 123],
      ['b3', Buffer.from('1')],
      ['traceparent', null],
      ['baggage', {}],
    ]);
    const fromMap = extract(map as unknown as HeaderCarrier);
    expect(fromMap.requestId).toBe('123');
    expect(fromMap.rejected).toEqual([]);
    const raw = [
      'x-request-id',
      'abc',
      'b3',
      1,
      null,
      'x',
      ['a', 'b'],
      'c',
    ] as unknown as HeaderCarrier;
    expect(extract(raw).requestId).toBe('abc');
  });

  it('ignores values of the wrong type in a record', () => {
    const context = extract({
      'x-request-id': 7,
      b3: null,
      traceparent: undefined,
    } as unknown as HeaderCarrier);
    expect(context.requestId).toBe('7');
    expect(context.rejected).toEqual([]);
  });
});

describe('extract: trace identity', () => {
  it('reads B3 multi with its parent, keeping a 64-bit trace ID at its width', () => {
    const context = extract({
      'x-b3-traceid': TRACE_64,
      'x-b3-spanid': SPAN,
      'x-b3-parentspanid': PARENT,
      'x-b3-sampled': '1',
    });
    expect(context).toMatchObject({
      traceId: TRACE_64,
      spanId: SPAN,
      parentSpanId: PARENT,
      sampling: 'accept',
      sampled: true,
      debug: false,
      traceSource: 'b3-multi',
    });
    expect(context.incoming).toEqual({
      'x-b3-traceid': TRACE_64,
      'x-b3-spanid': SPAN,
      'x-b3-parentspanid': PARENT,
      'x-b3-sampled': '1',
    });
  });

  it('keeps an absent Sampled as deferred', () => {
    const context = extract({ 'x-b3-traceid': TRACE_128, 'x-b3-spanid': SPAN });
    expect(context.sampling).toBe('defer');
    expect(context.sampled).toBeUndefined();
  });

  it('lets the single header win over multi when both are valid', () => {
    const context = extract({
      b3: `${TRACE_128}-${SPAN}-0`,
      'x-b3-traceid': TRACE_64,
      'x-b3-spanid': PARENT,
      'x-b3-sampled': '1',
    });
    expect(context).toMatchObject({
      traceId: TRACE_128,
      spanId: SPAN,
      sampling: 'deny',
      traceSource: 'b3-single',
    });
  });

  it('falls back to multi when the single header is malformed, and records why', () => {
    const context = extract({
      b3: `${TRACE_128}-${SPAN}-x`,
      'x-b3-traceid': TRACE_64,
      'x-b3-spanid': SPAN,
    });
    expect(context.traceSource).toBe('b3-multi');
    expect(context.rejected).toEqual([{ header: 'b3', reason: 'malformed', length: 51 }]);
    expect(context.incoming.b3).toBeUndefined();
  });

  it('takes the first value of a repeated B3 header', () => {
    const context = extract({ b3: `${TRACE_128}-${SPAN}-1, ${TRACE_64}-${PARENT}-0` });
    expect(context).toMatchObject({ traceId: TRACE_128, spanId: SPAN, sampling: 'accept' });
    expect(context.incoming.b3).toBe(`${TRACE_128}-${SPAN}-1`);
  });

  it('rejects a malformed multi set as a whole, naming the broken header', () => {
    expect(extract({ 'x-b3-traceid': TRACE_128 }).rejected).toEqual([
      { header: 'x-b3-*', reason: 'malformed', length: 32 },
    ]);
    expect(
      extract({ 'x-b3-traceid': TRACE_128, 'x-b3-spanid': SPAN, 'x-b3-sampled': '' }).rejected,
    ).toEqual([{ header: 'x-b3-sampled', reason: 'empty', length: 0 }]);
  });

  it('applies a sampling-only B3 header to a traceparent identity', () => {
    const context = extract({ b3: '0', traceparent: TRACEPARENT });
    expect(context).toMatchObject({
      traceId: W3C_TRACE,
      spanId: W3C_PARENT,
      sampling: 'deny',
      traceSource: 'traceparent',
    });
  });

  it('reads debug from B3 and marks it sampled', () => {
    const context = extract({ b3: `${TRACE_128}-${SPAN}-d` });
    expect(context).toMatchObject({ sampling: 'debug', sampled: true, debug: true });
  });

  it('reads traceparent with tracestate joined from several lines', () => {
    const context = extract([
      'traceparent',
      TRACEPARENT,
      'tracestate',
      'congo=t61rcWkgMzE',
      'tracestate',
      'rojo=00f067aa0ba902b7',
    ]);
    expect(context).toMatchObject({
      traceId: W3C_TRACE,
      spanId: W3C_PARENT,
      sampling: 'accept',
      traceSource: 'traceparent',
    });
    expect(context.tracestate).toBe('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
  });

  it('restarts the trace on an invalid traceparent and drops its tracestate', () => {
    const context = extract({
      traceparent: `00-${'0'.repeat(32)}-${W3C_PARENT}-01`,
      tracestate: 'congo=t61rcWkgMzE',
    });
    expect(context.traceSource).toBe('generated');
    expect(context.traceId).not.toBe(W3C_TRACE);
    expect(context.tracestate).toBeUndefined();
    expect(context.rejected).toEqual([
      { header: 'traceparent', reason: 'malformed', length: 55 },
      { header: 'tracestate', reason: 'orphaned', length: 17 },
    ]);
  });

  it('rejects two traceparent headers', () => {
    const context = extract(['traceparent', TRACEPARENT, 'traceparent', TRACEPARENT]);
    expect(context.traceSource).toBe('generated');
    expect(context.rejected[0]).toMatchObject({ header: 'traceparent', reason: 'multiple-values' });
  });

  it('drops a traceparent (and its tracestate) that names another trace than the one in use', () => {
    const context = extract({
      'x-b3-traceid': TRACE_128,
      'x-b3-spanid': SPAN,
      traceparent: TRACEPARENT,
      tracestate: 'a=b',
    });
    expect(context.traceSource).toBe('b3-multi');
    expect(context.tracestate).toBeUndefined();
    expect(context.incoming.traceparent).toBeUndefined();
    expect(context.incoming.tracestate).toBeUndefined();
    expect(context.rejected).toEqual([
      { header: 'traceparent', reason: 'conflicting', length: 55 },
      { header: 'tracestate', reason: 'orphaned', length: 3 },
    ]);
  });

  it('keeps a traceparent that carries the same trace as B3, 64-bit IDs padded', () => {
    const context = extract({
      b3: `${TRACE_64}-${SPAN}-1`,
      traceparent: `00-0000000000000000${TRACE_64}-${SPAN}-01`,
      tracestate: 'a=b',
    });
    expect(context.traceSource).toBe('b3-single');
    expect(context.tracestate).toBe('a=b');
    expect(context.rejected).toEqual([]);
  });

  it('uses the x-b3-* identity with the sampling of a sampling-only b3 header', () => {
    const context = extract({
      b3: '0',
      'x-b3-traceid': TRACE_128,
      'x-b3-spanid': SPAN,
      'x-b3-sampled': '1',
    });
    expect(context).toMatchObject({
      traceId: TRACE_128,
      spanId: SPAN,
      sampling: 'deny',
      traceSource: 'b3-multi',
    });
    expect(context.rejected).toEqual([]);
  });

  it('drops a B3 single header naming another trace than the multi headers', () => {
    const context = extract({
      b3: `${TRACE_128}-${SPAN}-1`,
      'x-b3-traceid': TRACE_64,
      'x-b3-spanid': PARENT,
    });
    expect(context.traceSource).toBe('b3-single');
    expect(context.incoming['x-b3-traceid']).toBeUndefined();
    expect(context.rejected).toEqual([{ header: 'x-b3-*', reason: 'conflicting', length: 32 }]);
  });

  it('forwards X-B3-Sampled as 1/0 even when it arrived as true/false, and ignores Flags: 0 alone', () => {
    const context = extract({
      'x-b3-traceid': TRACE_128,
      'x-b3-spanid': SPAN,
      'x-b3-sampled': 'true',
    });
    expect(context.incoming['x-b3-sampled']).toBe('1');
    const flagsOnly = extract({ 'x-b3-flags': '0' });
    expect(flagsOnly.rejected).toEqual([]);
    expect(flagsOnly.traceSource).toBe('generated');
  });

  it('rejects a tracestate longer than 8192 characters', () => {
    const padded = `a=1${' ,'.repeat(5000)}`;
    const context = extract({ traceparent: TRACEPARENT, tracestate: padded });
    expect(context.tracestate).toBeUndefined();
    expect(context.rejected).toEqual([
      { header: 'tracestate', reason: 'too-long', length: padded.length },
    ]);
  });

  it('reports comma-joined traceparent values as multiple values, and freezes each rejection', () => {
    const context = extract({ traceparent: `${TRACEPARENT}, ${TRACEPARENT}` });
    expect(context.rejected).toEqual([
      { header: 'traceparent', reason: 'multiple-values', length: 112 },
    ]);
    expect(Object.isFrozen(context.rejected[0])).toBe(true);
  });

  it('starts a new trace when none arrived, or leaves it empty with startTrace: false', () => {
    const started = extract({});
    expect(started.traceSource).toBe('generated');
    expect(started.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(started.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(started.sampling).toBe('defer');
    const none = extract({ b3: '1' }, { startTrace: false });
    expect(none).toMatchObject({
      traceId: undefined,
      spanId: undefined,
      traceSource: undefined,
      sampling: 'accept',
    });
  });

  it('reads only the enabled formats', () => {
    const context = extract(
      { b3: `${TRACE_128}-${SPAN}-1`, traceparent: TRACEPARENT },
      { formats: ['traceparent'] },
    );
    expect(context.traceSource).toBe('traceparent');
    expect(context.incoming.b3).toBeUndefined();
  });
});

describe('extract: opaque and extra headers', () => {
  it('forwards x-ot-span-context and baggage when valid', () => {
    const otText = `${TRACE_64};${SPAN};${PARENT};cs`;
    const context = extract({
      'x-ot-span-context': otText,
      baggage: 'userId=alice,isProduction=false',
    });
    expect(context.incoming['x-ot-span-context']).toBe(otText);
    expect(context.baggage).toBe('userId=alice,isProduction=false');
  });

  it('drops an empty x-ot-span-context', () => {
    const context = extract({ 'x-ot-span-context': '' });
    expect(context.incoming['x-ot-span-context']).toBeUndefined();
    expect(context.rejected).toEqual([{ header: 'x-ot-span-context', reason: 'empty', length: 0 }]);
  });

  it('forwards configured extra headers by name and prefix, within their caps', () => {
    const options = {
      forwardHeaders: ['x-client-trace-id', 'l5d-ctx-*', { name: 'sw8', maxLength: 8 }],
    };
    const context = extract(
      {
        'x-client-trace-id': 'abc',
        'l5d-ctx-trace': 'AAAA',
        'l5d-ctx-deadline': 'BBBB',
        sw8: '123456789',
        'x-unrelated': 'nope',
      },
      options,
    );
    expect(context.incoming).toMatchObject({
      'x-client-trace-id': 'abc',
      'l5d-ctx-trace': 'AAAA',
      'l5d-ctx-deadline': 'BBBB',
    });
    expect(context.incoming.sw8).toBeUndefined();
    expect(context.incoming['x-unrelated']).toBeUndefined();
    expect(context.rejected).toEqual([{ header: 'sw8', reason: 'too-long', length: 9 }]);
  });

  it('refuses control characters in extra headers', () => {
    const context = extract(
      { 'x-client-trace-id': 'a\u0000b' },
      { forwardHeaders: ['x-client-trace-id'] },
    );
    expect(context.rejected).toEqual([
      { header: 'x-client-trace-id', reason: 'invalid-characters', length: 3 },
    ]);
  });
});

describe('extract: the result', () => {
  it('is frozen, with frozen collections', () => {
    const context = extract({ 'x-request-id': 'bad id' });
    expect(Object.isFrozen(context)).toBe(true);
    expect(Object.isFrozen(context.incoming)).toBe(true);
    expect(Object.isFrozen(context.rejected)).toBe(true);
  });
});

describe('extract: baggage', () => {
  it('joins several baggage lines, skipping empty ones', () => {
    const context = extract(['baggage', 'a=1', 'baggage', '', 'baggage', 'b=2']);
    expect(context.baggage).toBe('a=1,b=2');
    expect(context.rejected).toEqual([]);
  });

  it('forwards only the members within the W3C limits', () => {
    const members = Array.from({ length: 200 }, (_unused, index) => `k${index}=v`);
    const context = extract({ baggage: members.join(',') });
    expect(context.baggage?.split(',')).toHaveLength(180);
  });
});

describe('extract: Node request headers', () => {
  it('reads a Node IncomingMessage’s headers like a plain record', async () => {
    const { IncomingMessage } = await import('node:http');
    const { Socket } = await import('node:net');
    const request = new IncomingMessage(new Socket());
    request.headers = {
      host: 'example',
      'x-request-id': 'r-1',
      'x-b3-traceid': TRACE_128,
      'x-b3-spanid': SPAN,
      'x-b3-sampled': '1',
      tracestate: 'a=1',
      'x-client-trace-id': 'c',
    };
    const options = { forwardHeaders: ['x-client-trace-id'] };
    const fromNode = extract(request.headers, options, { request });
    const walked = extract({ ...request.headers }, options);
    expect({ ...fromNode, requestId: 'x' }).toEqual({ ...walked, requestId: 'x' });
    expect(fromNode.incoming['x-client-trace-id']).toBe('c');
    expect(fromNode.traceSource).toBe('b3-multi');
  });
});

describe('extract: B3 single with the decision deferred, and x-b3-parentspanid', () => {
  it('takes the parent from the multi headers when both name the same span', () => {
    const context = extract({
      b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1',
      'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
      'x-b3-spanid': 'e457b5a2e4d86bd1',
      'x-b3-parentspanid': '05e3ac9a4f6e3b90',
    });
    expect(context).toMatchObject({
      traceSource: 'b3-single',
      spanId: 'e457b5a2e4d86bd1',
      parentSpanId: '05e3ac9a4f6e3b90',
      sampling: 'defer',
    });
  });

  it('keeps a child-mode parent link across a hop with no sampling decision', () => {
    const options = { mode: 'child' as const };
    const edge = extract({ 'x-request-id': 'req-1' }, options);
    const next = extract(outboundHeaders(edge, options), options);
    expect(next.parentSpanId).toBe(edge.spanId);
    expect(next.spanId).not.toBe(edge.spanId);
  });
});

describe('extract: correlation ID', () => {
  it('keeps a valid incoming correlation ID and forwards it, in forward mode too', () => {
    const context = extract({ 'x-request-id': 'req-1', 'x-correlation-id': ' chain-1 ' });
    expect(context.correlationId).toBe('chain-1');
    expect(context.rejected).toEqual([]);
    expect(outboundHeaders(context)['x-correlation-id']).toBe('chain-1');
  });

  it('is undefined when none arrived', () => {
    const context = extract({ 'x-request-id': 'req-1' });
    expect(context.correlationId).toBeUndefined();
    expect(outboundHeaders(context)).not.toHaveProperty('x-correlation-id');
  });

  it('reads a configured header name, in any case', () => {
    const context = extract({ 'X-Chain-ID': 'chain-2' }, { correlationIdHeader: 'x-chain-id' });
    expect(context.correlationId).toBe('chain-2');
  });

  it.each([
    ['header injection', 'id\r\nSet-Cookie: x=1', 'invalid-characters'],
    ['markup', '<script>alert(1)</script>', 'malformed'],
    ['too long', 'a'.repeat(201), 'too-long'],
    ['empty', '', 'empty'],
    ['two values joined', 'a, b', 'multiple-values'],
    ['non-ASCII', 'chäin', 'invalid-characters'],
  ])('rejects %s and never echoes it', (_name, value, reason) => {
    const context = extract({ 'x-correlation-id': value });
    expect(context.correlationId).toBeUndefined();
    expect(context.rejected).toEqual([
      { header: 'x-correlation-id', reason, length: value.length },
    ]);
    expect(JSON.stringify(context)).not.toContain(value === '' ? '""x' : value);
    expect(outboundHeaders(context)).not.toHaveProperty('x-correlation-id');
  });

  it('rejects two correlation header lines', () => {
    const context = extract(['x-correlation-id', 'a', 'x-correlation-id', 'b']);
    expect(context.correlationId).toBeUndefined();
    expect(context.rejected[0]).toMatchObject({
      header: 'x-correlation-id',
      reason: 'multiple-values',
    });
  });

  it('follows trustRequestId: an untrusted caller names neither the request nor the chain', () => {
    const context = extract(
      { 'x-request-id': 'req-1', 'x-correlation-id': 'chain-1' },
      { trustRequestId: false },
    );
    expect(context.correlationId).toBeUndefined();
    expect(context.rejected.map((rejection) => rejection.reason)).toEqual([
      'untrusted',
      'untrusted',
    ]);
    const alone = extract({ 'x-correlation-id': 'chain-1' }, { trustRequestId: () => false });
    expect(alone.correlationId).toBeUndefined();
  });
});
