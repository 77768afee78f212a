import { OutgoingMessage } from 'node:http';
import type { ActiveSpan } from '@hoptrace/core/adapter';
import { describe, expect, it } from 'vitest';
import {
  keepActiveSpanIdentity,
  keepLastIdentity,
  keepLastIdentityOnUndiciRequest,
} from './one-identity.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SERVER_SPAN_ID = 'b7ad6b7169203331';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const OURS = `00-${TRACE_ID}-${SERVER_SPAN_ID}-01`;
const TRACERS = `00-${TRACE_ID}-${CLIENT_SPAN_ID}-01`;
const NAMES: ReadonlySet<string> = new Set(['x-request-id']);
/** The tracer's whole W3C identity, with the request ID and baggage: [name, value] pairs. */
const TRACERS_W3C = [
  ['x-request-id', 'req-1'],
  ['traceparent', TRACERS],
  ['tracestate', 'hop=1'],
  ['baggage', 'tenant=acme'],
] as const;

/** Every format naming the server span, as hoptrace writes it with the bridge, plus the rest. */
function hoptraceHeaders(): string[] {
  return [
    'x-request-id',
    'req-1',
    'baggage',
    'tenant=acme',
    'b3',
    `${TRACE_ID}-${SERVER_SPAN_ID}-1`,
    'x-b3-traceid',
    TRACE_ID,
    'x-b3-spanid',
    SERVER_SPAN_ID,
    'x-b3-sampled',
    '1',
    'traceparent',
    OURS,
    'tracestate',
    'hop=1',
  ];
}

/** A stand-in for undici's `Request`: `addHeader` appends to the flat list. */
class FakeRequest {
  readonly headers: string[];
  constructor(headers: string[]) {
    this.headers = headers;
  }
  addHeader(name: string, value: string): this {
    this.headers.push(name, value);
    return this;
  }
}

describe('keepLastIdentity', () => {
  it('keeps the identity appended last, whole, and the last copy of each single header', () => {
    const headers = [
      'accept',
      '*/*',
      ...hoptraceHeaders(),
      'traceparent',
      TRACERS,
      'tracestate',
      'hop=1',
      'baggage',
      'tenant=acme',
    ];
    keepLastIdentity(headers, NAMES);
    expect(headers).toEqual(['accept', '*/*', ...TRACERS_W3C.flat()]);
  });

  it('leaves one consistent identity, and repeated headers it does not own, as they are', () => {
    const headers = [...hoptraceHeaders(), 'accept', 'a', 'accept', 'b'];
    const before = [...headers];
    keepLastIdentity(headers, NAMES);
    expect(headers).toEqual(before);
  });

  it('keeps the last line of every name it is given (the request and correlation IDs)', () => {
    const headers = ['x-correlation-id', 'one', 'x-request-id', 'a', 'x-correlation-id', 'two'];
    keepLastIdentity(headers, new Set(['x-request-id', 'x-correlation-id']));
    expect(headers).toEqual(['x-request-id', 'a', 'x-correlation-id', 'two']);
  });
});

describe('keepLastIdentityOnUndiciRequest', () => {
  it('settles what was appended before it ran', () => {
    const request = new FakeRequest([...hoptraceHeaders(), 'traceparent', TRACERS]);
    keepLastIdentityOnUndiciRequest(request, NAMES);
    expect(request.headers.filter((_value, index) => index % 2 === 0)).toEqual([
      'x-request-id',
      'baggage',
      'traceparent',
    ]);
  });

  it('settles what a later subscriber appends, header by header (B3 multi)', () => {
    const request = new FakeRequest(hoptraceHeaders());
    keepLastIdentityOnUndiciRequest(request, NAMES);
    request.addHeader('x-b3-traceid', TRACE_ID);
    request.addHeader('x-b3-spanid', CLIENT_SPAN_ID);
    request.addHeader('x-b3-sampled', '1');
    expect(request.headers).toEqual([
      'x-request-id',
      'req-1',
      'baggage',
      'tenant=acme',
      'x-b3-traceid',
      TRACE_ID,
      'x-b3-spanid',
      CLIENT_SPAN_ID,
      'x-b3-sampled',
      '1',
    ]);
  });

  it('settles a later W3C append, with its request ID and baggage, once', () => {
    const request = new FakeRequest(hoptraceHeaders());
    keepLastIdentityOnUndiciRequest(request, NAMES);
    keepLastIdentityOnUndiciRequest(request, NAMES);
    for (const [name, value] of TRACERS_W3C) request.addHeader(name, value);
    expect(request.headers).toEqual(TRACERS_W3C.flat());
  });

  it('wraps addHeader on the request only, and appends other headers untouched', () => {
    const request = new FakeRequest(['accept', 'a']);
    keepLastIdentityOnUndiciRequest(request, NAMES);
    expect(Object.hasOwn(request, 'addHeader')).toBe(true);
    expect(FakeRequest.prototype.addHeader).not.toBe(request.addHeader);
    expect(request.addHeader('accept', 'b')).toBe(request);
    expect(request.headers).toEqual(['accept', 'a', 'accept', 'b']);
  });

  it('never throws, on anything', () => {
    const frozen = Object.freeze(new FakeRequest(['traceparent', OURS, 'traceparent', TRACERS]));
    for (const candidate of [undefined, null, 1, {}, { headers: 'a: b\r\n' }, frozen]) {
      expect(() => keepLastIdentityOnUndiciRequest(candidate, NAMES)).not.toThrow();
    }
    const throwing = {
      headers: [] as string[],
      addHeader(): never {
        throw new Error('refused');
      },
    };
    keepLastIdentityOnUndiciRequest(throwing, NAMES);
    // undici's own error still reaches its caller.
    expect(() => throwing.addHeader()).toThrow('refused');
  });
});

describe('keepActiveSpanIdentity', () => {
  const span: ActiveSpan = {
    traceId: TRACE_ID,
    spanId: CLIENT_SPAN_ID,
    sampled: true,
    tracestate: undefined,
  };

  function outgoing(headers: Record<string, string>): OutgoingMessage {
    const message = new OutgoingMessage();
    for (const [name, value] of Object.entries(headers)) message.setHeader(name, value);
    return message;
  }

  it('removes the formats naming another span when one names the active span', () => {
    const request = outgoing({
      'x-request-id': 'req-1',
      b3: `${TRACE_ID}-${SERVER_SPAN_ID}-1`,
      'x-b3-traceid': TRACE_ID,
      'x-b3-spanid': SERVER_SPAN_ID,
      'x-b3-sampled': '1',
      traceparent: TRACERS,
      tracestate: 'hop=1',
    });
    keepActiveSpanIdentity(request, span);
    expect(request.getHeaderNames().sort()).toEqual(['traceparent', 'tracestate', 'x-request-id']);
  });

  it('leaves a consistent identity, or one that does not name the span, alone', () => {
    const consistent = outgoing({ traceparent: TRACERS, b3: `${TRACE_ID}-${CLIENT_SPAN_ID}-1` });
    keepActiveSpanIdentity(consistent, span);
    expect(consistent.getHeaderNames().sort()).toEqual(['b3', 'traceparent']);
    const callers = outgoing({ traceparent: OURS, b3: `${TRACE_ID}-${SERVER_SPAN_ID}-1` });
    keepActiveSpanIdentity(callers, span);
    expect(callers.getHeaderNames().sort()).toEqual(['b3', 'traceparent']);
  });
});
