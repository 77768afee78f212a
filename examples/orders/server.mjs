// orders: Koa 3 with @hoptrace/koa; calls inventory (through HAProxy) and pricing in parallel with
// a fetch that wrapFetch gives the request's ID and trace headers.
import { createServer } from 'node:http';
import { wrapFetch } from '@hoptrace/fetch';
import { hoptrace } from '@hoptrace/koa';
import { hoptraceOptions, readConfig } from '@hoptrace-example/kit/config.mjs';
import { answerWith, callDownstream, DOWNSTREAM_TIMEOUT_MS } from '@hoptrace-example/kit/hop.mjs';
import { createLogger, logWhenFinished } from '@hoptrace-example/kit/logger.mjs';
import { listen } from '@hoptrace-example/kit/serve.mjs';
import Koa from 'koa';

const config = readConfig('orders', ['INVENTORY_URL', 'PRICING_URL']);
const logger = createLogger(config);
const options = hoptraceOptions(config, logger);
const tracedFetch = wrapFetch(fetch, options);

async function get(url) {
  const response = await tracedFetch(url, { signal: AbortSignal.timeout(DOWNSTREAM_TIMEOUT_MS) });
  return { status: response.status, text: await response.text() };
}

const routes = new Map([
  [
    '/health',
    (ctx) => {
      ctx.body = { ok: true };
    },
  ],
  [
    '/orders',
    async (ctx) => {
      // In child mode each call gets its own span ID, both children of this request's span.
      const results = await Promise.all([
        callDownstream(logger, 'inventory', () => get(`${config.urls.INVENTORY_URL}/stock`)),
        callDownstream(logger, 'pricing', () => get(`${config.urls.PRICING_URL}/price`)),
      ]);
      const { status, body } = answerWith(config, results);
      ctx.status = status;
      ctx.body = body;
    },
  ],
]);

const app = new Koa();
app.use(hoptrace(options)); // first, so everything after it runs in the request's context
app.use(async (ctx) => {
  logWhenFinished(logger, ctx.req, ctx.res);
  const route = ctx.method === 'GET' ? routes.get(ctx.path) : undefined;
  if (route === undefined) {
    ctx.status = 404;
    ctx.body = { error: 'not found' };
    return;
  }
  await route(ctx);
});

listen(createServer(app.callback()), config, logger);
