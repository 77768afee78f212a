import { afterEach, describe, expect, it } from 'vitest';
import { type ActiveSpan, activeSpan, checkedSpan, setActiveSpanSource } from './active-span.js';
import { extract } from './extract.js';
import { outboundHeaders } from './inject.js';

const INCOMING = {
  'x-request-id': 'req-1',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};
const SPAN: ActiveSpan = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: '00f067aa0ba902b7',
  sampled: true,
  tracestate: undefined,
};

afterEach(() => setActiveSpanSource(undefined));

describe('active span source', () => {
  it('is none by default: outbound headers are the request’s own', () => {
    expect(activeSpan()).toBeUndefined();
    expect(outboundHeaders(extract(INCOMING))).toEqual(INCOMING);
  });

  it('is one holder for the whole process, on globalThis under a registered symbol', () => {
    const holder = (globalThis as Record<symbol, { current: unknown }>)[
      Symbol.for('hoptrace.active-span-source.v1')
    ];
    const source = () => SPAN;
    setActiveSpanSource(source);
    expect(holder?.current).toBe(source);
  });

  it('replaces the identity with the span, no parent, and keeps the request ID', () => {
    setActiveSpanSource(() => SPAN);
    expect(outboundHeaders(extract(INCOMING), { formats: ['b3-multi', 'traceparent'] })).toEqual({
      'x-request-id': 'req-1',
      'x-b3-traceid': SPAN.traceId,
      'x-b3-spanid': SPAN.spanId,
      'x-b3-sampled': '1',
      traceparent: `00-${SPAN.traceId}-${SPAN.spanId}-01`,
    });
  });

  it('ignores a source that throws, or reports IDs that are not valid', () => {
    const expected = outboundHeaders(extract(INCOMING));
    const bad: (() => ActiveSpan | undefined)[] = [
      () => {
        throw new Error('tracer broke');
      },
      () => ({ ...SPAN, traceId: SPAN.traceId.toUpperCase() }),
      () => ({ ...SPAN, spanId: '0000000000000000' }),
      () => ({ ...SPAN, traceId: 'e457b5a2e4d86bd1' }),
      () => null as unknown as undefined,
      () => undefined,
    ];
    for (const source of bad) {
      setActiveSpanSource(source);
      expect(outboundHeaders(extract(INCOMING))).toEqual(expected);
    }
  });

  it('drops an invalid tracestate, and never writes it', () => {
    const hostile = ['a=1\r\nx-injected: 1', 'UPPER=1', `a=${'x'.repeat(9000)}`, ''];
    for (const tracestate of hostile) {
      expect(checkedSpan({ ...SPAN, tracestate })?.tracestate).toBeUndefined();
      setActiveSpanSource(() => ({ ...SPAN, tracestate }));
      expect(outboundHeaders(extract(INCOMING)).tracestate).toBeUndefined();
    }
    expect(checkedSpan({ ...SPAN, tracestate: 'rojo=1,congo=2' })?.tracestate).toBe(
      'rojo=1,congo=2',
    );
  });
});
