import { connect, createServer, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { extract, runWithContext } from '@hoptrace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentOutbound } from '../src/instrument-outbound.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const TRACEPARENT = `00-${TRACE_ID}-b7ad6b7169203331-01`;

const received: IncomingHttpHeaders[] = [];
const server = createServer().on('stream', (stream, headers) => {
  received.push(headers);
  stream.respond({ ':status': 200 });
  stream.end();
});
let origin = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Runs `callback` as if inside the server request `requestId`. */
function inRequest<Result>(requestId: string, callback: () => Result): Result {
  return runWithContext(extract({ 'x-request-id': requestId, traceparent: TRACEPARENT }), callback);
}

/** Sends `count` streams on a session made by `connect`, each from `run`, and closes it. */
async function streams(
  count: number,
  run: (send: () => Promise<void>) => Promise<void>,
): Promise<IncomingHttpHeaders[]> {
  received.length = 0;
  const session = connect(origin);
  const send = () =>
    new Promise<void>((resolve, reject) => {
      const stream = session.request({ ':path': '/stock?item=1', ':method': 'GET' });
      stream.on('error', reject);
      stream.on('end', () => resolve());
      stream.resume();
      stream.end();
    });
  try {
    for (let index = 0; index < count; index += 1) await run(send);
  } finally {
    session.close();
  }
  return [...received];
}

describe('instrumentOutbound and HTTP/2 sessions (http2.connect)', () => {
  it("carries the request's headers on every stream of a session made inside or outside the request", async () => {
    const uninstall = instrumentOutbound();
    try {
      const got = await streams(3, (send) =>
        inRequest('h2-outbound', async () => {
          await sleep(Math.random() * 5);
          await send();
        }),
      );
      expect(got).toHaveLength(3);
      for (const headers of got) {
        expect(headers['x-request-id']).toBe('h2-outbound');
        expect(headers.traceparent).toBe(TRACEPARENT);
      }
      // Concurrent requests on one session, each with its own ID.
      received.length = 0;
      const session = connect(origin);
      await Promise.all(
        ['a', 'b', 'c', 'd'].map((id) =>
          inRequest(
            `h2-${id}`,
            () =>
              new Promise<void>((resolve) => {
                const stream = session.request({ ':path': `/${id}` });
                stream.on('end', () => resolve());
                stream.resume();
                stream.end();
              }),
          ),
        ),
      );
      session.close();
      expect(received.map((headers) => [headers[':path'], headers['x-request-id']]).sort()).toEqual(
        [
          ['/a', 'h2-a'],
          ['/b', 'h2-b'],
          ['/c', 'h2-c'],
          ['/d', 'h2-d'],
        ],
      );
    } finally {
      uninstall();
    }
  });

  it('sends nothing outside a request, to hosts propagateTo leaves out, or once uninstalled', async () => {
    let uninstall = instrumentOutbound();
    const outside = await streams(1, (send) => send());
    expect(outside[0]?.['x-request-id']).toBeUndefined();
    uninstall();
    uninstall = instrumentOutbound({ propagateTo: ['inventory.internal'] });
    const elsewhere = await streams(1, (send) => inRequest('h2-kept', send));
    expect(elsewhere[0]?.['x-request-id']).toBeUndefined();
    uninstall();
    const after = await streams(1, (send) => inRequest('h2-after', send));
    expect(after[0]?.['x-request-id']).toBeUndefined();
  });
});
