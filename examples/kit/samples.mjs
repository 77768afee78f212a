// The requests `npm run demo` sends to the gateway, and examples/compose/check.sh to the compose
// topology: no headers, Envoy's x-request-id + B3 multi, B3 single with a 64-bit trace ID, W3C
// traceparent + tracestate, and a hostile x-request-id. `expect` says what must come out of every
// hop: the request ID (or `'fresh'`: a new one, never the one sent) and the trace ID (`'fresh'`:
// one started at the gateway).

/** @type {{ title: string, headers: Record<string, string>, expect: { requestId: string, traceId: string } }[]} */
export const samples = [
  {
    title: 'no headers: the gateway, the edge, starts the request ID and the trace',
    headers: {},
    expect: { requestId: 'fresh', traceId: 'fresh' },
  },
  {
    title: 'Envoy: x-request-id + B3 multi',
    headers: {
      'x-request-id': '9c3e2bd6-7f2a-4d4c-8b1e-3f5a6c7d8e9f',
      'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
      'x-b3-spanid': 'e457b5a2e4d86bd1',
      'x-b3-parentspanid': '05e3ac9a4f6e3b90',
      'x-b3-sampled': '1',
    },
    expect: {
      requestId: '9c3e2bd6-7f2a-4d4c-8b1e-3f5a6c7d8e9f',
      traceId: '80f198ee56343ba864fe8b2a57d3eff7',
    },
  },
  {
    title: 'B3 single, 64-bit trace ID, sampled',
    headers: { b3: '463ac35c9f6413ad-a2fb4a1d1a96d312-1' },
    // hoptrace keeps a 64-bit B3 trace ID at its width.
    expect: { requestId: 'fresh', traceId: '463ac35c9f6413ad' },
  },
  {
    title: 'W3C traceparent + tracestate',
    headers: {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
    },
    expect: { requestId: 'fresh', traceId: '0af7651916cd43dd8448eb211c80319c' },
  },
  {
    title: 'hostile x-request-id: markup and an encoded CRLF (a raw one cannot even be sent)',
    headers: { 'x-request-id': '<script>alert(1)</script>%0d%0a{"msg":"forged"}' },
    expect: { requestId: 'fresh', traceId: 'fresh' },
  },
];
