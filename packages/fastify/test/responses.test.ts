import { Writable } from 'node:stream';
import { parseRequestId, tryGetContext } from '@hoptrace/core';
import { close, expectRequestIdOnAnswers, FRESH_UUID, listen, send } from '@hoptrace/test-utils';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hoptrace, hoptraceServerOptions } from '../src/index.js';
import { startTestApp, useTestApp, usingApp } from './app.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

describe.each(FASTIFY_VERSIONS)('%s: every response carries the request ID', (_name, factory) => {
  const server = useTestApp(factory);

  it.each([
    ['a 200', '/leak', 200],
    ['a 404 from no route', '/no/such/route', 404],
    ['a 500 from a thrown error', '/fail/sync', 500],
    ['a 500 from a rejected promise', '/fail/async', 500],
    ['a 500 from reply.send(error) in a callback', '/fail/reply', 500],
    ['a 500 from done(error) in a hook', '/fail/hook', 500],
    ['a 500 from a custom error handler (thrown)', '/handled/sync', 500],
    ['a 500 from a custom error handler (rejected)', '/handled/async', 500],
    ['a 401 sent from an onRequest hook before the route', '/early/on-request', 401],
    ['a 403 sent from a preHandler hook before the route', '/early/pre-handler', 403],
    ['a 202 written to reply.raw after reply.hijack()', '/hijack', 202],
  ])('%s', async (_case, path, status) => {
    await expectRequestIdOnAnswers(server().port, path, status, 'given-id');
  });

  it('echoes a valid incoming ID unchanged, also an Envoy UUID (version digit rewritten)', async () => {
    for (const id of [
      'a1b2c3d4-0000-9e1f-8aaa-0123456789ab',
      'Root=1-67a-abc',
      'nginx0123abcdef',
    ]) {
      const response = await send(server().port, { path: '/ids', headers: { 'x-request-id': id } });
      expect(response.headers['x-request-id']).toBe(id);
      expect(JSON.parse(response.body)).toEqual({ id, hoptrace: id, requestId: id });
    }
  });

  it('replaces a missing or invalid ID with a fresh UUID, the same in request.id, request.hoptrace and the context', async () => {
    const cases: Record<string, string>[] = [
      {},
      { 'x-request-id': '<b>' },
      { 'x-request-id': 'a'.repeat(201) },
    ];
    for (const headers of cases) {
      const response = await send(server().port, { path: '/ids', headers });
      const id = response.headers['x-request-id'];
      expect(id).toMatch(FRESH_UUID);
      expect(JSON.parse(response.body)).toEqual({ id, hoptrace: id, requestId: id });
    }
  });

  it('gives two requests without an ID two different IDs', async () => {
    const [first, second] = await Promise.all([send(server().port), send(server().port)]);
    expect(first?.headers['x-request-id']).not.toBe(second?.headers['x-request-id']);
  });
});

describe.each(FASTIFY_VERSIONS)('%s: request.id and the log reqId', (name, factory) => {
  const seenOnResponse: string[] = [];
  it('logs every line of a request with reqId = the request ID hoptrace decided', async () => {
    const lines: { reqId?: string; msg?: string }[] = [];
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(JSON.parse(String(chunk)));
        callback();
      },
    });
    const server = await startTestApp(factory, { fastify: { logger: { level: 'info', stream } } });
    try {
      const given = await send(server.port, {
        path: '/ids',
        headers: { 'x-request-id': 'logged' },
      });
      const generated = await send(server.port, { path: '/ids', headers: { 'x-request-id': '"' } });
      const generatedId = String(generated.headers['x-request-id']);
      expect(given.headers['x-request-id']).toBe('logged');
      expect(parseRequestId(generatedId)).toBe(generatedId);
      for (const id of ['logged', generatedId]) {
        const messages = lines.filter((line) => line.reqId === id).map((line) => line.msg);
        expect(messages).toEqual(['incoming request', 'request completed']);
      }
      expect(lines.filter((line) => line.reqId !== undefined)).toHaveLength(4);
    } finally {
      await server.close();
    }
  });

  it('without hoptraceServerOptions, the plugin installs their genReqId where Fastify’s default is in place', async () => {
    const server = await startTestApp(factory, { serverOptions: false });
    try {
      const response = await send(server.port, {
        path: '/ids',
        headers: { 'x-request-id': 'plugin-only' },
      });
      expect(response.headers['x-request-id']).toBe('plugin-only');
      const body = JSON.parse(response.body);
      expect(body).toMatchObject({ hoptrace: 'plugin-only', requestId: 'plugin-only' });
      // Fastify 5's default (requestIdHeader: false) lets the plugin set genReqId; Fastify 4 reads
      // its own `request-id` header by default, and keeps its own request.id.
      if (name === 'Fastify 5') expect(body.id).toBe('plugin-only');
      else expect(body.id).not.toBe('plugin-only');
    } finally {
      await server.close();
    }
  });

  it('keeps an app’s own genReqId, with the context still in every hook', async () => {
    const app = factory({ genReqId: () => 'app-own-id' });
    await app.register(hoptrace);
    app.addHook('onResponse', async (request) => {
      seenOnResponse.push(tryGetContext()?.requestId ?? 'none');
      expect(request.id).toBe('app-own-id');
    });
    app.get('/', async (request) => ({ id: request.id, hoptrace: request.hoptrace.requestId }));
    await usingApp(app, async (port) => {
      const response = await send(port, { path: '/', headers: { 'x-request-id': 'own' } });
      expect(JSON.parse(response.body)).toEqual({ id: 'app-own-id', hoptrace: 'own' });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(seenOnResponse).toEqual(['own']);
    });
  });
});

describe.each(FASTIFY_VERSIONS)(
  '%s: answers given before hoptrace’s onRequest ran',
  (_name, factory) => {
    let app: FastifyInstance;
    let port: number;
    beforeAll(async () => {
      app = factory({
        ...hoptraceServerOptions(),
        // Fastify's handler for URLs its router cannot decode. Fastify runs no hook for it, so
        // hoptrace cannot add the header; request.id is hoptrace's ID (genReqId ran), which is
        // what the README tells users to set there.
        frameworkErrors: (error, request, reply) => {
          (reply as FastifyReply)
            .code(400)
            .header('x-request-id', request.id)
            .send({ error: error.message, id: request.id });
        },
      });
      // An auth check registered before hoptrace: its onRequest hook runs first.
      app.addHook('onRequest', (request, reply, done) => {
        if (request.url === '/denied') reply.code(401).send({ id: request.id });
        else done();
      });
      await app.register(hoptrace);
      app.get('/user/:id', (request) => ({ id: request.id }));
      await app.ready();
      port = await listen(app.server);
    });
    afterAll(async () => {
      await close(app.server);
      await app.close();
    });

    it.each([
      ['a hook registered before the plugin', '/denied', 401],
      ['Fastify’s frameworkErrors handler (bad URL), setting request.id', '/user/%E0%A4%A', 400],
    ])(
      '%s still answers with the request ID, the same as request.id',
      async (_case, path, status) => {
        const given = await send(port, { path, headers: { 'x-request-id': 'early' } });
        expect(given.status).toBe(status);
        expect(given.headers['x-request-id']).toBe('early');
        expect(JSON.parse(given.body).id).toBe('early');
        const fresh = await send(port, { path });
        expect(fresh.headers['x-request-id']).toMatch(FRESH_UUID);
        expect(JSON.parse(fresh.body).id).toBe(fresh.headers['x-request-id']);
      },
    );
  },
);
