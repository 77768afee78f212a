import type { HoptraceOptions } from '@hoptrace/core';
import { describeObservationCases, type StartedApp } from '@hoptrace/test-utils';
import { describe } from 'vitest';
import { hoptrace, hoptraceServerOptions } from '../src/index.js';
import { listenApp } from './app.js';
import { FASTIFY_VERSIONS } from './fastify-versions.js';

describe.each(FASTIFY_VERSIONS)('%s: observations', (_name, factory) => {
  describeObservationCases({
    service: 'fastify-app',
    nestedRoute: true,
    async start(options: HoptraceOptions, arrived: () => void): Promise<StartedApp> {
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
      return listenApp(app);
    },
  });
});
