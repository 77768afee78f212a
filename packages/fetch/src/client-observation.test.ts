import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ClientObservation, extract, type Observation, runWithContext } from '@hoptrace/core';
import { createHoptrace } from '@hoptrace/core/adapter';
import { holdRefusedPort, type RefusedPort } from '@hoptrace/test-utils';
import axios from 'axios';
import { Agent, request as undiciRequest } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClientCall,
  failureFlag,
  recordFailure,
  recordResponse,
  responseHeader,
  startClientCall,
  targetOf,
} from './client-observation.js';
import { instrumentAxios } from './instrument-axios.js';
import { instrumentOutbound } from './instrument-outbound.js';
import type { OutboundOptions } from './outbound.js';
import { hoptraceInterceptor } from './undici-interceptor.js';
import { wrapFetch } from './wrap-fetch.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function inRequest<Result>(callback: () => Result): Result {
  return runWithContext(extract({ 'x-request-id': 'req-1', traceparent: TRACEPARENT }), callback);
}

/** Servers: `/echo` echoes the request ID, `/other` answers another, `/hang` never answers, `/reset` resets. */
let server: Server;
let port: number;
let refused: RefusedPort;
const sentIds: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const id = request.headers['x-request-id'];
    if (typeof id === 'string') sentIds.push(id);
    if (request.url === '/hang') return;
    if (request.url === '/reset') {
      request.socket.destroy();
      return;
    }
    const echoed = request.url === '/other' ? 'someone-else' : (id ?? '');
    response.writeHead(200, { 'x-request-id': echoed }).end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
  refused = await holdRefusedPort();
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await refused.release();
});

/** Waits (bounded) for the deferred delivery of `count` records. */
async function records(
  list: readonly ClientObservation[],
  count = 1,
): Promise<ClientObservation[]> {
  for (let turn = 0; turn < 200 && list.length < count; turn++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return [...list];
}

/** A few turns of the event loop: enough for a deferred delivery that would come. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setTimeout(resolve, 5));
}

interface CallOptions {
  readonly signal?: AbortSignal;
  /** Ask the client for its own short timeout. */
  readonly timeout?: boolean;
}

/** One client under test: `get` resolves to the status or rejects with the client's error. */
interface Client {
  readonly name: string;
  readonly remote: boolean;
  install(options: OutboundOptions): (url: string, call?: CallOptions) => Promise<number>;
}

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});

function httpGet(url: string, call: CallOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, call.signal === undefined ? {} : { signal: call.signal });
    outgoing.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    outgoing.on('error', reject);
    if (call.timeout === true) outgoing.setTimeout(100, () => outgoing.destroy());
    outgoing.end();
  });
}

const CLIENTS: readonly Client[] = [
  {
    name: 'wrapFetch',
    remote: false,
    install(options) {
      const fetch = wrapFetch(undefined, options);
      return async (url, call = {}) => {
        const signal = call.timeout === true ? AbortSignal.timeout(100) : call.signal;
        const response = await fetch(url, signal === undefined ? {} : { signal });
        await response.arrayBuffer();
        return response.status;
      };
    },
  },
  {
    name: 'hoptraceInterceptor',
    remote: false,
    install(options) {
      const agent = new Agent();
      const dispatcher = agent.compose(hoptraceInterceptor(options));
      cleanups.push(() => void agent.destroy());
      return async (url, call = {}) => {
        const response = await undiciRequest(url, {
          dispatcher,
          ...(call.signal === undefined ? {} : { signal: call.signal }),
          ...(call.timeout === true ? { headersTimeout: 100 } : {}),
        });
        await response.body.dump();
        return response.statusCode;
      };
    },
  },
  {
    name: 'instrumentAxios',
    remote: true,
    install(options) {
      const instance = axios.create({ validateStatus: () => true });
      cleanups.push(instrumentAxios(instance, options));
      return async (url, call = {}) => {
        const response = await instance.get(url, {
          ...(call.signal === undefined ? {} : { signal: call.signal }),
          ...(call.timeout === true ? { timeout: 100 } : {}),
        });
        return response.status;
      };
    },
  },
  {
    name: 'instrumentOutbound (node:http)',
    remote: true,
    install(options) {
      cleanups.push(instrumentOutbound(options));
      return httpGet;
    },
  },
  {
    name: 'instrumentOutbound (fetch)',
    remote: false,
    install(options) {
      cleanups.push(instrumentOutbound(options));
      return async (url, call = {}) => {
        const signal = call.timeout === true ? AbortSignal.timeout(100) : call.signal;
        const response = await fetch(url, signal === undefined ? {} : { signal });
        await response.arrayBuffer();
        return response.status;
      };
    },
  },
];

describe.each(CLIENTS)('$name observations', (client) => {
  function setup(options: OutboundOptions = {}) {
    const seen: ClientObservation[] = [];
    const get = client.install({
      ...options,
      observe: { observer: (record) => seen.push(record as ClientObservation), service: 'gw' },
    });
    return { seen, get };
  }

  /** The error a call rejects with, inside a request context. */
  async function failure(
    get: (url: string, call?: CallOptions) => Promise<number>,
    url: string,
    call?: CallOptions,
  ): Promise<unknown> {
    return inRequest(() =>
      get(url, call).then(
        () => undefined,
        (error: unknown) => error,
      ),
    );
  }

  it('records a success with the ID sent (per-call), its echo, status and target', async () => {
    const { seen, get } = setup({ outboundRequestId: 'per-call' });
    const before = Date.now();
    sentIds.length = 0;
    expect(await inRequest(() => get(`http://127.0.0.1:${port}/echo`))).toBe(200);
    const [record, extra] = await records(seen);
    expect(extra).toBeUndefined();
    expect(record).toMatchObject({
      hoptrace: 'client',
      service: 'gw',
      correlationId: 'req-1',
      matched: true,
      target: { host: '127.0.0.1', port },
      status: 200,
      failure: null,
    });
    expect(record?.requestId).not.toBe('req-1');
    expect(sentIds).toEqual([record?.requestId]);
    expect(record?.echoedRequestId).toBe(record?.requestId);
    expect(record?.start).toBeGreaterThanOrEqual(before);
    expect(record?.durationMs).toBeGreaterThanOrEqual(0);
    if (client.remote) expect(record?.remote).toEqual({ address: '127.0.0.1', port });
    else expect(record?.remote).toBeNull();
  });

  it('records matched false when the response names another request ID', async () => {
    const { seen, get } = setup();
    await inRequest(() => get(`http://127.0.0.1:${port}/other`));
    const [record] = await records(seen);
    expect(record).toMatchObject({
      requestId: 'req-1',
      echoedRequestId: 'someone-else',
      matched: false,
      status: 200,
    });
  });

  it('flags a refused connection UF, with no status and no echo', async () => {
    const { seen, get } = setup();
    expect(await failure(get, `${refused.origin}/`)).toBeDefined();
    const [record] = await records(seen);
    expect(record).toMatchObject({
      requestId: 'req-1',
      echoedRequestId: null,
      matched: false,
      status: null,
      failure: 'UF',
      target: { host: '127.0.0.1', port: refused.port },
    });
  });

  it('flags a client timeout UT', async () => {
    const { seen, get } = setup();
    expect(await failure(get, `http://127.0.0.1:${port}/hang`, { timeout: true })).toBeDefined();
    const [record] = await records(seen);
    expect(record).toMatchObject({ status: null, failure: 'UT' });
  });

  it('flags a reset connection UC', async () => {
    const { seen, get } = setup();
    expect(await failure(get, `http://127.0.0.1:${port}/reset`)).toBeDefined();
    const [record] = await records(seen);
    expect(record).toMatchObject({ status: null, failure: 'UC' });
  });

  it("flags the caller's abort DC", async () => {
    const { seen, get } = setup();
    const controller = new AbortController();
    const pending = failure(get, `http://127.0.0.1:${port}/hang`, { signal: controller.signal });
    // Abort once the server has the request, so the call was really under way.
    for (let turn = 0; turn < 200 && sentIds.at(-1) !== 'req-1'; turn++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    controller.abort();
    expect(await pending).toBeDefined();
    const [record] = await records(seen);
    expect(record).toMatchObject({ status: null, failure: 'DC' });
  });

  it('an observer that throws changes no call result', async () => {
    let thrown = 0;
    const get = client.install({
      observe: () => {
        thrown++;
        throw new Error('observer broke');
      },
    });
    expect(await inRequest(() => get(`http://127.0.0.1:${port}/echo`))).toBe(200);
    const error = await failure(get, `${refused.origin}/`);
    expect(error).toBeInstanceOf(Error);
    for (let turn = 0; turn < 200 && thrown < 2; turn++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(thrown).toBe(2);
  });

  it('records nothing outside a request context', async () => {
    const { seen, get } = setup();
    expect(await get(`http://127.0.0.1:${port}/echo`)).toBe(200);
    await settle();
    expect(seen).toEqual([]);
  });
});

describe('failureFlag', () => {
  it.each([
    [new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }), 'UF'],
    [{ code: 'UND_ERR_CONNECT_TIMEOUT' }, 'UF'],
    [{ code: 'UND_ERR_HEADERS_TIMEOUT' }, 'UT'],
    [{ code: 'ECONNABORTED' }, 'UT'],
    [{ name: 'AbortError', cause: { name: 'TimeoutError' } }, 'UT'],
    [{ name: 'AbortError' }, 'DC'],
    [{ code: 'ERR_CANCELED' }, 'DC'],
    [{ message: 'other side closed' }, 'UC'],
    [{ code: 'ECONNRESET', message: 'socket hang up' }, 'UC'],
    [new Error('something else'), 'UF'],
    // node:http2: a reset stream, a stream cancelled as its session closed (by a refused
    // connection: its cause), a session that got GOAWAY or was already destroyed.
    [
      {
        code: 'ERR_HTTP2_STREAM_ERROR',
        message: 'Stream closed with error code NGHTTP2_INTERNAL_ERROR',
      },
      'UC',
    ],
    [{ code: 'ERR_HTTP2_STREAM_CANCEL' }, 'UC'],
    [{ code: 'ERR_HTTP2_STREAM_CANCEL', cause: { code: 'ECONNREFUSED' } }, 'UF'],
    [{ code: 'ERR_HTTP2_GOAWAY_SESSION' }, 'UC'],
    [{ code: 'ERR_HTTP2_SESSION_ERROR' }, 'UC'],
    [{ code: 'ERR_HTTP2_INVALID_SESSION' }, 'UC'],
  ] as const)('%o → %s', (error, flag) => {
    expect(failureFlag(error)).toBe(flag);
  });

  it('prefers the reason of an aborted signal', () => {
    expect(failureFlag({ code: 'ERR_CANCELED' }, new DOMException('t', 'TimeoutError'))).toBe('UT');
  });
});

describe('recordResponse and recordFailure: the connection a call went over', () => {
  const started = (seen: Observation[]): ClientCall => {
    const call = startClientCall(
      createHoptrace({ observe: (record) => seen.push(record) }).options,
      {
        context: extract({ 'x-request-id': 'req-h2' }),
        sent: { 'x-request-id': 'req-h2' },
        url: () => new URL('http://api.internal:8080/x'),
        method: 'GET',
      },
    );
    if (call === undefined) throw new Error('not recorded');
    return call;
  };
  const delivered = async (seen: Observation[]): Promise<Observation[]> => {
    for (let turn = 0; turn < 4; turn += 1) await new Promise((done) => setImmediate(done));
    return seen;
  };

  it('records httpVersion and reusedSocket when the client tells them', async () => {
    const seen: Observation[] = [];
    recordResponse(started(seen), {
      status: 204,
      headers: { ':status': 204, 'x-request-id': 'req-h2' },
      httpVersion: '2.0',
      reusedSocket: true,
    });
    recordFailure(started(seen), {
      error: { code: 'ERR_HTTP2_STREAM_ERROR' },
      httpVersion: '2.0',
      reusedSocket: false,
    });
    const [answered, failed] = (await delivered(seen)) as ClientObservation[];
    expect(answered).toMatchObject({
      status: 204,
      matched: true,
      httpVersion: '2.0',
      reusedSocket: true,
    });
    expect(failed).toMatchObject({ failure: 'UC', httpVersion: '2.0', reusedSocket: false });
  });

  it('leaves both fields out of the record of a client that does not tell them', async () => {
    const seen: Observation[] = [];
    recordResponse(started(seen), { status: 200, headers: {} });
    recordFailure(started(seen), { error: { code: 'ECONNRESET' }, remote: null });
    for (const record of await delivered(seen)) {
      expect(Object.keys(record)).not.toContain('httpVersion');
      expect(Object.keys(record)).not.toContain('reusedSocket');
      expect((record as ClientObservation).remote).toBeNull();
    }
  });
});

describe('targetOf and responseHeader', () => {
  it('defaults the port by protocol and unbrackets IPv6', () => {
    expect(targetOf(new URL('https://a.example/x'))).toEqual({ host: 'a.example', port: 443 });
    expect(targetOf(new URL('http://[::1]:81/'))).toEqual({ host: '::1', port: 81 });
    expect(targetOf(undefined)).toEqual({ host: '', port: 0 });
  });

  it('reads raw arrays, records and Headers', () => {
    expect(responseHeader([Buffer.from('X-Request-ID'), Buffer.from('a')], 'x-request-id')).toBe(
      'a',
    );
    expect(responseHeader({ 'x-request-id': ['b', 'c'] }, 'x-request-id')).toBe('b');
    expect(responseHeader(new Headers({ 'X-Request-Id': 'd' }), 'x-request-id')).toBe('d');
    expect(responseHeader(undefined, 'x-request-id')).toBeUndefined();
  });
});
