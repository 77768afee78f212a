import { type ClientHttp2Session, connect, createServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Observation, ServerObservation } from '../diagnostics/observation.js';
import { hoptraceHandler } from './handler.js';

function get(session: ClientHttp2Session, requestId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': '/orders', 'x-request-id': requestId });
    stream.on('error', reject);
    stream.on('end', () => resolve());
    stream.resume();
    stream.end();
  });
}

describe('server observations over the HTTP/2 compatibility API', () => {
  it('record HTTP/2, and every stream after a session first one as a reused connection', async () => {
    const records: Observation[] = [];
    const server = createServer(
      hoptraceHandler(
        (_request, response) => {
          response.end('ok');
        },
        {
          observe: (record) => {
            records.push(record);
          },
        },
      ),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const first = connect(origin);
    const second = connect(origin);
    try {
      await get(first, 'h2-1');
      await get(first, 'h2-2');
      await Promise.all([get(first, 'h2-3'), get(second, 'h2-4')]);
      await turn();
      await turn();
      const byId = new Map(
        (records as ServerObservation[]).map((record) => [record.requestId, record]),
      );
      expect([...byId.keys()].sort()).toEqual(['h2-1', 'h2-2', 'h2-3', 'h2-4']);
      for (const record of byId.values()) expect(record.httpVersion).toBe('2.0');
      expect(byId.get('h2-1')?.reusedSocket).toBe(false);
      expect(byId.get('h2-2')?.reusedSocket).toBe(true);
      expect(byId.get('h2-3')?.reusedSocket).toBe(true);
      expect(byId.get('h2-4')?.reusedSocket).toBe(false);
    } finally {
      first.close();
      second.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
