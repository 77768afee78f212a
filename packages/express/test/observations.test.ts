import { createServer, type Server } from 'node:http';
import type { HoptraceOptions } from '@hoptrace/core';
import { close, describeObservationCases, listen } from '@hoptrace/test-utils';
import { describe } from 'vitest';
import { hoptrace } from '../src/index.js';
import { EXPRESS_VERSIONS, type ExpressModule } from './express-versions.js';

describe.each(EXPRESS_VERSIONS)('%s: observations', (_name, express) => {
  let server: Server | undefined;

  describeObservationCases({
    service: 'express-app',
    nestedRoute: true,
    async start(options: HoptraceOptions, arrived: () => void): Promise<number> {
      const app = (express as ExpressModule)();
      app.use(hoptrace(options));
      app.get('/orders/:id', (request, response) => {
        response.json({ id: request.params.id });
      });
      const api = (express as ExpressModule).Router();
      api.get('/items/:id', (_request, response) => {
        response.send('item');
      });
      app.use('/api', api);
      app.get('/hang', () => arrived());
      server = createServer(app);
      return listen(server);
    },
    async stop(): Promise<void> {
      if (server !== undefined) await close(server);
      server = undefined;
    },
  });
});
