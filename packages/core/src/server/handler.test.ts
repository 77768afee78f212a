import { once } from 'node:events';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
} from 'node:http';
import { connect, createServer as createHttp2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { getContext } from '../context/context-storage.js';
import type { HoptraceOptions } from '../engine/options.js';
import { hoptraceHandler } from './handler.js';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

async function start(
  listener: Parameters<typeof hoptraceHandler>[0],
  options?: HoptraceOptions,
): Promise<number> {
  server = createServer(hoptraceHandler(listener, options));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function get(
  port: number,
  headers: Record<string, string> = {},
): Promise<{ headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, headers, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ headers: response.headers, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('hoptraceHandler', () => {
  it('runs the listener in the context and echoes the request ID', async () => {
    const port = await start(async (_request, response) => {
      await sleep(2);
      response.end(`${getContext().requestId} ${getContext().traceId}`);
    });
    const result = await get(port, {
      'x-request-id': 'abc-123',
      b3: '80f198ee56343ba8-e457b5a2e4d86bd1-1',
    });
    expect(result.headers['x-request-id']).toBe('abc-123');
    expect(result.body).toBe('abc-123 80f198ee56343ba8');
  });

  it('answers a hostile ID with a fresh one and never echoes it', async () => {
    const port = await start((_request, response) => {
      response.end(JSON.stringify(getContext()));
    });
    const hostile = '<img src=x onerror=alert(1)>';
    const result = await get(port, { 'x-request-id': hostile });
    expect(result.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.body).not.toContain('onerror');
    expect(JSON.parse(result.body).rejected).toEqual([
      { header: 'x-request-id', reason: 'malformed', length: hostile.length },
    ]);
  });

  it('echoes under a configured header name, also when the listener fails', async () => {
    const port = await start(
      (_request, response) => {
        response.statusCode = 500;
        response.end();
      },
      { requestIdHeader: 'x-correlation-id' },
    );
    const result = await get(port, { 'x-correlation-id': 'corr-9' });
    expect(result.headers['x-correlation-id']).toBe('corr-9');
  });

  it('keeps the context in body and finish listeners, on keep-alive sockets too', async () => {
    const finished: string[] = [];
    const port = await start((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += `${getContext().requestId}:${chunk.length};`;
      });
      request.on('end', () => {
        response.on('finish', () => finished.push(getContext().requestId));
        response.end(`${body}end:${getContext().requestId}`);
      });
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const id of ['post-1', 'post-2', 'post-3']) {
        const result = await new Promise<string>((resolve, reject) => {
          const outgoing = httpRequest(
            { host: '127.0.0.1', port, method: 'POST', agent, headers: { 'x-request-id': id } },
            (response) => {
              let text = '';
              response.setEncoding('utf8');
              response.on('data', (chunk: string) => {
                text += chunk;
              });
              response.on('end', () => resolve(text));
            },
          );
          outgoing.on('error', reject);
          outgoing.end('x'.repeat(100_000));
        });
        expect(result).toMatch(new RegExp(`^(${id}:\\d+;)+end:${id}$`));
      }
    } finally {
      agent.destroy();
    }
    expect(finished).toEqual(['post-1', 'post-2', 'post-3']);
  });

  it('validates options and the listener when wrapping, not per request', () => {
    expect(() => hoptraceHandler(() => {}, { mode: 'parallel' as never })).toThrow(/option "mode"/);
    expect(() => hoptraceHandler(42 as never)).toThrow(
      /option "handler" must be a request listener/,
    );
  });

  it('serves the node:http2 compatibility API, typed by http2.createServer, with no cast', async () => {
    const http2Server = createHttp2Server(
      hoptraceHandler((request, response) => {
        request.on('end', () => {
          response.end(`${getContext().requestId} ${request.httpVersion}`);
        });
        request.resume();
      }),
    );
    await new Promise<void>((resolve) => http2Server.listen(0, '127.0.0.1', resolve));
    const session = connect(`http://127.0.0.1:${(http2Server.address() as AddressInfo).port}`);
    try {
      const answers = await Promise.all(
        ['h2-a', 'h2-b'].map(
          (id) =>
            new Promise<[unknown, string]>((resolve, reject) => {
              const stream = session.request({ ':path': '/', 'x-request-id': id });
              let echoed: unknown;
              let body = '';
              stream.on('response', (headers) => {
                echoed = headers['x-request-id'];
              });
              stream.setEncoding('utf8');
              stream.on('data', (chunk: string) => {
                body += chunk;
              });
              stream.on('end', () => resolve([echoed, body]));
              stream.on('error', reject);
              stream.end();
            }),
        ),
      );
      expect(answers).toEqual([
        ['h2-a', 'h2-a 2.0'],
        ['h2-b', 'h2-b 2.0'],
      ]);
    } finally {
      session.close();
      await new Promise<void>((resolve) => http2Server.close(() => resolve()));
    }
  });
});
