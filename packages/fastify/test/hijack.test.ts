import { close, listen, send } from '@hoptrace/test-utils';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hoptrace, hoptraceServerOptions } from '../src/index.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

/** An app whose only route hijacks the reply and writes the raw response itself. */
async function hijackingApp(
  factory: (typeof FASTIFY_VERSIONS)[number][1],
  requestIdHeader: string | undefined,
): Promise<{ app: FastifyInstance; port: number }> {
  const options = requestIdHeader === undefined ? undefined : { requestIdHeader };
  const app = options === undefined ? factory() : factory({ ...hoptraceServerOptions(options) });
  if (options !== undefined) await app.register(hoptrace, options);
  app.get('/hijack', (_request, reply) => {
    reply.hijack();
    reply.raw.writeHead(202, { 'content-type': 'text/plain' });
    reply.raw.end('hijacked');
  });
  // A reply that sets the header itself before hijacking keeps its own value.
  app.get('/hijack-own', (_request, reply) => {
    reply.raw.setHeader(requestIdHeader ?? 'x-request-id', 'set-by-the-route');
    reply.hijack();
    reply.raw.end('own');
  });
  await app.ready();
  return { app, port: await listen(app.server) };
}

// The plugin puts the request ID on the reply (Node's fast writeHead path), and copies it onto the
// raw response when a reply is hijacked: each app of one Fastify copy with its own header name.
describe.each(FASTIFY_VERSIONS)('%s: hijacked replies', (_name, factory) => {
  let apps: { app: FastifyInstance; port: number }[] = [];

  beforeAll(async () => {
    apps = await Promise.all([
      hijackingApp(factory, 'x-request-id'),
      hijackingApp(factory, 'x-correlation-id'),
      hijackingApp(factory, undefined),
    ]);
  });

  afterAll(async () => {
    for (const { app } of apps) await close(app.server);
  });

  it('carry the request ID under the header name of the app that answered', async () => {
    const [first, second, plain] = apps;
    const one = await send(first?.port ?? 0, {
      path: '/hijack',
      headers: { 'x-request-id': 'a-1' },
    });
    expect(one.status).toBe(202);
    expect(one.headers['x-request-id']).toBe('a-1');
    expect(one.headers['x-correlation-id']).toBeUndefined();
    const two = await send(second?.port ?? 0, {
      path: '/hijack',
      headers: { 'x-correlation-id': 'b-1', 'x-request-id': 'not-this-one' },
    });
    expect(two.headers['x-correlation-id']).toBe('b-1');
    expect(two.headers['x-request-id']).toBeUndefined();
    const none = await send(plain?.port ?? 0, {
      path: '/hijack',
      headers: { 'x-request-id': 'c' },
    });
    expect(none.status).toBe(202);
    expect(none.headers['x-request-id']).toBeUndefined();
  });

  it('leave a header the route set on the raw response itself', async () => {
    const own = await send(apps[0]?.port ?? 0, {
      path: '/hijack-own',
      headers: { 'x-request-id': 'a-2' },
    });
    expect(own.headers['x-request-id']).toBe('set-by-the-route');
  });
});
