import { createServer } from 'node:http';
import type { HoptraceOptions } from '@hoptrace/core';
import { describeObservationCases, listening, type StartedApp } from '@hoptrace/test-utils';
import { describe } from 'vitest';
import { hoptrace } from '../src/index.js';
import { KOA_MAJORS } from './test-app.js';

describe.each(KOA_MAJORS)('%s: observations', (_name, Koa) => {
  describeObservationCases({
    service: 'koa-app',
    nestedRoute: false,
    start(options: HoptraceOptions, arrived: () => void): Promise<StartedApp> {
      const app = new Koa();
      app.use(hoptrace(options));
      app.use(async (ctx, next) => {
        // What @koa/router leaves on ctx when a route matched: the pattern, not the path.
        const order = /^\/orders\/([^/]+)$/.exec(ctx.path);
        if (order !== null) {
          (ctx as { _matchedRoute?: string })._matchedRoute = '/orders/:id';
          ctx.body = { id: order[1] };
          return;
        }
        if (ctx.path === '/hang') {
          arrived();
          await new Promise(() => {});
        }
        await next();
      });
      return listening(createServer(app.callback()));
    },
  });
});
