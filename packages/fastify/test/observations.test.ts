import { Agent } from 'node:http';
import { connect } from 'node:net';
import { setImmediate as turn } from 'node:timers/promises';
import type { HoptraceOptions, Observation, ServerObservation } from '@hoptrace/core';
import { send, sendRaw } from '@hoptrace/test-utils';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { hoptrace, hoptraceServerOptions } from '../src/index.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** Records are handed over on a later turn: wait, a bounded number of turns, for `count`. */
async function settle(records: readonly unknown[], count: number): Promise<void> {
  for (let turns = 0; turns < 200 && records.length < count; turns++) await turn();
  await turn();
  await turn();
}

describe.each(FASTIFY_VERSIONS)('%s: observations', (_name, factory) => {
  let server: FastifyInstance | undefined;
  let arrived: () => void = () => {};

  afterEach(async () => {
    if (server !== undefined) await server.close();
    server = undefined;
  });

  async function start(options: HoptraceOptions): Promise<number> {
    const app = factory({ ...hoptraceServerOptions(options), forceCloseConnections: true });
    await app.register(hoptrace, options);
    app.get<{ Params: { id: string } }>('/orders/:id', async (request) => ({
      id: request.params.id,
    }));
    app.register(
      async (api) => {
        api.get('/items/:id', async () => 'item');
      },
      { prefix: '/api' },
    );
    app.get('/hang', () => {
      arrived();
      return new Promise(() => {});
    });
    server = app;
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  function collect(): [ServerObservation[], HoptraceOptions] {
    const records: ServerObservation[] = [];
    const observer = (record: Observation) => records.push(record as ServerObservation);
    return [records, { observe: { observer, service: 'fastify-app' } }];
  }

  it('records each pair with its IDs, route pattern, status and socket', async () => {
    const [records, options] = collect();
    const port = await start(options);
    await send(port, {
      path: '/orders/7?x=1',
      headers: { 'x-request-id': 'ex-1', traceparent: TRACEPARENT },
    });
    await send(port, { path: '/api/items/3', headers: { 'x-request-id': 'ex-2' } });
    await send(port, { path: '/missing?q=1', headers: { 'x-request-id': 'ex-3' } });
    await settle(records, 3);
    expect(records).toMatchObject([
      {
        hoptrace: 'server',
        service: 'fastify-app',
        requestId: 'ex-1',
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        method: 'GET',
        route: '/orders/:id',
        status: 200,
        local: { address: '127.0.0.1', port },
        remote: { address: '127.0.0.1' },
        httpVersion: '1.1',
        reusedSocket: false,
      },
      { requestId: 'ex-2', route: '/api/items/:id', status: 200 },
      { requestId: 'ex-3', route: '/missing', status: 404 },
    ]);
    for (const record of records) expect(record.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('marks requests 2 and 3 of one keep-alive socket as reused, each with its own ID', async () => {
    const [records, options] = collect();
    const port = await start(options);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const id of ['ka-1', 'ka-2', 'ka-3']) {
        await send(port, { path: '/orders/1', agent, headers: { 'x-request-id': id } });
      }
    } finally {
      agent.destroy();
    }
    await settle(records, 3);
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
    await settle(records, 1);
    expect(response.headers.get('x-request-id')).toEqual(['v10-1']);
    expect(records).toMatchObject([{ requestId: 'v10-1', httpVersion: '1.0', status: 200 }]);
  });

  it('gives status 0 when the client goes away before the answer', async () => {
    const [records, options] = collect();
    const arrival = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const port = await start(options);
    const socket = connect(port, '127.0.0.1');
    socket.write('GET /hang HTTP/1.1\r\nhost: x\r\nx-request-id: gone-1\r\n\r\n');
    await arrival;
    socket.destroy();
    await settle(records, 1);
    expect(records).toMatchObject([{ requestId: 'gone-1', route: '/hang', status: 0 }]);
  });

  it('answers exactly as without observe when the observer throws on every record', async () => {
    const run = async (options: HoptraceOptions): Promise<unknown[]> => {
      const port = await start(options);
      const seen: unknown[] = [];
      for (const path of ['/orders/1', '/api/items/2', '/missing']) {
        const response = await send(port, { path, headers: { 'x-request-id': `same${path}` } });
        seen.push([response.status, response.headers['x-request-id'], response.body]);
      }
      if (server !== undefined) await server.close();
      server = undefined;
      return seen;
    };
    const thrown: unknown[] = [];
    const observe = (): void => {
      thrown.push(1);
      throw new Error('observer down');
    };
    expect(await run({ observe })).toEqual(await run({}));
    await settle(thrown, 3);
    expect(thrown).toHaveLength(3);
  });
});
