import { channel } from 'node:diagnostics_channel';
import { Agent, get, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect as connectHttp2, createServer as createHttp2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import {
  extract,
  type Observation,
  parseTraceparent,
  runWithContext,
  tryGetContext,
} from '@hoptrace/core';
import {
  type HeaderSink,
  holdRefusedPort,
  type SinkRequest,
  startHeaderSink,
} from '@hoptrace/test-utils';
import { fetch as undiciFetch, request as undiciRequest } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { instrumentOutbound } from './instrument-outbound.js';
import { hasClientRequestCreatedChannel } from './node-http-hook.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const TRACEPARENT = `00-${TRACE_ID}-b7ad6b7169203331-01`;
const PROPAGATED = ['x-request-id', 'traceparent'];

/** Runs `callback` as if inside the server request `requestId`. */
function inRequest<Result>(requestId: string, callback: () => Result): Result {
  return runWithContext(extract({ 'x-request-id': requestId, traceparent: TRACEPARENT }), callback);
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      body += chunk;
    });
    response.on('end', () => resolve(body));
    response.on('error', reject);
  });
}

function httpGet(url: string, agent?: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const options = agent === undefined ? {} : { agent };
    get(url, options, (response) => resolve(readBody(response))).on('error', reject);
  });
}

function httpPost(url: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method: 'POST', headers }, (response) =>
      resolve(readBody(response)),
    );
    outgoing.on('error', reject);
    outgoing.write('hello ');
    outgoing.end('world');
  });
}

/** The one request the sink got on `path`. */
function receivedOn(sink: HeaderSink, path: string): SinkRequest {
  const found = sink.received.filter((request) => request.path === path);
  expect(found).toHaveLength(1);
  return found[0] as SinkRequest;
}

/** Asserts the request carries `requestId`, the trace, and every header exactly once. */
function expectCarries(request: SinkRequest, requestId: string): void {
  for (const [name, values] of Object.entries(request.headers))
    expect(values, name).toHaveLength(1);
  expect(request.headers['x-request-id']).toEqual([requestId]);
  expect(parseTraceparent(request.headers.traceparent?.[0] ?? '')?.traceId).toBe(TRACE_ID);
}

function expectNothingAdded(request: SinkRequest): void {
  for (const name of PROPAGATED) expect(request.headers[name], name).toBeUndefined();
}

/** Every client under test, by a name usable in a path, each sending one request to `url`. */
const clients: ReadonlyArray<readonly [string, (url: string) => Promise<unknown>]> = [
  ['global-fetch', async (url) => (await fetch(url)).text()],
  ['undici-fetch', async (url) => (await undiciFetch(url)).text()],
  ['undici-request', async (url) => (await undiciRequest(url)).body.text()],
  ['http-get', (url) => httpGet(url)],
  ['http-request-post', (url) => httpPost(url)],
];

/** `http.Agent.prototype.addRequest`, which Node's types leave out. */
function addRequest(): unknown {
  return (Agent.prototype as unknown as { addRequest: unknown }).addRequest;
}

let sink: HeaderSink;
const uninstalls: Array<() => void> = [];

/** `instrumentOutbound`, uninstalled after the test. */
function install(...options: Parameters<typeof instrumentOutbound>): () => void {
  const uninstall = instrumentOutbound(...options);
  uninstalls.push(uninstall);
  return uninstall;
}

beforeAll(async () => {
  sink = await startHeaderSink();
});

afterEach(() => {
  for (const uninstall of uninstalls.splice(0)) uninstall();
});

afterAll(async () => {
  await sink.close();
});

describe('instrumentOutbound', () => {
  it(`hooks node:http through ${hasClientRequestCreatedChannel() ? 'the created channel' : 'Agent#addRequest'} on Node ${process.versions.node}`, () => {
    const original = addRequest();
    const uninstall = install();
    expect(addRequest() === original).toBe(hasClientRequestCreatedChannel());
    uninstall();
    expect(addRequest()).toBe(original);
  });

  it.each(clients)('adds the headers of the current request to %s', async (name, send) => {
    install();
    await inRequest('req-client', () => send(`${sink.origin}/client/${name}`));
    expectCarries(receivedOn(sink, `/client/${name}`), 'req-client');
  });

  it('sends the POST body written with write() and end() along with the headers', async () => {
    install();
    await inRequest('req-post', () =>
      httpPost(`${sink.origin}/post`, { 'content-type': 'text/plain' }),
    );
    const received = receivedOn(sink, '/post');
    expectCarries(received, 'req-post');
    expect(received.body).toBe('hello world');
  });

  it('gives each request on a reused keep-alive socket its own context', async () => {
    install();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let call = 0; call < 3; call++) {
        await inRequest(`req-keepalive-${call}`, () =>
          httpGet(`${sink.origin}/keepalive/${call}`, agent),
        );
      }
    } finally {
      agent.destroy();
    }
    for (let call = 0; call < 3; call++) {
      expectCarries(receivedOn(sink, `/keepalive/${call}`), `req-keepalive-${call}`);
    }
  });

  it('keeps 20 concurrent calls in distinct contexts apart, on every client', async () => {
    install();
    const calls: Array<Promise<unknown>> = [];
    for (let call = 0; call < 20; call++) {
      const [, send] = clients[call % clients.length] as (typeof clients)[number];
      calls.push(
        inRequest(`req-concurrent-${call}`, () => send(`${sink.origin}/concurrent/${call}`)),
      );
    }
    await Promise.all(calls);
    for (let call = 0; call < 20; call++) {
      expectCarries(receivedOn(sink, `/concurrent/${call}`), `req-concurrent-${call}`);
    }
  });

  it("gives each call its own span in mode: 'child'", async () => {
    install({ mode: 'child' });
    await inRequest('req-child', () =>
      Promise.all([
        fetch(`${sink.origin}/child/fetch`).then((response) => response.text()),
        httpGet(`${sink.origin}/child/http`),
      ]),
    );
    const spans = ['/child/fetch', '/child/http'].map((path) => {
      const received = receivedOn(sink, path);
      expectCarries(received, 'req-child');
      return parseTraceparent(received.headers.traceparent?.[0] ?? '')?.parentId;
    });
    expect(spans[0]).not.toBe(spans[1]);
    expect(spans).not.toContain('b7ad6b7169203331');
  });

  it('stops adding headers once uninstalled, and uninstalling twice is harmless', async () => {
    const uninstall = install();
    uninstall();
    uninstall();
    await inRequest('req-uninstalled', async () => {
      await (await fetch(`${sink.origin}/uninstalled/fetch`)).text();
      await httpGet(`${sink.origin}/uninstalled/http`);
    });
    expectNothingAdded(receivedOn(sink, '/uninstalled/fetch'));
    expectNothingAdded(receivedOn(sink, '/uninstalled/http'));
  });

  it.each([
    ['forward', {}],
    ['child', { mode: 'child' as const }],
  ])('never doubles a header when installed twice (%s mode)', async (mode, options) => {
    install(options);
    install(options);
    await inRequest('req-twice', async () => {
      for (const [name, send] of clients) await send(`${sink.origin}/twice-${mode}/${name}`);
    });
    for (const [name] of clients) {
      const received = receivedOn(sink, `/twice-${mode}/${name}`);
      expectCarries(received, 'req-twice');
      if (mode === 'child') expect(received.headers.b3).toHaveLength(1);
    }
  });

  it('keeps injecting until the last installation is removed', async () => {
    const first = install();
    const second = install();
    first();
    await inRequest('req-second', () => httpGet(`${sink.origin}/last/one`));
    second();
    await inRequest('req-second', () => httpGet(`${sink.origin}/last/none`));
    expectCarries(receivedOn(sink, '/last/one'), 'req-second');
    expectNothingAdded(receivedOn(sink, '/last/none'));
  });

  it('shares one set of hooks with another copy of the module (ESM + CJS builds)', async () => {
    vi.resetModules();
    const copy = await import('./instrument-outbound.js');
    expect(copy.instrumentOutbound).not.toBe(instrumentOutbound);
    const original = addRequest();
    install();
    const wrapped = addRequest();
    uninstalls.push(copy.instrumentOutbound());
    const registry = (globalThis as Record<symbol, { installations?: Set<unknown> } | undefined>)[
      Symbol.for('hoptrace.outbound-hooks.v1')
    ];
    expect(registry?.installations?.size).toBe(2);
    // The second copy reused the first one's hooks instead of wrapping again.
    expect(addRequest()).toBe(wrapped);
    await inRequest('req-copies', async () => {
      await (await fetch(`${sink.origin}/copies/fetch`)).text();
      await httpGet(`${sink.origin}/copies/http`);
    });
    expectCarries(receivedOn(sink, '/copies/fetch'), 'req-copies');
    expectCarries(receivedOn(sink, '/copies/http'), 'req-copies');
    for (const uninstall of uninstalls.splice(0)) uninstall();
    expect(addRequest()).toBe(original);
  });

  it('records an HTTP/2 stream once per installation, that of another copy of the module too', async () => {
    vi.resetModules();
    const copy = await import('./instrument-outbound.js');
    const seen: Record<'first' | 'copy', Observation[]> = { first: [], copy: [] };
    install({ observe: { observer: (record) => seen.first.push(record), service: 'first' } });
    uninstalls.push(
      copy.instrumentOutbound({
        observe: { observer: (record) => seen.copy.push(record), service: 'copy' },
      }),
    );
    const server = createHttp2Server((request, response) => {
      response.setHeader('x-request-id', String(request.headers['x-request-id']));
      response.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const session = connectHttp2(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      await inRequest(
        'req-h2-copies',
        () =>
          new Promise<void>((resolve, reject) => {
            const stream = session.request({ ':path': '/h2/copies' });
            stream.on('error', reject);
            stream.on('close', () => resolve());
            stream.resume();
            stream.end();
          }),
      );
      for (let turn = 0; turn < 4; turn += 1) await new Promise((done) => setImmediate(done));
      for (const service of ['first', 'copy'] as const) {
        expect(seen[service]).toEqual([
          expect.objectContaining({
            hoptrace: 'client',
            service,
            requestId: 'req-h2-copies',
            matched: true,
            status: 200,
            httpVersion: '2.0',
            reusedSocket: false,
          }),
        ]);
      }
    } finally {
      session.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('keeps the x-request-id the caller set', async () => {
    install();
    await inRequest('req-mine', async () => {
      const headers = { 'x-request-id': 'caller-id' };
      await (await fetch(`${sink.origin}/caller/fetch`, { headers })).text();
      await (await undiciRequest(`${sink.origin}/caller/undici`, { headers })).body.text();
      await httpPost(`${sink.origin}/caller/http`, headers);
    });
    for (const path of ['/caller/fetch', '/caller/undici', '/caller/http']) {
      const received = receivedOn(sink, path);
      expect(received.headers['x-request-id']).toEqual(['caller-id']);
      expect(received.headers.traceparent).toHaveLength(1);
    }
  });

  it('adds nothing outside a request context', async () => {
    install();
    for (const [name, send] of clients) await send(`${sink.origin}/outside/${name}`);
    for (const [name] of clients) {
      expectNothingAdded(receivedOn(sink, `/outside/${name}`));
    }
  });

  it('adds nothing to hosts propagateTo excludes, and the headers to those it names', async () => {
    install({ propagateTo: ['api.internal', `127.0.0.1:${sink.port + 1}`] });
    const uninstallAllowed = instrumentOutbound({ propagateTo: [`127.0.0.1:${sink.port}`] });
    await inRequest('req-policy', async () => {
      for (const [name, send] of clients) await send(`${sink.origin}/excluded/${name}`);
    });
    uninstallAllowed();
    await inRequest('req-policy', async () => {
      for (const [name, send] of clients) await send(`${sink.origin}/blocked/${name}`);
    });
    for (const [name] of clients) {
      expectCarries(receivedOn(sink, `/excluded/${name}`), 'req-policy');
      expectNothingAdded(receivedOn(sink, `/blocked/${name}`));
    }
  });

  it('lets a refused connection fail unchanged, with the context still there in catch', async () => {
    const refused = await holdRefusedPort();
    const url = `${refused.origin}/refused`;
    const failure = async (send: (url: string) => Promise<unknown>) => {
      try {
        await send(url);
        return { code: 'no error', message: '', requestId: undefined };
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause;
        return {
          code: (error as { code?: string }).code ?? cause?.code,
          message: (error as Error).message,
          requestId: tryGetContext()?.requestId,
        };
      }
    };
    const withoutHooks: unknown[] = [];
    for (const [, send] of clients)
      withoutHooks.push(await inRequest('req-refused', () => failure(send)));
    install();
    const withHooks: unknown[] = [];
    for (const [, send] of clients)
      withHooks.push(await inRequest('req-refused', () => failure(send)));
    await refused.release();
    expect(withHooks).toEqual(withoutHooks);
    for (const outcome of withHooks) {
      expect(outcome).toMatchObject({ code: 'ECONNREFUSED', requestId: 'req-refused' });
    }
  });

  it('adds only the missing names through addHeader when an old undici keeps headers as a string', () => {
    install();
    const added: string[] = [];
    const request = {
      origin: 'http://127.0.0.1:1',
      path: '/old',
      headers: 'host: 127.0.0.1:1\r\nX-Request-ID: caller-id\r\n',
      addHeader(name: string, value: string) {
        added.push(name, value);
      },
    };
    inRequest('req-old', () => channel('undici:request:create').publish({ request }));
    expect(added.filter((_entry, index) => index % 2 === 0)).toEqual(['traceparent']);
    expect(added[1]).toBe(TRACEPARENT);
  });

  it('ignores malformed channel messages instead of throwing into the publisher', () => {
    install();
    const publish = () =>
      inRequest('req-malformed', () => {
        for (const message of [
          undefined,
          null,
          {},
          { request: null },
          { request: { headers: 1 } },
        ]) {
          channel('undici:request:create').publish(message);
          channel('http.client.request.created').publish(message);
        }
        channel('undici:request:create').publish({
          request: {
            origin: 'not a url',
            headers: [],
            addHeader() {
              throw new Error('boom');
            },
          },
        });
      });
    expect(publish).not.toThrow();
  });
});
