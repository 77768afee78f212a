import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  type ClientHttp2Session,
  connect,
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type IncomingHttpHeaders,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getContext, tryGetContext } from '../context/context-storage.js';
import { HoptraceOptionsError } from '../errors.js';
import { hoptraceStreamHandler, type StreamListener } from './stream-handler.js';

const TRACE_ID = '463ac35c9f6413ad48485a3953bb6124';
const MESH = {
  'x-request-id': 'stream-request-1',
  'x-b3-traceid': TRACE_ID,
  'x-b3-spanid': 'a2fb4a1d1a96d312',
  'x-b3-sampled': '1',
};

/** A self-signed certificate for localhost, made for this run by the openssl CLI. */
function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const folder = mkdtempSync(join(tmpdir(), 'hoptrace-h2-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ].concat(['-keyout', join(folder, 'key.pem'), '-out', join(folder, 'cert.pem')]),
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(folder, 'key.pem')),
      cert: readFileSync(join(folder, 'cert.pem')),
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

type Transport = 'h2c' | 'tls';
const certificate = selfSignedCertificate();

async function start(transport: Transport, listener: StreamListener) {
  const server: Http2Server | Http2SecureServer =
    transport === 'h2c' ? createServer() : createSecureServer(certificate);
  server.on('stream', listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const session = connect(`${transport === 'h2c' ? 'http' : 'https'}://127.0.0.1:${port}`, {
    ca: certificate.cert,
    servername: 'localhost',
  });
  return {
    session,
    async close() {
      session.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One request on `session`: the response head and body. */
function request(
  session: ClientHttp2Session,
  headers: Record<string, string>,
): Promise<{ head: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': '/', ...headers });
    let head: IncomingHttpHeaders = {};
    let body = '';
    stream.on('response', (received) => {
      head = received;
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      body += chunk;
    });
    stream.on('end', () => resolve({ head, body }));
    stream.on('error', reject);
    stream.end();
  });
}

describe.each(['h2c', 'tls'] as const)('hoptraceStreamHandler over %s', (transport) => {
  let server: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    server = await start(
      transport,
      hoptraceStreamHandler(async (stream, headers) => {
        const path = headers[':path'];
        await sleep(Math.random() * 5);
        if (path === '/file') {
          stream.respondWithFile(__filename, { ':status': 200 });
          return;
        }
        const seen: string[] = [`handler ${getContext().requestId} ${getContext().traceId}`];
        stream.on('data', () => seen.push(`data ${tryGetContext()?.requestId}`));
        stream.on('end', () => {
          seen.push(`end ${tryGetContext()?.requestId}`);
          stream.respond(
            path === '/own-id'
              ? { ':status': 200, 'X-Request-ID': 'set-by-app' }
              : { ':status': 200 },
          );
          stream.end(JSON.stringify(seen));
        });
        stream.resume();
      }),
    );
  });
  afterAll(() => server.close());

  it('runs the handler and the stream listeners in the request context, and answers with its ID', async () => {
    const { head, body } = await request(server.session, MESH);
    expect(head['x-request-id']).toBe('stream-request-1');
    expect(JSON.parse(body)).toEqual([
      `handler stream-request-1 ${TRACE_ID}`,
      'end stream-request-1',
    ]);
  });

  it('keeps every concurrent stream of one session in its own context', async () => {
    const ids = Array.from({ length: 100 }, (_, index) => `stream-${transport}-${index}`);
    const answers = await Promise.all(
      ids.map((id) => request(server.session, { ...MESH, 'x-request-id': id })),
    );
    answers.forEach(({ head, body }, index) => {
      expect(head['x-request-id']).toBe(ids[index]);
      expect(JSON.parse(body)).toEqual([`handler ${ids[index]} ${TRACE_ID}`, `end ${ids[index]}`]);
    });
  });

  it('generates an ID for a request without a valid one, never echoing the bad value', async () => {
    const { head } = await request(server.session, { 'x-request-id': 'bad value\u0001' });
    expect(head['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('leaves a request ID header the handler sets itself', async () => {
    const { head } = await request(server.session, { ':path': '/own-id', ...MESH });
    expect(head['x-request-id']).toBe('set-by-app');
  });

  it('answers respondWithFile with the ID too', async () => {
    const { head } = await request(server.session, { ':path': '/file', ...MESH });
    expect(head['x-request-id']).toBe('stream-request-1');
  });
});

describe('hoptraceStreamHandler options', () => {
  it('refuses what is not a listener, and the options the stream API cannot record', () => {
    expect(() => hoptraceStreamHandler(42 as never)).toThrow(HoptraceOptionsError);
    expect(() => hoptraceStreamHandler(() => {}, { observe: () => {} })).toThrow(/observe/);
    expect(() =>
      hoptraceStreamHandler(() => {}, { diagnostics: { token: 'x'.repeat(32) } }),
    ).toThrow(/diagnostics/);
    expect(() => hoptraceStreamHandler(() => {}, { mode: 'parallel' as never })).toThrow(/mode/);
  });
});
