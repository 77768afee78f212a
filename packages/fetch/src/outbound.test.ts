import {
  extract,
  HoptraceOptionsError,
  parseRequestId,
  parseTraceparent,
  runWithContext,
} from '@hoptrace/core';
import { ContextSlot, contextStorage, createHoptrace } from '@hoptrace/core/adapter';
import { describe, expect, it } from 'vitest';
import { createOutbound, type OutboundOptions, parseUrl, singleValuedHeaders } from './outbound.js';

const incoming = {
  'x-request-id': 'req-1',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};
const url = () => new URL('http://orders.svc.cluster.local/');

describe('createOutbound', () => {
  it('gives the current context inside a request, and nothing outside one', () => {
    const outbound = createOutbound();
    const context = extract(incoming);
    expect(runWithContext(context, () => outbound.contextFor(url))).toBe(context);
    expect(outbound.contextFor(url)).toBeUndefined();
  });

  it("starts a new trace per call outside a request with outsideContext: 'new-trace'", () => {
    const outbound = createOutbound({ outsideContext: 'new-trace' });
    const first = outbound.contextFor(url);
    const second = outbound.contextFor(url);
    expect(first?.requestIdSource).toBe('generated');
    expect(parseRequestId(first?.requestId ?? '')).toBeDefined();
    expect(first?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(second?.traceId).not.toBe(first?.traceId);
  });

  it('asks for the URL only when propagateTo is set, and excludes what it refuses', () => {
    let asked = 0;
    const counting = () => {
      asked++;
      return url();
    };
    runWithContext(extract(incoming), () => {
      expect(createOutbound().contextFor(counting)).toBeDefined();
      expect(asked).toBe(0);
      const restricted = createOutbound({ propagateTo: '*.svc.cluster.local' });
      expect(restricted.contextFor(counting)).toBeDefined();
      expect(restricted.contextFor(() => new URL('https://api.stripe.com/'))).toBeUndefined();
      expect(restricted.contextFor(() => undefined)).toBeUndefined();
    });
    expect(asked).toBe(1);
  });

  it('injects with the caller’s headers winning by default, and over them with replace', () => {
    const context = extract(incoming);
    expect(createOutbound().inject(context, { 'x-request-id': 'mine' })['x-request-id']).toBe(
      'mine',
    );
    const replacing = createOutbound({ callerHeaders: 'replace' });
    expect(replacing.inject(context, { 'x-request-id': 'mine' })['x-request-id']).toBe('req-1');
  });

  it('writes a child span per call in child mode', () => {
    const outbound = createOutbound({ mode: 'child' });
    const context = extract(incoming, { mode: 'child' });
    const first = parseTraceparent(
      outbound.inject(context, {} as Record<string, string>).traceparent ?? '',
    );
    const second = parseTraceparent(
      outbound.inject(context, {} as Record<string, string>).traceparent ?? '',
    );
    expect(first?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(first?.parentId).not.toBe(second?.parentId);
  });

  it.each<[string, OutboundOptions]>([
    ['outsideContext', { outsideContext: 'always' as 'skip' }],
    ['callerHeaders', { callerHeaders: 'merge' as 'keep' }],
    ['propagateTo', { propagateTo: [''] }],
    ['mode', { mode: 'sideways' as 'child' }],
  ])('throws HoptraceOptionsError naming %s', (option, options) => {
    expect(() => createOutbound(options)).toThrow(HoptraceOptionsError);
    expect(() => createOutbound(options)).toThrow(`"${option}"`);
  });
});

describe('parseUrl', () => {
  it('parses absolute URLs and returns undefined for what fetch would refuse', () => {
    expect(parseUrl('http://a.test/x')?.hostname).toBe('a.test');
    const given = new URL('http://b.test/');
    expect(parseUrl(given)).toBe(given);
    expect(parseUrl('/relative')).toBeUndefined();
  });
});

describe('singleValuedHeaders', () => {
  it('lists the request ID, the per-call correlation ID and the exact forwardHeaders', () => {
    expect(singleValuedHeaders(createHoptrace().options)).toEqual(new Set(['x-request-id']));
    expect(
      singleValuedHeaders(
        createHoptrace({
          requestIdHeader: 'X-Correlation-Token',
          outboundRequestId: 'per-call',
          forwardHeaders: ['x-tenant', 'l5d-ctx-*'],
        }).options,
      ),
    ).toEqual(new Set(['x-correlation-token', 'x-correlation-id', 'x-tenant']));
  });
});

describe('one configuration: inside a request, the server adapter’s options govern', () => {
  const headers = {
    'x-trace-id': 'server-side',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  };
  const server = createHoptrace({ mode: 'child', requestIdHeader: 'x-trace-id' });
  const inRequest = <Result>(callback: () => Result): Result => {
    const context = server.extract(headers);
    const slot = new ContextSlot(context.requestId, { finish: () => context }, server.options);
    return contextStorage().run(slot, callback);
  };

  it('a client left at its defaults follows the server: mode and header names', () => {
    const outbound = createOutbound();
    const written = inRequest(() => {
      const context = outbound.contextFor(() => undefined);
      return context === undefined
        ? undefined
        : outbound.inject(context, {} as Record<string, string>);
    });
    expect(written?.['x-trace-id']).toBe('server-side');
    expect(written?.['x-request-id']).toBeUndefined();
    expect(written?.traceparent).not.toBe(headers.traceparent);
    expect(inRequest(() => outbound.current().hoptrace.options)).toBe(server.options);
  });

  it('an option the client names wins over the server’s; the rest still follow the server', () => {
    const outbound = createOutbound({ mode: 'forward' });
    const written = inRequest(() => {
      const context = outbound.contextFor(() => undefined);
      return context === undefined
        ? undefined
        : outbound.inject(context, {} as Record<string, string>);
    });
    expect(written?.traceparent).toBe(headers.traceparent);
    expect(written?.['x-trace-id']).toBe('server-side');
  });

  it('outside a request, and in a context put in place by hand, the client’s own options', () => {
    const outbound = createOutbound({ outsideContext: 'new-trace' });
    expect(outbound.current()).toBe(outbound.current());
    expect(outbound.current().hoptrace).toBe(outbound.hoptrace);
    const context = extract(headers, { requestIdHeader: 'x-trace-id' });
    const byHand = runWithContext(context, () =>
      outbound.inject(context, {} as Record<string, string>),
    );
    expect(byHand['x-request-id']).toBe('server-side');
  });

  it('a combination that does not validate falls back to the client’s own options', () => {
    const perCall = createHoptrace({
      outboundRequestId: 'per-call',
      correlationIdHeader: 'x-chain',
    });
    const outbound = createOutbound({ requestIdHeader: 'x-chain' });
    const context = perCall.extract({});
    const slot = new ContextSlot(context.requestId, { finish: () => context }, perCall.options);
    const engine = contextStorage().run(slot, () => outbound.current());
    expect(engine.hoptrace).toBe(outbound.hoptrace);
  });
});
