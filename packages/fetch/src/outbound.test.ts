import {
  extract,
  HoptraceOptionsError,
  parseRequestId,
  parseTraceparent,
  runWithContext,
} from '@hoptrace/core';
import { describe, expect, it } from 'vitest';
import { createOutbound, type OutboundOptions, parseUrl } from './outbound.js';

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
