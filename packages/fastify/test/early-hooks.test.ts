// A hook added before the plugin runs before hoptrace's onRequest: request.hoptrace there is the
// context hoptrace's genReqId bound to the raw request, where that genReqId is in place.
import type { TraceContext } from '@hoptrace/core';
import { send } from '@hoptrace/test-utils';
import type { FastifyServerOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { hoptrace, hoptraceServerOptions } from '../src/index.js';
import { usingApp } from './app.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

async function seenBeforeThePlugin(
  factory: (typeof FASTIFY_VERSIONS)[number][1],
  serverOptions: FastifyServerOptions,
): Promise<string | null> {
  const app = factory(serverOptions);
  let seen: TraceContext | null = null;
  app.addHook('onRequest', async (request) => {
    seen = request.hoptrace;
  });
  await app.register(hoptrace);
  app.get('/', async () => 'ok');
  return usingApp(app, async (port) => {
    await send(port, { path: '/', headers: { 'x-request-id': 'early-hook' } });
    return (seen as TraceContext | null)?.requestId ?? null;
  });
}

describe.each(FASTIFY_VERSIONS)(
  '%s: request.hoptrace in a hook added before the plugin',
  (name, factory) => {
    it('is the context, with hoptraceServerOptions', async () => {
      expect(await seenBeforeThePlugin(factory, hoptraceServerOptions())).toBe('early-hook');
    });

    it('is the context with the plugin alone where Fastify’s default request IDs are in place', async () => {
      const seen = await seenBeforeThePlugin(factory, {});
      // Fastify 4 reads its own `request-id` header by default: the plugin keeps that.
      expect(seen).toBe(name === 'Fastify 5' ? 'early-hook' : null);
    });

    it('is null on an app with a genReqId of its own', async () => {
      expect(await seenBeforeThePlugin(factory, { genReqId: () => 'own' })).toBeNull();
    });
  },
);
