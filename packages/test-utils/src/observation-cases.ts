import { Agent, type Server } from 'node:http';
import { connect } from 'node:net';
import { setImmediate as turn } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import { close, listen, send } from './http-client.js';
import { sendRaw } from './raw-request.js';

/** A sampled W3C `traceparent` the observation cases send; its IDs are in {@link firstRequestFields}. */
export const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/**
 * The fields a server record must carry for a `GET` answered with 200, sent with
 * {@link TRACEPARENT} as the first request on a fresh HTTP/1.1 loopback socket to `port`.
 */
export function firstRequestFields(port: number): Record<string, unknown> {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    method: 'GET',
    status: 200,
    local: { address: '127.0.0.1', port },
    remote: { address: '127.0.0.1' },
    httpVersion: '1.1',
    reusedSocket: false,
  };
}

/** The fields of a server observation record that the shared cases read. */
export interface ObservedRecord {
  requestId?: string;
  reusedSocket?: boolean;
  durationMs?: number;
}

/** The `observe` option the shared cases hand to an adapter: a bare observer or one with a service name. */
export type ObserveOption =
  | ((record: ObservedRecord) => void)
  | { observer: (record: ObservedRecord) => void; service: string };

/** The part of an adapter's options the shared cases set: `observe`, or nothing at all. */
export interface ObservedOptions {
  observe?: ObserveOption;
}

/**
 * How the shared observation cases drive one adapter's app.
 *
 * The app `start` builds must answer `GET /orders/:id` with status 200 and report the route as
 * `/orders/:id`, answer unknown paths such as `/missing` with 404, and on `GET /hang` call
 * `arrived` and never answer; with `nestedRoute` it also answers `GET /api/items/:id` from a
 * router mounted at `/api`, reported as `/api/items/:id`.
 */
export interface ObservedApp {
  /** The service name the records must carry. */
  service: string;
  /** Whether the app has the nested `/api/items/:id` route. */
  nestedRoute: boolean;
  /** Starts the app with the adapter given `options`, listening at a port the OS picks. */
  start(options: ObservedOptions, arrived: () => void): Promise<StartedApp>;
}

/** An app {@link ObservedApp.start} started: the port it listens on, and how to close it. */
export interface StartedApp {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts `server` on 127.0.0.1 at a port the OS picks: the {@link StartedApp} of an app served by
 * a plain `node:http` server.
 *
 * @example
 * ```ts
 * start: async (options) => listening(createServer(appWith(options))),
 * ```
 */
export async function listening(server: Server): Promise<StartedApp> {
  return { port: await listen(server), close: () => close(server) };
}

/**
 * Records are handed over on a later turn: waits, a bounded number of turns, until `records`
 * holds `count` entries, then two turns more so that any extra record would show.
 */
export async function waitForRecords(records: readonly unknown[], count: number): Promise<void> {
  for (let turns = 0; turns < 200 && records.length < count; turns++) await turn();
  await turn();
  await turn();
}

/**
 * Sends `GET path` with `requestId` over a raw socket, waits for `arrival` (the handler has the
 * request) and destroys the socket before any answer.
 */
export async function disconnectBeforeAnswer(
  port: number,
  path: string,
  requestId: string,
  arrival: Promise<void>,
): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\nx-request-id: ${requestId}\r\n\r\n`);
  await arrival;
  socket.destroy();
}

/**
 * Sends `GET path` once for each of `requestIds`, in order, all over one keep-alive socket, then
 * destroys the agent.
 */
export async function sendOnOneSocket(
  port: number,
  path: string,
  requestIds: readonly string[],
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (const id of requestIds) {
      await send(port, { path, agent, headers: { 'x-request-id': id } });
    }
  } finally {
    agent.destroy();
  }
}

/**
 * Registers, in the enclosing `describe`, the observation cases every server adapter must pass:
 * the record fields and route patterns, keep-alive reuse, HTTP/1.0, status 0 on disconnect, and
 * unchanged responses when the observer throws. Stops the app after each case.
 */
export function describeObservationCases(app: ObservedApp): void {
  const { service, nestedRoute } = app;
  /** The app last started, until it is stopped. */
  let started: StartedApp | undefined;
  const start = async (options: ObservedOptions, arrived: () => void = () => {}) => {
    started = await app.start(options, arrived);
    return started.port;
  };
  const stop = async (): Promise<void> => {
    const last = started;
    started = undefined;
    await last?.close();
  };

  afterEach(stop);

  function collect(): [ObservedRecord[], ObservedOptions] {
    const records: ObservedRecord[] = [];
    const observer = (record: ObservedRecord) => records.push(record);
    return [records, { observe: { observer, service } }];
  }

  it('records each pair with its IDs, route pattern, status and socket', async () => {
    const [records, options] = collect();
    const port = await start(options);
    await send(port, {
      path: '/orders/7?x=1',
      headers: { 'x-request-id': 'ex-1', traceparent: TRACEPARENT },
    });
    if (nestedRoute) {
      await send(port, { path: '/api/items/3', headers: { 'x-request-id': 'ex-2' } });
    }
    await send(port, { path: '/missing?q=1', headers: { 'x-request-id': 'ex-3' } });
    const nested = nestedRoute ? [{ requestId: 'ex-2', route: '/api/items/:id', status: 200 }] : [];
    await waitForRecords(records, 2 + nested.length);
    expect(records).toMatchObject([
      {
        hoptrace: 'server',
        service,
        requestId: 'ex-1',
        route: '/orders/:id',
        ...firstRequestFields(port),
      },
      ...nested,
      { requestId: 'ex-3', route: '/missing', status: 404 },
    ]);
    for (const record of records) expect(record.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('marks requests 2 and 3 of one keep-alive socket as reused, each with its own ID', async () => {
    const [records, options] = collect();
    const port = await start(options);
    await sendOnOneSocket(port, '/orders/1', ['ka-1', 'ka-2', 'ka-3']);
    await waitForRecords(records, 3);
    expect(records.map((record) => [record.requestId, record.reusedSocket])).toEqual([
      ['ka-1', false],
      ['ka-2', true],
      ['ka-3', true],
    ]);
  });

  it('echoes the ID of an HTTP/1.0 request and records httpVersion 1.0', async () => {
    const [records, options] = collect();
    const port = await start(options);
    const response = await sendRaw(port, 'GET /orders/9 HTTP/1.0\r\nx-request-id: v10-1\r\n\r\n');
    await waitForRecords(records, 1);
    expect(response.headers.get('x-request-id')).toEqual(['v10-1']);
    expect(records).toMatchObject([{ requestId: 'v10-1', httpVersion: '1.0', status: 200 }]);
  });

  it('gives status 0 when the client goes away before the answer', async () => {
    const [records, options] = collect();
    let arrived: () => void = () => {};
    const arrival = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const port = await start(options, () => arrived());
    await disconnectBeforeAnswer(port, '/hang', 'gone-1', arrival);
    await waitForRecords(records, 1);
    expect(records).toMatchObject([{ requestId: 'gone-1', route: '/hang', status: 0 }]);
  });

  it('answers exactly as without observe when the observer throws on every record', async () => {
    const paths = nestedRoute
      ? ['/orders/1', '/api/items/2', '/missing']
      : ['/orders/1', '/missing'];
    const answers = async (options: ObservedOptions): Promise<unknown[]> => {
      const port = await start(options);
      const seen: unknown[] = [];
      for (const path of paths) {
        const response = await send(port, { path, headers: { 'x-request-id': `same${path}` } });
        seen.push([response.status, response.headers['x-request-id'], response.body]);
      }
      await stop();
      return seen;
    };
    const thrown: unknown[] = [];
    const observe = (): void => {
      thrown.push(1);
      throw new Error('observer down');
    };
    expect(await answers({ observe })).toEqual(await answers({}));
    await waitForRecords(thrown, paths.length);
    expect(thrown).toHaveLength(paths.length);
  });
}
