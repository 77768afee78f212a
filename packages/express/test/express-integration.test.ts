import { Agent, createServer, type Server } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { parseRequestId } from '@hoptrace/core';
import {
  assertHostileCaseHandled,
  close,
  HOSTILE_HEADER_CASES,
  itKeepsRequestsApart,
  listen,
  send,
  sendSlowly,
} from '@hoptrace/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPRESS_VERSIONS } from './express-versions.js';
import {
  buildTestApp,
  CONTINUATION_KINDS,
  errorPaths,
  finishEndedFromOutside,
  type TestApp,
} from './test-app.js';

const TRACE = '80f198ee56343ba864fe8b2a57d3eff7';
const SPAN = 'e457b5a2e4d86bd1';

/** Headers of a request with its own ID and a B3 trace, and what the handler must see. */
function traced(requestId: string): { headers: Record<string, string>; expected: object } {
  return {
    headers: { 'x-request-id': requestId, b3: `${TRACE}-${SPAN}-1` },
    expected: { requestId, traceId: TRACE, spanId: SPAN },
  };
}

function isFreshId(value: unknown): boolean {
  return typeof value === 'string' && parseRequestId(value) !== undefined;
}

describe.each(EXPRESS_VERSIONS)('%s', (_name, express, major) => {
  let testApp: TestApp;
  let server: Server;
  let port: number;
  let connections = 0;

  beforeAll(async () => {
    testApp = buildTestApp(express, major);
    server = createServer(testApp.app);
    server.on('connection', () => {
      connections++;
    });
    port = await listen(server);
  });

  afterAll(async () => {
    await close(server);
  });

  describe('the request ID on every response', () => {
    it('echoes a valid incoming ID on a 200 and sets req.id and req.hoptrace', async () => {
      const { headers, expected } = traced('incoming-1');
      const response = await send(port, { headers });
      expect(response.status).toBe(200);
      expect(response.headers['x-request-id']).toBe('incoming-1');
      expect(JSON.parse(response.body)).toEqual({ ...expected, reqId: 'incoming-1', same: true });
    });

    it.each<[string, Record<string, string>]>([
      ['no', {}],
      ['an empty', { 'x-request-id': '' }],
      ['an invalid', { 'x-request-id': 'has spaces, and <markup>' }],
    ])(
      'answers %s incoming ID with a fresh one, the same in the context',
      async (_kind, headers) => {
        const response = await send(port, { headers });
        const echoed = response.headers['x-request-id'];
        expect(isFreshId(echoed)).toBe(true);
        expect(echoed).not.toBe(headers['x-request-id']);
        expect(JSON.parse(response.body)).toMatchObject({ requestId: echoed, reqId: echoed });
      },
    );

    it('on a 404 from no route', async () => {
      const response = await send(port, { path: '/nowhere', headers: { 'x-request-id': 'r-404' } });
      expect(response.status).toBe(404);
      expect(response.headers['x-request-id']).toBe('r-404');
    });

    it('on a response ended by another middleware before any route', async () => {
      const response = await send(port, {
        path: '/early-end',
        headers: { 'x-request-id': 'r-403' },
      });
      expect(response.status).toBe(403);
      expect(response.headers['x-request-id']).toBe('r-403');
    });

    it.each(errorPaths(major))('on the default error handler’s 500 for %s', async (path) => {
      const response = await send(port, { path, headers: { 'x-request-id': `r${path}` } });
      expect(response.status).toBe(500);
      expect(response.headers['x-request-id']).toBe(`r${path}`);
    });

    it('on the 400 of a malformed JSON body', async () => {
      const response = await send(port, {
        method: 'POST',
        path: '/body',
        body: '{"a":',
        headers: { 'x-request-id': 'r-400', 'content-type': 'application/json' },
      });
      expect(response.status).toBe(400);
      expect(response.headers['x-request-id']).toBe('r-400');
    });

    it('keeps the first context when a nested router registers hoptrace again', async () => {
      const fresh = await send(port, { path: '/nested' });
      const echoed = fresh.headers['x-request-id'];
      expect(isFreshId(echoed)).toBe(true);
      expect(JSON.parse(fresh.body)).toMatchObject({ requestId: echoed, reqId: echoed });
      const kept = await send(port, { path: '/nested', headers: { 'x-request-id': 'outer' } });
      expect(JSON.parse(kept.body)).toMatchObject({ requestId: 'outer', reqId: 'outer' });
    });
  });

  describe('getContext() in the handler', () => {
    it.each(CONTINUATION_KINDS)('after %s', async (kind) => {
      const { headers, expected } = traced(`after-${kind}`);
      const response = await send(port, { path: `/continuation/${kind}`, headers });
      expect(JSON.parse(response.body)).toEqual(expected);
    });

    // Bodies that arrive after the headers, in packets of their own: the parser finishes from
    // socket events, outside the request's async context.
    it.each([
      ['express.json()', 'application/json', ['{"name":', '"json"}'], { name: 'json' }],
      [
        'express.urlencoded()',
        'application/x-www-form-urlencoded',
        ['name=', 'form'],
        { name: 'form' },
      ],
    ])('after %s parsed a late body', async (_parser, contentType, chunks, body) => {
      const { headers, expected } = traced(`parsed-${contentType}`);
      const response = await sendSlowly(port, {
        path: '/body',
        headers: { ...headers, 'content-type': contentType },
        chunks,
      });
      expect(JSON.parse(response.body)).toEqual({ ...expected, body });
    });

    it('after express.json() inflated a gzip body', async () => {
      const { headers, expected } = traced('parsed-gzip');
      const compressed = await promisify(gzip)('{"name":"gzip"}');
      const response = await sendSlowly(port, {
        path: '/body',
        headers: { ...headers, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        chunks: [compressed.subarray(0, 10), compressed.subarray(10)],
      });
      expect(JSON.parse(response.body)).toEqual({ ...expected, body: { name: 'gzip' } });
    });

    it('in req.on("end") of a hand-written body reader, and in the route after it', async () => {
      const { headers, expected } = traced('hand-parsed');
      const response = await sendSlowly(port, {
        path: '/hand-parsed',
        headers: { ...headers, 'content-type': 'text/plain' },
        chunks: ['abc', 'defg'],
      });
      expect(JSON.parse(response.body)).toEqual({
        ...expected,
        body: { bytes: 7, seenAtEnd: 'hand-parsed' },
      });
    });

    it('after `for await (const chunk of req)` read a streamed body', async () => {
      const { headers, expected } = traced('streamed');
      const response = await sendSlowly(port, {
        path: '/stream',
        headers: { ...headers, 'content-type': 'application/octet-stream' },
        chunks: ['12345', '67890', 'abcde'],
      });
      expect(JSON.parse(response.body)).toEqual({ ...expected, bytes: 15 });
    });

    it.each(errorPaths(major))('in error-handling middleware, for %s', async (path) => {
      const { headers, expected } = traced(`handled${path}`);
      const response = await send(port, { path: `/handled${path}`, headers });
      expect(response.status).toBe(500);
      expect(response.headers['x-request-id']).toBe(`handled${path}`);
      expect(JSON.parse(response.body)).toMatchObject(expected);
    });

    it('in res.on("finish") registered by the route', async () => {
      await send(port, { path: '/finish', headers: { 'x-request-id': 'finish-1' } });
      expect(await testApp.recorder.wait('finish:finish-1')).toBe('finish-1');
    });

    it('in res.on("finish") when code outside the request ended the response', async () => {
      const { answered, finishSaw } = await finishEndedFromOutside(testApp, port, 'finish-2');
      expect(answered).toBeNull();
      expect(finishSaw).toBe('finish-2');
    });
  });

  describe('an EventEmitter created at start-up', () => {
    it('runs a start-up listener in the context of the request that emits', async () => {
      const response = await send(port, { path: '/emit', headers: { 'x-request-id': 'emitter' } });
      expect(JSON.parse(response.body)).toMatchObject({
        requestId: 'emitter',
        listenerSaw: 'emitter',
      });
    });

    it('runs a listener added in a request in the context of whoever emits later', async () => {
      await send(port, { path: '/listen-late', headers: { 'x-request-id': 'listener-a' } });
      setImmediate(() => testApp.startupEmitter.emit('late'));
      expect(await testApp.recorder.wait('late:listener-a')).toBeUndefined();

      await send(port, { path: '/listen-late', headers: { 'x-request-id': 'listener-b' } });
      await send(port, { path: '/emit-late', headers: { 'x-request-id': 'emitter-c' } });
      expect(await testApp.recorder.wait('late:listener-b')).toBe('emitter-c');
    });

    it('runs a listener wrapped in AsyncResource.bind in the context it was added in', async () => {
      const path = '/listen-late?bind=1';
      await send(port, { path, headers: { 'x-request-id': 'bound-a' } });
      setImmediate(() => testApp.startupEmitter.emit('late'));
      expect(await testApp.recorder.wait('late:bound-a')).toBe('bound-a');

      await send(port, { path, headers: { 'x-request-id': 'bound-b' } });
      await send(port, { path: '/emit-late', headers: { 'x-request-id': 'emitter-d' } });
      expect(await testApp.recorder.wait('late:bound-b')).toBe('bound-b');
    });
  });

  it('keeps three requests on one keep-alive socket apart', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const before = connections;
    try {
      const first = await send(port, { agent, path: '/leak?delay=20', ...traced('ka-1') });
      const second = await send(port, { agent, path: '/continuation/setTimeout' });
      const third = await send(port, {
        agent,
        path: '/leak?delay=20',
        headers: { 'x-request-id': 'ka-3' },
      });
      expect(connections - before).toBe(1);
      expect(JSON.parse(first.body)).toEqual(traced('ka-1').expected);
      const secondId = second.headers['x-request-id'];
      expect(isFreshId(secondId)).toBe(true);
      expect(secondId).not.toBe('ka-1');
      expect(JSON.parse(second.body)).toMatchObject({ requestId: secondId });
      expect(JSON.parse(second.body).traceId).not.toBe(TRACE);
      expect(third.headers['x-request-id']).toBe('ka-3');
      expect(JSON.parse(third.body)).toMatchObject({ requestId: 'ka-3' });
      expect(JSON.parse(third.body).traceId).not.toBe(TRACE);
    } finally {
      agent.destroy();
    }
  });

  itKeepsRequestsApart(
    () => port,
    'keeps 500 interleaved POSTs apart when express.json() parsed the body first',
  );

  it.each(HOSTILE_HEADER_CASES)('survives $name', async (testCase) => {
    const { response, requestId } = await assertHostileCaseHandled(port, testCase, isFreshId);
    // Express's own field: req.id is the same fresh ID.
    if (requestId !== undefined) {
      expect(JSON.parse(response.body)).toMatchObject({ requestId, reqId: requestId });
    }
  });

  describe('options', () => {
    it('reads and echoes a custom requestIdHeader', async () => {
      const custom = createServer(
        buildTestApp(express, major, { requestIdHeader: 'X-Correlation-ID' }).app,
      );
      const customPort = await listen(custom);
      try {
        const response = await send(customPort, {
          headers: { 'x-correlation-id': 'corr-1', 'x-request-id': 'ignored' },
        });
        expect(response.headers['x-correlation-id']).toBe('corr-1');
        expect(response.headers['x-request-id']).toBeUndefined();
        expect(JSON.parse(response.body)).toMatchObject({ requestId: 'corr-1', reqId: 'corr-1' });
        const notFound = await send(customPort, { path: '/nowhere' });
        expect(isFreshId(notFound.headers['x-correlation-id'])).toBe(true);
      } finally {
        await close(custom);
      }
    });
  });
});
