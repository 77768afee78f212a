import type { HoptraceOptions } from '@hoptrace/core';
import { describeObservationCases } from '@hoptrace/test-utils';
import type { FastifyInstance } from 'fastify';
import { describe } from 'vitest';
import { hoptrace, hoptraceServerOptions } from '../src/index.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

describe.each(FASTIFY_VERSIONS)('%s: observations', (_name, factory) => {
  let server: FastifyInstance | undefined;

  describeObservationCases({
    service: 'fastify-app',
    nestedRoute: true,
    async start(options: HoptraceOptions, arrived: () => void): Promise<number> {
      const app = factory({ ...hoptraceServerOptions(options), forceCloseConnections: true });
      await app.register(hoptrace, options);
      app.get<{ Params: { id: string } }>('/orders/:id', async (request) => ({
        id: request.params.id,
      }));
      app.register(
        async (api) => {
          api.get('/items/:id', async () => 'item');
        },
        { prefix: '/api' },
      );
      app.get('/hang', () => {
        arrived();
        return new Promise(() => {});
      });
      server = app;
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      return typeof address === 'object' && address !== null ? address.port : 0;
    },
    async stop(): Promise<void> {
      if (server !== undefined) await server.close();
      server = undefined;
    },
  });
});
