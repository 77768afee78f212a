// inventory: Fastify 5 with @hoptrace/fastify; calls pricing with undici's request through an
// Agent composed with hoptraceInterceptor.

import { hoptrace, hoptraceServerOptions } from '@hoptrace/fastify';
import { hoptraceInterceptor } from '@hoptrace/fetch';
import { hoptraceOptions, readConfig } from '@hoptrace-example/kit/config.mjs';
import { answerWith, callDownstream, DOWNSTREAM_TIMEOUT_MS } from '@hoptrace-example/kit/hop.mjs';
import { createLogger, logRequest } from '@hoptrace-example/kit/logger.mjs';
import { announceListening, stopOnSignals } from '@hoptrace-example/kit/serve.mjs';
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

try {
  await app.listen({ host: config.host, port: config.port });
} catch (error) {
  logger.fatal({ error: error.message }, 'cannot listen');
  process.exit(1);
}
announceListening(logger, config, app.server.address().port);
stopOnSignals(logger, () => app.close());
