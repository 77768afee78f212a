import { createServer, type Server } from 'node:http';
import { setImmediate as turn } from 'node:timers/promises';
import {
  close,
  disconnectBeforeAnswer,
  firstRequestFields,
  listen,
  send,
  sendOnOneSocket,
  sendRaw,
  TRACEPARENT,
  waitForRecords,
} from '@hoptrace/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { Observation, ServerObservation } from '../diagnostics/observation.js';
import { createHoptrace } from '../engine/create-hoptrace.js';
import type { HoptraceOptions } from '../engine/options.js';
import { hoptraceHandler, type RequestListener } from './handler.js';
import { openServerRequest, runServerRequest } from './server-request.js';

let server: Server | undefined;

afterEach(async () => {
  if (server !== undefined) await close(server);
  server = undefined;
});

async function start(listener: RequestListener, options: HoptraceOptions): Promise<number> {
  server = createServer(hoptraceHandler(listener, options));
  return listen(server);
}

const answer: RequestListener = (request, response) => {
  response.setHeader('content-type', 'text/plain');
  response.end(`answer ${request.url}`);
};

describe('server observations (hoptraceHandler)', () => {
  it('records one pair per request with the context, socket and timing fields', async () => {
    const records: Observation[] = [];
    const port = await start(answer, {
      observe: { observer: (record) => records.push(record), service: 'orders-1' },
    });
    const before = Date.now();
    const response = await send(port, {
      path: '/orders/7?expand=1',
      headers: { 'x-request-id': 'obs-1', traceparent: TRACEPARENT },
    });
    await waitForRecords(records, 1);
    expect(response.status).toBe(200);
    expect(records).toHaveLength(1);
    const record = records[0] as ServerObservation;
    expect(record).toMatchObject({
      hoptrace: 'server',
      service: 'orders-1',
      requestId: 'obs-1',
      route: '/orders/7',
      ...firstRequestFields(port),
    });
    expect(record.remote?.port).toBeGreaterThan(0);
    expect(record.start).toBeGreaterThanOrEqual(before);
    expect(record.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('marks the second and third request of one keep-alive socket as reused', async () => {
    const records: ServerObservation[] = [];
    const port = await start(answer, { observe: (record) => records.push(record as never) });
    await sendOnOneSocket(port, '/', ['ka-1', 'ka-2', 'ka-3']);
    await waitForRecords(records, 3);
    expect(records.map((record) => [record.requestId, record.reusedSocket])).toEqual([
      ['ka-1', false],
      ['ka-2', true],
      ['ka-3', true],
    ]);
    expect(new Set(records.map((record) => record.remote?.port)).size).toBe(1);
  });

  it('echoes the ID of an HTTP/1.0 request and records httpVersion 1.0', async () => {
    const records: ServerObservation[] = [];
    const port = await start(answer, { observe: (record) => records.push(record as never) });
    const response = await sendRaw(port, 'GET /old HTTP/1.0\r\nx-request-id: v10-1\r\n\r\n');
    await waitForRecords(records, 1);
    expect(response.headers.get('x-request-id')).toEqual(['v10-1']);
    expect(records).toMatchObject([{ requestId: 'v10-1', httpVersion: '1.0', status: 200 }]);
  });

  it('gives status 0 when the client goes away before the answer', async () => {
    const records: ServerObservation[] = [];
    let arrived: () => void = () => {};
    const arrival = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    // Never answers: the only way this pair ends is the client closing the connection.
    const port = await start(() => arrived(), {
      observe: (record) => records.push(record as never),
    });
    await disconnectBeforeAnswer(port, '/slow', 'gone-1', arrival);
    await waitForRecords(records, 1);
    expect(records).toMatchObject([{ requestId: 'gone-1', route: '/slow', status: 0 }]);
  });

  it('leaves every response as it is when the observer throws, and counts the failures', async () => {
    const run = async (options: HoptraceOptions): Promise<unknown[]> => {
      const port = await start(answer, options);
      const seen: unknown[] = [];
      for (let index = 0; index < 5; index++) {
        const response = await send(port, {
          path: `/p/${index}`,
          headers: { 'x-request-id': `same-${index}` },
        });
        seen.push([response.status, response.headers['x-request-id'], response.body]);
      }
      if (server !== undefined) await close(server);
      server = undefined;
      return seen;
    };
    const calls: unknown[] = [];
    const throwing = (): void => {
      calls.push(1);
      throw new Error('observer down');
    };
    expect(await run({ observe: throwing })).toEqual(await run({}));
    await waitForRecords(calls, 5);
    expect(calls).toHaveLength(5);
  });

  it('counts an observer that throws in stats.failed', async () => {
    const hoptrace = createHoptrace({
      observe: () => {
        throw new Error('observer down');
      },
    });
    server = createServer((request, response) => {
      const exchange = { request, response };
      runServerRequest(openServerRequest(hoptrace, exchange), exchange, () => response.end('ok'));
    });
    const port = await listen(server);
    await send(port);
    await send(port);
    const stats = hoptrace.options.observe?.stats;
    for (let turns = 0; turns < 200 && (stats?.failed ?? 0) < 2; turns++) await turn();
    expect(stats).toEqual({ delivered: 0, failed: 2, slow: 0 });
  });

  it('adds its finish and close listeners only when observe is set', async () => {
    const countListeners = async (options: HoptraceOptions): Promise<number> => {
      let listeners = -1;
      const port = await start((_request, response) => {
        listeners = response.listenerCount('finish') + response.listenerCount('close');
        response.end();
      }, options);
      await send(port);
      if (server !== undefined) await close(server);
      server = undefined;
      return listeners;
    };
    const off = await countListeners({});
    expect(await countListeners({ observe: () => {} })).toBe(off + 2);
  });
});
