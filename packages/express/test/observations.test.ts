import { createServer } from 'node:http';
import type { HoptraceOptions } from '@hoptrace/core';
import { describeObservationCases, listening, type StartedApp } from '@hoptrace/test-utils';
import { describe } from 'vitest';
import { hoptrace } from '../src/index.js';
import { EXPRESS_VERSIONS, type ExpressModule } from './express-versions.js';

describe.each(EXPRESS_VERSIONS)('%s: observations', (_name, express) => {
  describeObservationCases({
    service: 'express-app',
    nestedRoute: true,
    start(options: HoptraceOptions, arrived: () => void): Promise<StartedApp> {
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
      return listening(createServer(app));
    },
  });
});
