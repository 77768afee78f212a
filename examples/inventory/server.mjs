// inventory: Fastify 5 with @hoptrace/fastify; calls pricing with undici's request through an
// Agent composed with hoptraceInterceptor. Beside it, a gRPC server (grpc-js with @hoptrace/grpc's
// server interceptor) answers orders' Stock/Reserve calls on GRPC_PORT.

import { Server, ServerCredentials } from '@grpc/grpc-js';
import { hoptrace, hoptraceServerOptions } from '@hoptrace/fastify';
import { hoptraceInterceptor } from '@hoptrace/fetch';
import { hoptraceServerInterceptor } from '@hoptrace/grpc';
import { hoptraceOptions, readConfig, readPort } from '@hoptrace-example/kit/config.mjs';
import {
  answerWith,
  callDownstream,
  DOWNSTREAM_TIMEOUT_MS,
  hop,
} from '@hoptrace-example/kit/hop.mjs';
import { createLogger, logRequest } from '@hoptrace-example/kit/logger.mjs';
import { announceListening, stopOnSignals } from '@hoptrace-example/kit/serve.mjs';
import { RESERVE_PATH, StockService } from '@hoptrace-example/kit/stock-grpc.mjs';
import Fastify from 'fastify';
import { Agent, request } from 'undici';

const config = readConfig('inventory', ['PRICING_URL']);
const logger = createLogger(config);
const options = hoptraceOptions(config, logger); // the same object for the server options and the plugin

const dispatcher = new Agent({
  headersTimeout: DOWNSTREAM_TIMEOUT_MS,
  bodyTimeout: DOWNSTREAM_TIMEOUT_MS,
}).compose(hoptraceInterceptor(options));

const app = Fastify(hoptraceServerOptions(options));
await app.register(hoptrace, options); // first, before other hooks
// The plugin re-enters the request's context in onResponse, so this line carries its IDs.
app.addHook('onResponse', async (request, reply) => {
  if (request.url !== '/health') logRequest(logger, request.method, request.url, reply.statusCode);
});

app.get('/health', async () => ({ ok: true }));

app.get('/stock', async (_request, reply) => {
  const result = await callDownstream(logger, 'pricing', async () => {
    const answer = await request(`${config.urls.PRICING_URL}/cost`, { dispatcher });
    return { status: answer.statusCode, text: await answer.body.text() };
  });
  const { status, body } = answerWith(config, [result]);
  return reply.code(status).send(body);
});

// gRPC: the interceptor opens each call's context from its metadata (the same options object, so
// the same mode and observations) and answers with the request ID in the response's metadata.
const grpcServer = new Server({ interceptors: [hoptraceServerInterceptor(options)] });
grpcServer.addService(StockService, {
  reserve(_call, callback) {
    // A leaf: the hop says which IDs arrived over gRPC; `route` tells it from /stock in the tree.
    // gRPC answers HTTP/2 status 200 and puts its own status (0, OK) in the trailers.
    logger.info({ method: 'POST', path: RESERVE_PATH, status: 200, grpcStatus: 0 }, 'request');
    callback(null, { ...hop(config), route: 'gRPC Reserve' });
  },
});

let grpcPort;
try {
  await app.listen({ host: config.host, port: config.port });
  grpcPort = await new Promise((resolve, reject) =>
    grpcServer.bindAsync(
      `${config.host}:${readPort('inventory', 'GRPC_PORT')}`,
      ServerCredentials.createInsecure(),
      (error, port) => (error ? reject(error) : resolve(port)),
    ),
  );
} catch (error) {
  logger.fatal({ error: error.message }, 'cannot listen');
  process.exit(1);
}
announceListening(logger, config, app.server.address().port, { grpcPort });
stopOnSignals(logger, async () => {
  await Promise.all([
    app.close(),
    new Promise((resolve) => {
      grpcServer.tryShutdown(() => resolve());
      // Calls still running after 2 s are cut, as closeServer does for HTTP.
      setTimeout(() => grpcServer.forceShutdown(), 2000).unref();
    }),
  ]);
});
