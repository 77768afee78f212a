import { createHoptrace, openServerRequest, runServerRequest } from '@hoptrace/core/adapter';
import { send } from '@hoptrace/test-utils';
import type Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KOA_MAJORS, SHARED_ERROR, startTestApp, type TestApp } from './test-app.js';

/** The adapter without its error handling: what Koa does to the request ID header on its own. */
function withoutErrorHandling(): Koa.Middleware {
  const engine = createHoptrace();
  return async function naiveMiddleware(ctx, next) {
    const exchange = { request: ctx.req, response: ctx.res };
    await runServerRequest(openServerRequest(engine, exchange), exchange, next);
  };
}

describe.each(KOA_MAJORS)(
  "%s: Koa's error handler removes every header",
  (_name, KoaClass, major) => {
    let app: TestApp;

    beforeAll(async () => {
      app = await startTestApp(KoaClass);
    });

    afterAll(async () => {
      await app.close();
    });

    const request = (path: string, requestId: string) =>
      send(app.port, { path, headers: { 'x-request-id': requestId } });
    const errorEventFor = (requestId: string) =>
      app.errorEvents.find((event) => event.stateRequestId === requestId);

    it('the quirk: without hoptrace handling it, an error response loses the request ID', async () => {
      const naive = await startTestApp(KoaClass, { first: withoutErrorHandling() });
      try {
        const ok = await send(naive.port, { headers: { 'x-request-id': 'naive-ok' } });
        expect(ok.headers['x-request-id']).toBe('naive-ok');
        const failed = await send(naive.port, {
          path: '/throw',
          headers: { 'x-request-id': 'naive-1' },
        });
        expect(failed.status).toBe(500);
        expect(failed.headers['x-request-id']).toBeUndefined();
        // And Koa's 'error' event runs outside the request's context.
        expect(naive.errorEvents.at(-1)?.seen).toBeUndefined();
      } finally {
        await naive.close();
      }
    });

    it.each([
      ['a thrown Error', '/throw', 500, 'Internal Server Error'],
      ['an Error thrown after await', '/reject', 500, 'Internal Server Error'],
      ['ctx.throw(404)', '/throw-404', 404, 'Not Found'],
      ['a thrown value that is not an Error', '/non-error', 500, 'Internal Server Error'],
      ['a frozen Error', '/frozen-error', 503, 'Service Unavailable'],
    ])(
      'keeps the request ID on %s, and runs the error event in context',
      async (_case, path, status, body) => {
        const requestId = `error${path.replaceAll('/', '-')}`;
        const response = await request(path, requestId);
        expect(response.status).toBe(status);
        expect(response.body).toBe(body);
        expect(response.headers['x-request-id']).toBe(requestId);
        expect(errorEventFor(requestId)?.seen).toBe(requestId);
      },
    );

    it('gives the error event the error Koa would have given it', async () => {
      await request('/non-error', 'non-error-event');
      // Koa's own message for a thrown non-Error.
      expect(errorEventFor('non-error-event')?.error.message).toBe(
        'non-error thrown: "a plain string"',
      );
      await request('/throw', 'thrown-event');
      const event = errorEventFor('thrown-event');
      expect(event?.error.message).toBe('thrown on purpose');
      // What we added to err.headers for Koa is taken off again afterwards.
      expect(event?.error).not.toHaveProperty('headers');
    });

    it("ctx.throw(500, { headers }) keeps the app's headers too (and Koa still drops the rest)", async () => {
      const response = await request('/throw-headers', 'with-headers');
      expect(response.status).toBe(500);
      expect(response.headers['x-request-id']).toBe('with-headers');
      expect(response.headers['x-custom']).toBe('kept');
      expect(response.headers['x-before-throw']).toBeUndefined();
      expect(errorEventFor('with-headers')?.error).toHaveProperty('headers', {
        'x-custom': 'kept',
      });
    });

    it('lets a request ID the app put in err.headers win, as ctx.set does', async () => {
      const response = await request('/throw-own-id', 'incoming-id');
      expect(response.status).toBe(502);
      expect(response.headers['x-request-id']).toBe('set-by-the-app');
    });

    it('never leaves one request ID on an error object that requests share', async () => {
      const responses = await Promise.all(
        ['shared-1', 'shared-2', 'shared-3'].map((id) => request('/shared-error', id)),
      );
      expect(responses.map((response) => response.status)).toEqual([409, 409, 409]);
      expect(responses.map((response) => response.headers['x-request-id'])).toEqual([
        'shared-1',
        'shared-2',
        'shared-3',
      ]);
      expect(responses.map((response) => response.headers['x-shared'])).toEqual([
        'yes',
        'yes',
        'yes',
      ]);
      expect(SHARED_ERROR.headers).toEqual({ 'x-shared': 'yes' });
    });

    it('leaves an error middleware registered after hoptrace in charge of its answer', async () => {
      const eventsBefore = app.errorEvents.length;
      const response = await request('/handled/throw', 'handled-1');
      expect(response.status).toBe(422);
      expect(response.headers['x-request-id']).toBe('handled-1');
      expect(JSON.parse(response.body)).toEqual({
        handledBy: 'app',
        message: 'thrown on purpose',
        seen: 'handled-1',
      });
      const afterAwait = await request('/handled/reject', 'handled-2');
      expect(afterAwait.status).toBe(422);
      expect(afterAwait.headers['x-request-id']).toBe('handled-2');
      // Handled errors never reach Koa's error handler or the 'error' event.
      expect(app.errorEvents.length).toBe(eventsBefore);
    });

    it('handles a body stream that fails before sending (Koa 2: 404; Koa 3: connection closed)', async () => {
      if (major === 2) {
        // Koa 2 answers through ctx.onerror from the stream's 'error' event, after every
        // middleware has returned: only a handler on ctx.onerror itself can keep the header.
        const response = await request('/stream-error', 'stream-error-1');
        expect(response.status).toBe(404);
        expect(response.headers['x-request-id']).toBe('stream-error-1');
      } else {
        // Koa 3 pipes with stream.pipeline, which destroys the response: no answer to carry it.
        await expect(request('/stream-error', 'stream-error-1')).rejects.toThrow();
      }
      expect(errorEventFor('stream-error-1')?.seen).toBe('stream-error-1');
    });
  },
);
