import { Agent } from 'node:http';
import { parseRequestId } from '@hoptrace/core';
import {
  assertHostileCaseHandled,
  expectRequestIdOnAnswers,
  HOSTILE_HEADER_CASES,
  itKeepsRequestsApart,
  send,
  thrownBy,
} from '@hoptrace/test-utils';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getContext, HoptraceOptionsError, hoptrace } from '../src/index.js';
import {
  CONTINUATIONS,
  FRESH_UUID,
  KOA_MAJORS,
  seenRequestId,
  startTestApp,
  type TestApp,
} from './test-app.js';

const json = (body: string): Record<string, unknown> => JSON.parse(body);

describe('hoptrace()', () => {
  it('returns a (ctx, next) middleware named hoptraceMiddleware, not an async function', () => {
    // It hands Koa the rest of the app's promise as it is: no promise of its own per request.
    const middleware = hoptrace();
    expect(middleware.name).toBe('hoptraceMiddleware');
    expect(middleware.length).toBe(2);
    expect(middleware.constructor.name).toBe('Function');
  });

  it.each([
    [{ mode: 'sideways' }, 'mode'],
    [{ requestIdHeader: 'content-length' }, 'requestIdHeader'],
    [{ requestIDHeader: 'x-id' }, 'requestIDHeader'],
    [{ generateRequestId: () => 'has spaces' }, 'generateRequestId'],
  ])('throws at construction on %o, naming %s', (options, option) => {
    const thrown = thrownBy(() => hoptrace(options as never));
    expect(HoptraceOptionsError.isInstance(thrown)).toBe(true);
    expect((thrown as HoptraceOptionsError).option).toBe(option);
    expect((thrown as Error).message).toContain(`"${option}"`);
  });
});

describe.each(KOA_MAJORS)('%s', (_name, KoaClass) => {
  let app: TestApp;
  let port: number;

  beforeAll(async () => {
    app = await startTestApp(KoaClass);
    port = app.port;
  });

  afterAll(async () => {
    await app.close();
  });

  describe('the request ID is on every response', () => {
    it.each([
      ['a route', '/', 200],
      ['no route (404)', '/no-such-route', 404],
      ['a middleware answering before the routes', '/early', 200],
      ['ctx.respond = false and a raw res.end()', '/respond-false', 200],
      ['a thrown error', '/throw', 500],
      ['an error after await (rejected promise)', '/reject', 500],
    ])('%s', async (_case, path, status) => {
      await expectRequestIdOnAnswers(port, path, status, 'client-id-1');
    });

    it('replaces an invalid incoming ID with a fresh UUID', async () => {
      const response = await send(port, { headers: { 'x-request-id': 'two words' } });
      expect(response.headers['x-request-id']).toMatch(FRESH_UUID);
      expect(json(response.body).requestId).toBe(response.headers['x-request-id']);
    });

    it('sets ctx.state.requestId and ctx.state.hoptrace', async () => {
      const response = await send(port, { headers: { 'x-request-id': 'state-1' } });
      expect(json(response.body)).toEqual({ requestId: 'state-1', stateRequestId: 'state-1' });
    });
  });

  describe("getContext() is this request's context", () => {
    it(`after ${Object.keys(CONTINUATIONS).join(', ')} (20 requests at once)`, async () => {
      const ids = Array.from({ length: 20 }, (_unused, index) => `continuations-${index}`);
      const responses = await Promise.all(
        ids.map((id) => send(port, { path: '/continuations', headers: { 'x-request-id': id } })),
      );
      responses.forEach((response, index) => {
        const expected = Object.fromEntries(
          Object.keys(CONTINUATIONS).map((kind) => [kind, ids[index]]),
        );
        expect(json(response.body)).toEqual(expected);
      });
    });

    it.each([
      ['JSON', 'application/json', '{"a":1}', { a: 1 }],
      ['urlencoded', 'application/x-www-form-urlencoded', 'a=1&b=two', { a: '1', b: 'two' }],
    ])('after koa-bodyparser parsed a %s body', async (_kind, contentType, body, parsed) => {
      const response = await send(port, {
        method: 'POST',
        path: '/body',
        body,
        headers: { 'content-type': contentType, 'x-request-id': `body-${contentType}` },
      });
      expect(json(response.body)).toEqual({ seen: `body-${contentType}`, body: parsed });
    });

    it('while and after reading a streamed body with for await', async () => {
      const response = await send(port, {
        method: 'POST',
        path: '/stream',
        body: Buffer.alloc(256 * 1024, 1),
        headers: { 'content-type': 'application/octet-stream', 'x-request-id': 'stream-1' },
      });
      expect(json(response.body)).toEqual({
        whileReading: ['stream-1'],
        after: 'stream-1',
        bytes: 256 * 1024,
      });
    });

    it("in ctx.res.on('finish') listeners", async () => {
      await send(port, { path: '/finish', headers: { 'x-request-id': 'finish-1' } });
      await vi.waitFor(() => expect(app.recorded.has('finish:finish-1')).toBe(true));
      expect(app.recorded.get('finish:finish-1')).toBe('finish-1');
    });
  });

  describe('an EventEmitter made at startup', () => {
    it('runs a listener attached at startup in the context of the request that emits', async () => {
      await Promise.all(
        ['emit-1', 'emit-2'].map((id) =>
          send(port, { path: '/emit', headers: { 'x-request-id': id } }),
        ),
      );
      expect(app.recorded.get('ping:emit-1')).toBe('emit-1');
      expect(app.recorded.get('ping:emit-2')).toBe('emit-2');
    });

    it("runs a listener attached in a request in the emitter's context, unless bound", async () => {
      await send(port, { path: '/subscribe', headers: { 'x-request-id': 'subscriber-1' } });
      await send(port, { path: '/subscribe?bound', headers: { 'x-request-id': 'subscriber-2' } });
      // Emitted by another request: Node runs the plain listener in the emitting request's
      // context; AsyncResource.bind kept the subscribing request's.
      await send(port, { path: '/emit-later', headers: { 'x-request-id': 'emitter-1' } });
      expect(app.recorded.get('later:subscriber-1')).toBe('emitter-1');
      expect(app.recorded.get('later-bound:subscriber-2')).toBe('subscriber-2');

      await send(port, { path: '/subscribe', headers: { 'x-request-id': 'subscriber-3' } });
      await send(port, { path: '/subscribe?bound', headers: { 'x-request-id': 'subscriber-4' } });
      // Emitted from startup code, outside any request: no context at all, unless bound.
      await new Promise<void>((resolve) =>
        setImmediate(() => {
          expect(seenRequestId()).toBeUndefined();
          app.bus.emit('later');
          resolve();
        }),
      );
      expect(app.recorded.has('later:subscriber-3')).toBe(true);
      expect(app.recorded.get('later:subscriber-3')).toBeUndefined();
      expect(app.recorded.get('later-bound:subscriber-4')).toBe('subscriber-4');
    });
  });

  describe('keep-alive', () => {
    it('three requests over one socket never see an earlier request', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const connectionsBefore = app.connections();
      try {
        const first = await send(port, {
          agent,
          path: '/leak?delay=20',
          headers: { 'x-request-id': 'keep-alive-1' },
        });
        const second = await send(port, { agent, path: '/throw' });
        const third = await send(port, { agent, path: '/leak?delay=20' });
        expect(app.connections() - connectionsBefore).toBe(1);
        expect(json(first.body).requestId).toBe('keep-alive-1');
        expect(second.headers['x-request-id']).toMatch(FRESH_UUID);
        const thirdId = third.headers['x-request-id'];
        expect(thirdId).toMatch(FRESH_UUID);
        expect(json(third.body).requestId).toBe(thirdId);
        expect(
          new Set([first.headers['x-request-id'], second.headers['x-request-id'], thirdId]).size,
        ).toBe(3);
        expect(json(third.body).traceId).not.toBe(json(first.body).traceId);
      } finally {
        agent.destroy();
      }
    });
  });

  describe('leak test', () => {
    itKeepsRequestsApart(
      () => port,
      'keeps 500 interleaved POST requests apart after koa-bodyparser',
    );
  });

  describe('hostile headers', () => {
    it.each(HOSTILE_HEADER_CASES)('survives $name', async (testCase) => {
      await assertHostileCaseHandled(port, testCase, (id) => parseRequestId(id) !== undefined);
    });
  });

  describe('options', () => {
    let custom: TestApp;

    beforeAll(async () => {
      custom = await startTestApp(KoaClass, {
        first: hoptrace({ requestIdHeader: 'X-Correlation-ID' }),
      });
    });

    afterAll(async () => {
      await custom.close();
    });

    it.each(['/', '/throw'])('reads and echoes a custom requestIdHeader on %s', async (path) => {
      const response = await send(custom.port, {
        path,
        headers: { 'x-correlation-id': 'corr-1', 'x-request-id': 'ignored' },
      });
      expect(response.headers['x-correlation-id']).toBe('corr-1');
      expect(response.headers['x-request-id']).toBeUndefined();
      const fresh = await send(custom.port, { path });
      expect(fresh.headers['x-correlation-id']).toMatch(FRESH_UUID);
    });

    it("works beside Koa's own asyncLocalStorage option (app.currentContext)", async () => {
      const withKoaStorage = await startTestApp(KoaClass, { asyncLocalStorage: true });
      try {
        const response = await send(withKoaStorage.port, {
          path: '/current-context',
          headers: { 'x-request-id': 'koa-als-1' },
        });
        expect(json(response.body)).toEqual({ koaCurrentContext: true, seen: 'koa-als-1' });
      } finally {
        await withKoaStorage.close();
      }
    });
  });
});

describe('app.use(hoptrace) without the parentheses', () => {
  it('answers with a message that says to call hoptrace()', async () => {
    const app = new Koa();
    const errors: string[] = [];
    app.on('error', (error: Error) => errors.push(error.message));
    app.silent = true;
    app.use(hoptrace as unknown as Koa.Middleware);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/`);
    await new Promise((resolve) => server.close(resolve));
    expect(response.status).toBe(500);
    expect(errors[0]).toMatch(/the middleware itself was passed; call hoptrace\(\) to make it/);
  });
});

describe('hoptrace() used twice', () => {
  it('keeps the first context: one request ID, one record, the same context inside', async () => {
    const records: { requestId: string }[] = [];
    const observe = (record: { requestId: string }) => {
      records.push(record);
    };
    const app = new Koa();
    app.use(hoptrace({ observe }));
    app.use(hoptrace({ observe, mode: 'child' }));
    app.use((ctx) => {
      ctx.body = { state: ctx.state.requestId, context: getContext().requestId };
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`);
      const id = response.headers.get('x-request-id');
      expect(await response.json()).toEqual({ state: id, context: id });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(records.map((record) => record.requestId)).toEqual([id]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
