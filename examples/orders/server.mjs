// orders: Koa 3 with @hoptrace/koa; calls inventory (through HAProxy) and pricing in parallel with
// a fetch that wrapFetch gives the request's ID and trace headers, and, at the same time, asks
// inventory over gRPC (through HAProxy's HTTP/2 listener) to reserve stock, with a grpc-js client
// whose hoptraceClientInterceptor writes the same IDs into the call's metadata.
import { createServer } from 'node:http';
import { credentials } from '@grpc/grpc-js';
import { wrapFetch } from '@hoptrace/fetch';
import { failureOf, hoptraceClientInterceptor, httpStatusOf } from '@hoptrace/grpc';
import { hoptrace } from '@hoptrace/koa';
import { hoptraceOptions, readConfig, readGrpcTarget } from '@hoptrace-example/kit/config.mjs';
import { answerWith, callDownstream, DOWNSTREAM_TIMEOUT_MS } from '@hoptrace-example/kit/hop.mjs';
import { createLogger, logWhenFinished } from '@hoptrace-example/kit/logger.mjs';
import { listen } from '@hoptrace-example/kit/serve.mjs';
import { StockClient } from '@hoptrace-example/kit/stock-grpc.mjs';
import Koa from 'koa';

const config = readConfig('orders', ['INVENTORY_URL', 'PRICING_URL']);
const logger = createLogger(config);
const options = hoptraceOptions(config, logger);
const tracedFetch = wrapFetch(fetch, options);

async function get(url) {
  const response = await tracedFetch(url, { signal: AbortSignal.timeout(DOWNSTREAM_TIMEOUT_MS) });
  return { status: response.status, text: await response.text() };
}

const stockTarget = readGrpcTarget('orders', 'INVENTORY_GRPC_TARGET');
const stock = new StockClient(stockTarget, credentials.createInsecure(), {
  interceptors: [hoptraceClientInterceptor({ ...options, target: stockTarget })],
});

/**
 * Stock/Reserve as `{ status, text }`, like `get`: a status inventory answered becomes its HTTP
 * equivalent; a call no server answered (inventory's interceptor puts x-request-id in every
 * answer) rejects, with the Envoy flag of its gRPC status.
 */
function reserve() {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + DOWNSTREAM_TIMEOUT_MS;
    stock.reserve({ item: 'sku-42', quantity: 1 }, { deadline }, (error, answer) => {
      if (error === null) resolve({ status: 200, text: JSON.stringify(answer) });
      else if (error.metadata?.get('x-request-id').length > 0)
        resolve({ status: httpStatusOf(error.code), text: '' });
      else reject(Object.assign(error, { responseFlag: failureOf(error.code, false) }));
    });
  });
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
      // In child mode each call gets its own span ID, all three children of this request's span.
      const results = await Promise.all([
        callDownstream(logger, 'inventory', () => get(`${config.urls.INVENTORY_URL}/stock`)),
        callDownstream(logger, 'inventory', reserve),
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
