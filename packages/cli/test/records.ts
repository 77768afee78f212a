// Hand-written observation records for the tests, as services would log them.

/** Epoch milliseconds the test records start from. */
export const T0 = 1_764_000_000_000;

type Fields = Record<string, unknown>;

/** A server record line (the schema's fields), with `overrides` applied. */
export function serverLine(overrides: Fields = {}): string {
  return JSON.stringify({
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
  });
}

/** A client record line, with `overrides` applied. */
export function clientLine(overrides: Fields = {}): string {
  return JSON.stringify({
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
  });
}

/** The same record as pino writes it: its own fields first, `msg` last. */
export function pinoLine(recordLine: string, time = T0): string {
  const record = JSON.parse(recordLine) as Fields;
  return JSON.stringify({
    level: 30,
    time,
    pid: 4242,
    hostname: 'box',
    ...record,
    msg: 'hoptrace',
  });
}

/** The lines as an async iterable, as `buildTopology` takes them. */
export async function* linesOf(lines: readonly string[]): AsyncGenerator<string> {
  for (const line of lines) yield line;
}
