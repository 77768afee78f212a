import { ClientRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseB3Multi } from '../codec/b3-multi.js';
import { parseB3Single } from '../codec/b3-single.js';
import { parseTraceparent } from '../codec/traceparent.js';
import { contextStorage, runWithContext } from '../context/context-storage.js';
import { createHoptrace } from './create-hoptrace.js';
import { extract, openExtraction } from './extract.js';
import { injectHeaders, outboundHeaders } from './inject.js';

const TRACE_128 = '80f198ee56343ba864fe8b2a57d3eff7';
const TRACE_64 = '80f198ee56343ba8';
const SPAN = 'e457b5a2e4d86bd1';
const PARENT = '05e3ac9a4f6e3b90';
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

const envoyHeaders = {
  'x-request-id': 'req-1',
  'x-b3-traceid': TRACE_128,
  'x-b3-spanid': SPAN,
  'x-b3-parentspanid': PARENT,
  'x-b3-sampled': '1',
  'x-ot-span-context': `${TRACE_64};${SPAN};${PARENT};cs`,
  'x-client-trace-id': 'client-7',
};

describe('outboundHeaders: forward mode', () => {
  it('forwards every valid incoming header byte for byte', () => {
    const options = { forwardHeaders: ['x-client-trace-id'] };
    const sameTrace = `00-${TRACE_128}-${SPAN}-01`;
    const context = extract(
      { ...envoyHeaders, b3: `${TRACE_128}-${SPAN}`, traceparent: sameTrace, tracestate: 'a=1' },
      options,
    );
    expect(outboundHeaders(context, options)).toEqual({
      ...envoyHeaders,
      b3: `${TRACE_128}-${SPAN}`,
      traceparent: sameTrace,
      tracestate: 'a=1',
    });
  });

  it('drops what was rejected', () => {
    const context = extract({ 'x-request-id': 'bad\nid', b3: 'garbage', traceparent: TRACEPARENT });
    const headers = outboundHeaders(context);
    expect(headers).toEqual({ 'x-request-id': context.requestId, traceparent: TRACEPARENT });
  });

  it('writes a trace started here in every enabled format, with one identity', () => {
    const context = extract({});
    const headers = outboundHeaders(context);
    const { traceId, spanId } = context;
    expect(headers).toEqual({
      'x-request-id': context.requestId,
      b3: `${traceId}-${spanId}`,
      'x-b3-traceid': traceId,
      'x-b3-spanid': spanId,
      traceparent: `00-${traceId}-${spanId}-00`,
    });
  });

  it('writes only the configured formats', () => {
    const options = { formats: ['b3-multi'] as const };
    const headers = outboundHeaders(extract({}, options), options);
    expect(Object.keys(headers).sort()).toEqual(['x-b3-spanid', 'x-b3-traceid', 'x-request-id']);
  });

  it('writes only the request ID when there is no trace and startTrace is off', () => {
    const options = { startTrace: false };
    expect(outboundHeaders(extract({ 'x-request-id': 'a' }, options), options)).toEqual({
      'x-request-id': 'a',
    });
  });
});

describe('outboundHeaders: child mode', () => {
  const options = { mode: 'child' as const, forwardHeaders: ['x-client-trace-id'] };

  it('gives each call a new span whose parent is the current span, the same in every format', () => {
    const context = extract(envoyHeaders, options);
    const first = outboundHeaders(context, options);
    const second = outboundHeaders(context, options);
    for (const headers of [first, second]) {
      const single = parseB3Single(headers.b3 ?? '');
      const multi = parseB3Multi({
        traceId: headers['x-b3-traceid'],
        spanId: headers['x-b3-spanid'],
        parentSpanId: headers['x-b3-parentspanid'],
        sampled: headers['x-b3-sampled'],
        flags: headers['x-b3-flags'],
      });
      const traceparent = parseTraceparent(headers.traceparent ?? '');
      expect(single).toEqual({
        traceId: TRACE_128,
        spanId: multi?.spanId,
        parentSpanId: SPAN,
        sampling: 'accept',
      });
      expect(multi).toEqual(single);
      expect(traceparent).toEqual({
        version: '00',
        traceId: TRACE_128,
        parentId: single?.spanId,
        traceFlags: 1,
      });
      expect(single?.spanId).not.toBe(SPAN);
      expect(headers['x-request-id']).toBe('req-1');
      expect(headers['x-ot-span-context']).toBe(envoyHeaders['x-ot-span-context']);
      expect(headers['x-client-trace-id']).toBe('client-7');
    }
    expect(first.b3).not.toBe(second.b3);
  });

  it('pads a 64-bit B3 trace ID to 128 bits in traceparent only', () => {
    const headers = outboundHeaders(extract({ b3: `${TRACE_64}-${SPAN}-d` }, options), options);
    expect(headers['x-b3-traceid']).toBe(TRACE_64);
    expect(headers['x-b3-flags']).toBe('1');
    expect(headers['x-b3-sampled']).toBeUndefined();
    expect(headers.b3).toMatch(new RegExp(`^${TRACE_64}-[0-9a-f]{16}-d-${SPAN}$`));
    expect(headers.traceparent).toMatch(new RegExp(`^00-0{16}${TRACE_64}-[0-9a-f]{16}-01$`));
  });

  it('keeps tracestate with the traceparent it belongs to', () => {
    const headers = outboundHeaders(
      extract({ traceparent: TRACEPARENT, tracestate: 'congo=t61rcWkgMzE' }, options),
      options,
    );
    expect(headers.tracestate).toBe('congo=t61rcWkgMzE');
    expect(headers.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(headers['x-b3-parentspanid']).toBe('b7ad6b7169203331');
  });

  it('carries a deny decision in every format', () => {
    const headers = outboundHeaders(
      extract({ 'x-b3-traceid': TRACE_128, 'x-b3-spanid': SPAN, 'x-b3-sampled': '0' }, options),
      options,
    );
    expect(headers['x-b3-sampled']).toBe('0');
    expect(headers.b3).toMatch(/-0-e457b5a2e4d86bd1$/);
    expect(headers.traceparent).toMatch(/-00$/);
  });
});

describe('injectHeaders', () => {
  const context = extract(envoyHeaders);

  it('writes into fetch Headers, idempotently', () => {
    const headers = new Headers({ accept: 'application/json' });
    injectHeaders(context, headers);
    injectHeaders(context, headers);
    expect(headers.get('x-request-id')).toBe('req-1');
    expect(headers.get('x-b3-traceid')).toBe(TRACE_128);
    expect(headers.get('accept')).toBe('application/json');
  });

  it('lets the caller’s own headers win', () => {
    const headers = injectHeaders(context, { 'X-Request-ID': 'caller' });
    expect(headers).toMatchObject({ 'X-Request-ID': 'caller', 'x-b3-spanid': SPAN });
    expect(
      Object.keys(headers).filter((name) => name.toLowerCase() === 'x-request-id'),
    ).toHaveLength(1);
  });

  it('adds no trace header to a carrier that already states a trace', () => {
    const headers = injectHeaders(context, { traceparent: TRACEPARENT });
    expect(headers).toEqual({
      traceparent: TRACEPARENT,
      'x-request-id': 'req-1',
      'x-ot-span-context': envoyHeaders['x-ot-span-context'],
    });
  });

  it('replaces a stale identity (the current span copied from the request) whole', () => {
    const options = { mode: 'child' as const };
    const child = extract(envoyHeaders, options);
    // A handler that copied the incoming headers onto its call, as hand-written forwarding does.
    const copied: Record<string, string> = { ...envoyHeaders, 'x-b3-parentspanid': PARENT };
    const headers = injectHeaders(child, copied, options);
    const b3 = parseB3Multi({
      traceId: headers['x-b3-traceid'],
      spanId: headers['x-b3-spanid'],
      parentSpanId: headers['x-b3-parentspanid'],
    });
    expect(b3).toMatchObject({ traceId: TRACE_128, parentSpanId: SPAN });
    expect(b3?.spanId).not.toBe(SPAN);
    expect(parseTraceparent(String(headers.traceparent))?.parentId).toBe(b3?.spanId);
  });

  it('replaces an identity that does not parse, and a tracestate with no traceparent', () => {
    const stale: Record<string, string> = { traceparent: 'garbage', tracestate: 'a=b' };
    const headers = injectHeaders(context, stale);
    expect(headers.traceparent).toBeUndefined();
    expect(headers.tracestate).toBeUndefined();
    expect(headers['x-b3-spanid']).toBe(SPAN);
  });

  it('keeps a child span the caller (or an earlier hoptrace client) already wrote', () => {
    const options = { mode: 'child' as const };
    const child = extract(envoyHeaders, options);
    const first = injectHeaders(child, new Headers(), options);
    const written = Object.fromEntries(first);
    injectHeaders(child, first, options);
    expect(Object.fromEntries(first)).toEqual(written);
  });

  it('keeps a bare sampling decision the caller stated', () => {
    const headers = injectHeaders(context, { b3: '0' } as Record<string, string>);
    expect(headers).toMatchObject({ b3: '0', 'x-request-id': 'req-1' });
    expect(headers['x-b3-traceid']).toBeUndefined();
  });

  it("with callerHeaders: 'replace', writes over every header the caller set", () => {
    const headers = injectHeaders(
      context,
      { 'X-Request-ID': 'caller', traceparent: TRACEPARENT },
      {},
      { callerHeaders: 'replace' },
    );
    expect(headers).toMatchObject({ 'x-request-id': 'req-1', 'x-b3-traceid': TRACE_128 });
    expect(headers['X-Request-ID']).toBeUndefined();
    expect(headers.traceparent).toBeUndefined();
  });

  it('removes stale identity headers from a ClientRequest', () => {
    const request = new ClientRequest({
      host: '127.0.0.1',
      port: 9,
      headers: { 'x-b3-traceid': TRACE_128, 'x-b3-spanid': SPAN, 'x-b3-parentspanid': 'ff' },
      createConnection: () => undefined as never,
    });
    request.on('error', () => {});
    injectHeaders(context, request);
    expect(request.getHeader('x-b3-parentspanid')).toBe(PARENT);
    request.destroy();
  });

  it('never duplicates a header in a raw array, even in child mode called twice', () => {
    const raw = ['accept', '*/*'];
    const options = { mode: 'child' as const };
    const child = extract(envoyHeaders, options);
    injectHeaders(child, raw, options);
    injectHeaders(child, raw, options);
    const names = raw.filter((_value, index) => index % 2 === 0).map((name) => name.toLowerCase());
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('traceparent');
  });

  it('tolerates raw arrays holding bytes or stray values', () => {
    const raw = [Buffer.from('accept'), Buffer.from('x'), ['a', 'b']] as unknown as string[];
    expect(() => injectHeaders(context, raw)).not.toThrow();
    expect(raw).toContain('x-request-id');
  });

  it('leaves a request whose headers were sent alone instead of throwing', () => {
    const sent = {
      headersSent: true,
      getHeader: () => undefined,
      setHeader: () => {
        throw new Error('ERR_HTTP_HEADERS_SENT');
      },
    };
    expect(() => injectHeaders(context, sent)).not.toThrow();
  });

  it('writes into a node:http ClientRequest before it is sent', () => {
    const request = new ClientRequest({
      host: '127.0.0.1',
      port: 9,
      createConnection: () => undefined as never,
    });
    request.on('error', () => {});
    injectHeaders(context, request);
    expect(request.getHeader('x-request-id')).toBe('req-1');
    expect(request.getHeader('x-b3-sampled')).toBe('1');
    request.destroy();
  });
});

describe('outboundHeaders: outboundRequestId per-call', () => {
  const perCall = { outboundRequestId: 'per-call' } as const;

  it('gives every call a fresh request ID and the chain ID as correlation ID', () => {
    const context = extract({ 'x-request-id': 'req-1', b3: `${TRACE_128}-${SPAN}-1` }, perCall);
    const ids = new Set<string>();
    for (let call = 0; call < 50; call++) {
      const headers = outboundHeaders(context, perCall);
      expect(headers['x-correlation-id']).toBe('req-1');
      expect(headers.b3).toBe(`${TRACE_128}-${SPAN}-1`);
      ids.add(headers['x-request-id'] as string);
    }
    expect(ids.size).toBe(50);
    expect(ids.has('req-1')).toBe(false);
  });

  it('passes on an incoming correlation ID rather than its own request ID, once', () => {
    const context = extract({ 'x-request-id': 'hop-1', 'x-correlation-id': 'chain-1' }, perCall);
    const headers = injectHeaders(context, [] as string[], perCall);
    expect(headers.filter((name) => name === 'x-correlation-id')).toHaveLength(1);
    expect(headers[headers.indexOf('x-correlation-id') + 1]).toBe('chain-1');
  });

  it('uses the configured generator and header names', () => {
    let counter = 0;
    const options = {
      ...perCall,
      requestIdHeader: 'x-req',
      correlationIdHeader: 'x-chain',
      generateRequestId: () => `call-${++counter}`,
    };
    const context = extract({ 'x-req': 'req-1' }, options);
    const first = outboundHeaders(context, options);
    const second = outboundHeaders(context, options);
    expect(first['x-chain']).toBe('req-1');
    expect(first['x-req']).not.toBe(second['x-req']);
    expect(second['x-req']).toMatch(/^call-\d+$/);
  });

  it("keeps a caller's own request ID, but replaces a copy of the current one", () => {
    const context = extract({ 'x-request-id': 'req-1' }, perCall);
    const own: Record<string, string> = injectHeaders(
      context,
      { 'x-request-id': 'mine' } as Record<string, string>,
      perCall,
    );
    expect(own['x-request-id']).toBe('mine');
    expect(own['x-correlation-id']).toBe('req-1');
    const copied = injectHeaders(context, new Headers({ 'x-request-id': 'req-1' }), perCall);
    expect(copied.get('x-request-id')).not.toBe('req-1');
    expect(copied.get('x-correlation-id')).toBe('req-1');
  });

  it('leaves forward mode as it was: the request ID, no correlation header', () => {
    const context = extract({ 'x-request-id': 'req-1' });
    expect(outboundHeaders(context)).toEqual({
      'x-request-id': 'req-1',
      ...outboundHeaders(context),
    });
    expect(outboundHeaders(context)['x-request-id']).toBe('req-1');
    expect(outboundHeaders(context)).not.toHaveProperty('x-correlation-id');
    expect(injectHeaders(context, { 'x-request-id': 'req-1' })['x-request-id']).toBe('req-1');
  });
});

describe('injectHeaders without options, inside a request', () => {
  const incoming = {
    'x-trace-id': 'server-side-id',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  };

  it('follows the options of the server that opened the request (one configuration)', () => {
    const server = createHoptrace({ mode: 'child', requestIdHeader: 'x-trace-id' });
    const slot = openExtraction(incoming, server.options, undefined);
    const headers = contextStorage().run(slot, () =>
      injectHeaders(slot.context, {} as Record<string, string>),
    );
    expect(headers['x-trace-id']).toBe('server-side-id');
    expect(headers['x-request-id']).toBeUndefined();
    // Child mode: a new parent-id for the call, in the same trace.
    expect(headers.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(headers.traceparent).not.toContain('00f067aa0ba902b7');
    const record = contextStorage().run(slot, () => outboundHeaders(slot.context));
    expect(record['x-trace-id']).toBe('server-side-id');
  });

  it('uses the options it is given over the server’s, and the defaults outside a request', () => {
    const server = createHoptrace({ mode: 'child', requestIdHeader: 'x-trace-id' });
    const slot = openExtraction(incoming, server.options, undefined);
    const given = contextStorage().run(slot, () =>
      injectHeaders(slot.context, {} as Record<string, string>, { requestIdHeader: 'x-other-id' }),
    );
    expect(given['x-other-id']).toBe(slot.context.requestId);
    const outside = injectHeaders(slot.context, {} as Record<string, string>);
    expect(outside['x-request-id']).toBe('server-side-id');
    expect(outside.traceparent).toBe(incoming.traceparent);
    const byHand = runWithContext(slot.context, () =>
      injectHeaders(slot.context, {} as Record<string, string>),
    );
    expect(byHand.traceparent).toBe(incoming.traceparent);
  });
});
