// Observation records as services would log them, as objects: the tests write them as lines
// (records.ts) and so does the benchmark. Plain JavaScript (typed by observation-records.d.mts),
// since the benchmark runs in plain Node.

/** Epoch milliseconds the records start from. */
export const T0 = 1_764_000_000_000;

/** A server record (the schema's fields), with `overrides` applied. */
export function serverRecord(overrides = {}) {
  return {
    hoptrace: 'server',
    service: 'orders-1',
    requestId: 'r-1',
    method: 'GET',
    route: '/orders',
    status: 200,
    local: { address: '127.0.0.1', port: 8081 },
    remote: { address: '127.0.0.1', port: 53412 },
    httpVersion: '1.1',
    reusedSocket: false,
    start: T0 + 1,
    durationMs: 3.2,
    ...overrides,
  };
}

/** A client record, with `overrides` applied. */
export function clientRecord(overrides = {}) {
  return {
    hoptrace: 'client',
    service: 'gateway',
    requestId: 'r-1',
    echoedRequestId: 'r-1',
    matched: true,
    target: { host: 'orders', port: 8081 },
    remote: { address: '127.0.0.1', port: 8081 },
    status: 200,
    failure: null,
    start: T0,
    durationMs: 5.1,
    ...overrides,
  };
}
