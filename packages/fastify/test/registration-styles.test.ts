// The context in the handler however the app registers the plugin and its hooks: without awaiting
// `register` (Fastify's usual style, where the plugin loads only after the lines that follow
// ran), with hooks added before the plugin, by a plugin's `onRoute`, and on the 404 path. Each
// app has one step that continues from a callback in the start-up context (`fromStartup`).
// Written after an attempt to add the re-entry hooks only where the app has hooks (seen through
// `addHook` and `onRoute`) lost the context in most of these cases.
import { tryGetContext } from '@hoptrace/core';
import { send } from '@hoptrace/test-utils';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fastifyPlugin } from 'fastify-plugin';
import { describe, expect, it } from 'vitest';
import { hoptrace } from '../src/index.js';
import { fromStartup, usingApp } from './app.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

/** A callback hook that continues from the start-up context. */
function foreignHook(_request: FastifyRequest, _reply: FastifyReply, done: () => void) {
  fromStartup(() => done());
}

/** Answers the request ID the handler saw in the context. */
function handler() {
  return { seen: tryGetContext()?.requestId ?? null };
}

interface Style {
  readonly name: string;
  readonly build: (app: FastifyInstance) => Promise<void> | void;
  readonly path?: string;
  readonly status?: number;
}

const STYLES: readonly Style[] = [
  {
    name: 'register not awaited, then an app hook',
    build(app) {
      void app.register(hoptrace);
      app.addHook('preValidation', foreignHook);
      app.get('/', handler);
    },
  },
  {
    name: 'register not awaited, then a route hook',
    build(app) {
      void app.register(hoptrace);
      app.get('/', { preValidation: foreignHook }, handler);
    },
  },
  {
    name: 'register not awaited, then a plugin that adds a hook',
    build(app) {
      void app.register(hoptrace);
      void app.register(
        fastifyPlugin(async (instance) => {
          instance.addHook('preValidation', foreignHook);
        }),
      );
      app.get('/', handler);
    },
  },
  {
    name: 'an app hook added before the plugin',
    async build(app) {
      app.addHook('preValidation', foreignHook);
      await app.register(hoptrace);
      app.get('/', handler);
    },
  },
  {
    name: 'an encapsulated plugin with hooks, registered before hoptrace',
    async build(app) {
      await app.register(async (child) => {
        child.addHook('onRequest', foreignHook);
        child.get('/', handler);
      });
      await app.register(hoptrace);
    },
  },
  {
    name: "a later plugin's onRoute adding a route hook",
    async build(app) {
      await app.register(hoptrace);
      await app.register(
        fastifyPlugin(async (instance) => {
          instance.addHook('onRoute', (route) => {
            route.onRequest = [foreignHook];
          });
        }),
      );
      app.get('/', handler);
    },
  },
  {
    // The README's advice for the one step hoptrace cannot cover (a callback preHandler hook that
    // calls done() from elsewhere): an async hook resumes in the request's context by itself.
    name: 'an async preHandler hook awaiting a callback from elsewhere',
    async build(app) {
      await app.register(hoptrace);
      app.addHook('preHandler', async () => {
        await new Promise<void>((resolve) => fromStartup(resolve));
      });
      app.get('/', handler);
    },
  },
  {
    name: 'a 404 handler with its own preValidation hook',
    async build(app) {
      await app.register(hoptrace);
      app.setNotFoundHandler({ preValidation: foreignHook }, (_request, reply) => {
        void reply.code(404).send(handler());
      });
    },
    path: '/no/such/route',
    status: 404,
  },
  {
    name: 'reply.callNotFound() from a callback, with a custom 404 handler',
    async build(app) {
      await app.register(hoptrace);
      app.setNotFoundHandler((_request, reply) => {
        void reply.code(404).send(handler());
      });
      app.get('/', (_request, reply) => {
        fromStartup(() => reply.callNotFound());
      });
    },
    status: 404,
  },
];

describe.each(FASTIFY_VERSIONS)('%s: the handler sees the context', (_name, factory) => {
  it.each(STYLES)('$name', async (style) => {
    const app = factory();
    await style.build(app);
    await usingApp(app, async (port) => {
      const responses = await Promise.all(
        ['style-1', 'style-2', 'style-3'].map((id) =>
          send(port, { path: style.path ?? '/', headers: { 'x-request-id': id } }),
        ),
      );
      expect(responses.map((response) => response.status)).toEqual(
        Array(3).fill(style.status ?? 200),
      );
      expect(responses.map((response) => JSON.parse(response.body))).toEqual([
        { seen: 'style-1' },
        { seen: 'style-2' },
        { seen: 'style-3' },
      ]);
    });
  });
});
