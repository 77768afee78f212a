import { describe, expect, it } from 'vitest';
import type { TrailCall, TrailHop } from './trail.js';
import { formatTrailText, trailBreaks } from './trail-text.js';

function hop(service: string, address: string, calls: TrailCall[] = []): TrailHop {
  return {
    service,
    host: 'web-1',
    pid: 7,
    address,
    peer: null,
    method: 'GET',
    route: `/${service}`,
    status: 200,
    durationMs: 12.5,
    requestId: 'req-1',
    requestIdArrived: true,
    traceId: '80f198ee56343ba864fe8b2a57d3eff7',
    traceIdArrived: true,
    spanId: 'e457b5a2e4d86bd1',
    parentSpanId: null,
    calls,
    omittedCalls: 0,
  };
}

function call(url: string, below: TrailHop | null, overrides: Partial<TrailCall> = {}): TrailCall {
  return {
    method: 'GET',
    url,
    remote: null,
    status: 200,
    failure: null,
    durationMs: 5,
    sent: { requestId: 'req-1', traceId: null, spanId: null },
    mark: below === null ? 'not-instrumented' : 'ok',
    reason: null,
    hop: below,
    ...overrides,
  };
}

const tree = hop('gateway', '127.0.0.1:8080', [
  call(
    'http://127.0.0.1:9000/orders',
    hop('orders', '127.0.0.1:9001', [
      call('http://127.0.0.1:9100/quote', null),
      call('http://127.0.0.1:9200/stock', null, {
        status: null,
        failure: 'UF',
        mark: 'failed',
      }),
      call('http://pricing.internal/price', hop('pricing', '10.0.0.5:8080'), {
        mark: 'trace-broken',
        reason: 'the request ID changed on the way',
      }),
    ]),
  ),
]);

describe('formatTrailText', () => {
  it('draws every hop and call, with marks and proxies', () => {
    const text = formatTrailText(tree);
    expect(text).toContain('● gateway (web-1 pid 7) GET /gateway → 200 in 13 ms');
    expect(text).toContain(
      'request id req-1 (arrived) · trace id 80f198ee56343ba864fe8b2a57d3eff7 (arrived)',
    );
    expect(text).toContain('through a proxy: sent to 127.0.0.1:9000, answered on 127.0.0.1:9001');
    expect(text).toContain('✗ NOT INSTRUMENTED');
    expect(text).toContain('UF (connection failure)');
    expect(text).toContain('✗ TRACE BROKEN HERE: the request ID changed on the way');
    expect(text).toContain('answered on 10.0.0.5:8080');
    // Each hop is indented under the call that reached it.
    const lines = text.split('\n');
    const orders = lines.findIndex((line) => line.includes('● orders'));
    const pricing = lines.findIndex((line) => line.includes('● pricing'));
    expect(lines[orders]?.indexOf('●')).toBeLessThan(lines[pricing]?.indexOf('●') ?? 0);
  });
});

describe('trailBreaks', () => {
  it('finds the calls where the trace cannot be followed, at any depth', () => {
    expect(trailBreaks(tree).map(({ call: broken }) => broken.url)).toEqual([
      'http://127.0.0.1:9100/quote',
      'http://pricing.internal/price',
    ]);
    expect(trailBreaks(hop('alone', '127.0.0.1:1'))).toEqual([]);
  });
});
