import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import {
  type ClientHttp2Session,
  type ClientSessionRequestOptions,
  connect,
  constants,
  createSecureServer,
  createServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ClientObservation,
  extract,
  hoptraceHandler,
  type Observation,
  runWithContext,
} from '@hoptrace/core';
import {
  DIAGNOSTICS_HEADER,
  readTrail,
  TRAIL_HEADER,
  type TrailHop,
} from '@hoptrace/core/diagnostics';
import { close, holdRefusedPort, listen, type RefusedPort, send } from '@hoptrace/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instrumentOutbound } from '../src/instrument-outbound.js';
import type { OutboundOptions } from '../src/outbound.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const TRACEPARENT = `00-${TRACE_ID}-b7ad6b7169203331-01`;

const received: IncomingHttpHeaders[] = [];

/**
 * The back service, h2c and TLS alike: echoes the request ID; `/status/503` answers 503,
 * `/rst` resets the stream with INTERNAL_ERROR, `/cancel` with CANCEL, `/goaway` destroys the
 * session, `/hang` never answers.
 */
function answer(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
  received.push(headers);
  stream.on('error', () => {
    // A stream the client reset or the server destroyed.
  });
  const path = headers[':path'] ?? '/';
  if (path === '/hang') return;
  if (path === '/rst') return void stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  if (path === '/cancel') return void stream.close(constants.NGHTTP2_CANCEL);
  if (path === '/goaway') return void stream.session?.destroy();
  const status = path === '/status/503' ? 503 : 200;
  stream.respond({ ':status': status, 'x-request-id': headers['x-request-id'] ?? '' });
  stream.end('ok');
}

const server = createServer().on('stream', answer);
let origin = '';
let refused: RefusedPort;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  refused = await holdRefusedPort();
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await refused.release();
});

let uninstall: (() => void) | undefined;
afterEach(() => {
  uninstall?.();
  uninstall = undefined;
});

/** Runs `callback` as if inside the server request `requestId`. */
function inRequest<Result>(requestId: string, callback: () => Result): Result {
  return runWithContext(extract({ 'x-request-id': requestId, traceparent: TRACEPARENT }), callback);
}

/** How one stream ended, as its caller saw it. */
interface Ended {
  readonly status?: number;
  readonly error?: string;
}

/** Sends one stream on `session` and waits for it to close; never rejects. */
function request(
  session: ClientHttp2Session,
  headers: OutgoingHttpHeaders,
  options?: ClientSessionRequestOptions,
  opened?: (stream: ReturnType<ClientHttp2Session['request']>) => void,
): Promise<Ended> {
  return new Promise((resolve) => {
    let status: number | undefined;
    let stream: ReturnType<ClientHttp2Session['request']>;
    try {
      stream = session.request({ ':method': 'GET', ...headers }, options);
    } catch (error) {
      resolve({ error: (error as { code?: string }).code ?? 'thrown' });
      return;
    }
    let error: string | undefined;
    stream.on('response', (response) => {
      status = response[':status'];
    });
    stream.on('error', (failure: { code?: string; name?: string }) => {
      error = failure.code ?? failure.name;
    });
    stream.on('close', () =>
      resolve({
        ...(status === undefined ? {} : { status }),
        ...(error === undefined ? {} : { error }),
      }),
    );
    stream.resume();
    stream.end();
    opened?.(stream);
  });
}

/** Sends `count` streams on a session made by `connect`, each from `run`, and closes it. */
async function streams(
  count: number,
  run: (send: () => Promise<void>) => Promise<void>,
): Promise<IncomingHttpHeaders[]> {
  received.length = 0;
  const session = connect(origin);
  const sendOne = async () => {
    const ended = await request(session, { ':path': '/stock?item=1' });
    if (ended.error !== undefined) throw new Error(ended.error);
  };
  try {
    for (let index = 0; index < count; index += 1) await run(sendOne);
  } finally {
    session.close();
  }
  return [...received];
}

/** Installs `instrumentOutbound` with an observer; returns the client records it gets. */
function observed(options: OutboundOptions = {}): {
  readonly records: () => Promise<ClientObservation[]>;
} {
  const seen: Observation[] = [];
  uninstall = instrumentOutbound({ ...options, observe: (record) => seen.push(record) });
  return {
    async records() {
      // Observations are delivered off the call's path: a few turns later.
      for (let turn = 0; turn < 4; turn += 1) await new Promise((done) => setImmediate(done));
      return seen.filter((record): record is ClientObservation => record.hoptrace === 'client');
    },
  };
}

describe('instrumentOutbound and HTTP/2 sessions (http2.connect)', () => {
  it("carries the request's headers on every stream of a session made inside or outside the request", async () => {
    uninstall = instrumentOutbound();
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
        inRequest(`h2-${id}`, () => request(session, { ':path': `/${id}` })),
      ),
    );
    session.close();
    expect(received.map((headers) => [headers[':path'], headers['x-request-id']]).sort()).toEqual([
      ['/a', 'h2-a'],
      ['/b', 'h2-b'],
      ['/c', 'h2-c'],
      ['/d', 'h2-d'],
    ]);
  });

  it('sends nothing outside a request, to hosts propagateTo leaves out, or once uninstalled', async () => {
    uninstall = instrumentOutbound();
    const outside = await streams(1, (send) => send());
    expect(outside[0]?.['x-request-id']).toBeUndefined();
    uninstall();
    uninstall = instrumentOutbound({ propagateTo: ['inventory.internal'] });
    const elsewhere = await streams(1, (send) => inRequest('h2-kept', send));
    expect(elsewhere[0]?.['x-request-id']).toBeUndefined();
    uninstall();
    uninstall = undefined;
    const after = await streams(1, (send) => inRequest('h2-after', send));
    expect(after[0]?.['x-request-id']).toBeUndefined();
  });
});

describe('observations of HTTP/2 streams', () => {
  it('records each stream once, as HTTP 2.0, reused after the first stream of its session', async () => {
    const { records } = observed();
    const first = connect(origin);
    const second = connect(origin);
    try {
      await inRequest('h2-obs-1', () => request(first, { ':path': '/a' }));
      await inRequest('h2-obs-2', () => request(first, { ':path': '/b?q=1' }));
      await Promise.all([
        inRequest('h2-obs-3', () => request(first, { ':path': '/status/503' })),
        inRequest('h2-obs-4', () => request(second, { ':path': '/c' })),
      ]);
    } finally {
      first.close();
      second.close();
    }
    const byId = new Map((await records()).map((record) => [record.requestId, record]));
    expect([...byId.keys()].sort()).toEqual(['h2-obs-1', 'h2-obs-2', 'h2-obs-3', 'h2-obs-4']);
    const port = Number(new URL(origin).port);
    for (const record of byId.values()) {
      expect(record).toMatchObject({
        httpVersion: '2.0',
        failure: null,
        matched: true,
        target: { host: '127.0.0.1', port },
        remote: { address: '127.0.0.1', port },
      });
      expect(record.echoedRequestId).toBe(record.requestId);
    }
    expect(byId.get('h2-obs-1')).toMatchObject({ status: 200, reusedSocket: false });
    expect(byId.get('h2-obs-2')).toMatchObject({ status: 200, reusedSocket: true });
    expect(byId.get('h2-obs-3')).toMatchObject({ status: 503, reusedSocket: true });
    expect(byId.get('h2-obs-4')).toMatchObject({ status: 200, reusedSocket: false });
  });

  it('records streams outside a request with outsideContext new-trace, and none with skip', async () => {
    let { records } = observed({ outsideContext: 'new-trace' });
    const session = connect(origin);
    try {
      await request(session, { ':path': '/job' });
      const [record, ...more] = await records();
      expect(more).toHaveLength(0);
      expect(record).toMatchObject({ status: 200, httpVersion: '2.0', reusedSocket: false });
      expect(record?.matched).toBe(true);
      uninstall?.();
      ({ records } = observed());
      await request(session, { ':path': '/job' });
      expect(await records()).toEqual([]);
    } finally {
      session.close();
    }
  });

  it('flags streams that got no response as the other clients do', async () => {
    const { records } = observed();
    const session = connect(origin);
    const ended: Record<string, Ended> = {};
    try {
      await inRequest('h2-fail', async () => {
        ended.rst = await request(session, { ':path': '/rst', 'x-request-id': 'rst' });
        ended.cancel = await request(session, { ':path': '/cancel', 'x-request-id': 'cancel' });
        const caller = new AbortController();
        setTimeout(() => caller.abort(), 30);
        ended.abort = await request(
          session,
          { ':path': '/hang', 'x-request-id': 'abort' },
          { signal: caller.signal },
        );
        ended.deadline = await request(
          session,
          { ':path': '/hang', 'x-request-id': 'deadline' },
          { signal: AbortSignal.timeout(30) },
        );
        ended.timeout = await request(
          session,
          { ':path': '/hang', 'x-request-id': 'timeout' },
          undefined,
          (stream) => stream.setTimeout(30, () => stream.close()),
        );
        const doomed = connect(origin);
        ended.goaway = await request(doomed, { ':path': '/goaway', 'x-request-id': 'goaway' });
        ended.destroyed = await request(doomed, { ':path': '/', 'x-request-id': 'destroyed' });
        const refusedSession = connect(refused.origin);
        refusedSession.on('error', () => {
          // ECONNREFUSED, reported on the stream too.
        });
        ended.refused = await request(refusedSession, { ':path': '/', 'x-request-id': 'refused' });
      });
    } finally {
      session.close();
    }
    // The caller sees what it would see without hoptrace.
    expect(ended.rst).toEqual({ error: 'ERR_HTTP2_STREAM_ERROR' });
    expect(ended.cancel).toEqual({});
    expect(ended.abort).toEqual({ error: 'ABORT_ERR' });
    expect(ended.deadline).toEqual({ error: 'ABORT_ERR' });
    expect(ended.destroyed).toEqual({ error: 'ERR_HTTP2_INVALID_SESSION' });
    const flags = Object.fromEntries(
      (await records()).map((record) => [record.requestId, record.failure]),
    );
    expect(flags).toEqual({
      rst: 'UC',
      cancel: 'UC',
      abort: 'DC',
      deadline: 'UT',
      timeout: 'UT',
      goaway: 'UC',
      destroyed: 'UC',
      refused: 'UF',
    });
    for (const record of await records()) {
      expect(record).toMatchObject({ status: null, echoedRequestId: null, httpVersion: '2.0' });
    }
  });

  it('leaves gRPC streams to @hoptrace/grpc: their headers kept, written once, nothing recorded', async () => {
    const { records } = observed();
    received.length = 0;
    const session = connect(origin);
    try {
      await inRequest('h2-grpc', async () => {
        // As grpc-js sends a call whose interceptor wrote the metadata already.
        await request(session, {
          ':method': 'POST',
          ':path': '/shop.Inventory/Reserve',
          'content-type': 'application/grpc+proto',
          te: 'trailers',
          'x-request-id': 'from-interceptor',
        });
        // And one without the interceptor: the hook still gives it the headers.
        await request(session, {
          ':method': 'POST',
          ':path': '/shop.Inventory/Stock',
          'content-type': 'application/grpc',
        });
        await request(session, { ':path': '/plain' });
      });
    } finally {
      session.close();
    }
    expect(received.map((headers) => [headers[':path'], headers['x-request-id']])).toEqual([
      ['/shop.Inventory/Reserve', 'from-interceptor'],
      ['/shop.Inventory/Stock', 'h2-grpc'],
      ['/plain', 'h2-grpc'],
    ]);
    for (const headers of received) expect(headers.traceparent).toBe(TRACEPARENT);
    const got = await records();
    expect(got.map((record) => record.requestId)).toEqual(['h2-grpc']);
    // The gRPC streams still count as streams of the session.
    expect(got[0]?.reusedSocket).toBe(true);
  });
});

describe('diagnostic trails through HTTP/2 streams', () => {
  const TOKEN = 'fetch-h2-diagnostics-token';
  const servers: Array<Http2Server | ReturnType<typeof createHttpServer>> = [];
  afterAll(async () => {
    for (const each of servers.splice(0)) {
      await new Promise<void>((resolve) => each.close(() => resolve()));
    }
  });

  it('forwards the diagnostic header and nests the next hop, once per stream, gRPC left out', async () => {
    uninstall = instrumentOutbound();
    const back = createServer(
      hoptraceHandler(
        (_request, response) => {
          response.end('back');
        },
        { diagnostics: { token: TOKEN, service: 'back' } },
      ),
    );
    servers.push(back);
    await new Promise<void>((resolve) => back.listen(0, '127.0.0.1', resolve));
    const backOrigin = `http://127.0.0.1:${(back.address() as AddressInfo).port}`;
    const front = createHttpServer(
      hoptraceHandler(
        async (_request, response) => {
          const session = connect(backOrigin);
          try {
            await request(session, { ':path': '/first' });
            await request(session, { ':path': '/second' });
            await request(session, { ':path': '/rpc', 'content-type': 'application/grpc' });
          } finally {
            session.close();
          }
          response.end('front');
        },
        { diagnostics: { token: TOKEN, service: 'front' } },
      ),
    );
    servers.push(front);
    const response = await send(await listen(front), {
      headers: { [DIAGNOSTICS_HEADER]: TOKEN, 'x-request-id': 'diag-h2-1' },
    });
    const read = readTrail(String(response.headers[TRAIL_HEADER]), TOKEN);
    if (!('hop' in read)) throw new Error(`trail refused: ${read.rejected}`);
    const trail: TrailHop = read.hop;
    expect(trail.service).toBe('front');
    expect(trail.calls.map((call) => call.url)).toEqual([
      `${backOrigin}/first`,
      `${backOrigin}/second`,
    ]);
    for (const call of trail.calls) {
      expect(call).toMatchObject({ method: 'GET', status: 200, mark: 'ok', failure: null });
      expect(call.sent.requestId).toBe('diag-h2-1');
      expect(call.hop).toMatchObject({ service: 'back', requestId: 'diag-h2-1' });
      expect(call.hop?.spanId).toBe(call.sent.spanId);
    }
    await close(front);
  });
});

/** A self-signed certificate for 127.0.0.1, made by `openssl` when this machine has it. */
function selfSigned(): { key: Buffer; cert: Buffer } | undefined {
  if (spawnSync('openssl', ['version']).status !== 0) return undefined;
  const folder = mkdtempSync(join(tmpdir(), 'hoptrace-h2-'));
  try {
    const key = join(folder, 'key.pem');
    const cert = join(folder, 'cert.pem');
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    if (made.status !== 0) return undefined;
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const tls = selfSigned();

describe.skipIf(tls === undefined)(
  'HTTP/2 over TLS (https://, a certificate made by openssl)',
  () => {
    it('carries the headers and records every stream of the session', async () => {
      const secure = createSecureServer({ key: tls?.key, cert: tls?.cert }).on('stream', answer);
      await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
      const port = (secure.address() as AddressInfo).port;
      const { records } = observed();
      received.length = 0;
      const session = connect(`https://127.0.0.1:${port}`, { ca: tls?.cert });
      try {
        const ended = await inRequest('h2-tls', async () => [
          await request(session, { ':path': '/one' }),
          await request(session, { ':path': '/two' }),
          await request(session, { ':path': '/rst' }),
        ]);
        expect(ended).toEqual([
          { status: 200 },
          { status: 200 },
          { error: 'ERR_HTTP2_STREAM_ERROR' },
        ]);
      } finally {
        session.close();
        await new Promise<void>((resolve) => secure.close(() => resolve()));
      }
      expect(received.map((headers) => headers['x-request-id'])).toEqual([
        'h2-tls',
        'h2-tls',
        'h2-tls',
      ]);
      const got = await records();
      expect(got.map((record) => [record.status, record.failure, record.reusedSocket])).toEqual([
        [200, null, false],
        [200, null, true],
        [null, 'UC', true],
      ]);
      for (const record of got) {
        expect(record).toMatchObject({
          httpVersion: '2.0',
          target: { host: '127.0.0.1', port },
          remote: { address: '127.0.0.1', port },
        });
      }
    });
  },
);
