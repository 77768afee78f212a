// pricing: plain node:http wrapped in hoptraceHandler. Its outbound calls are plain http.get:
// instrumentOutbound() adds the trace headers to every call the process makes, no client changed.
// GET /price asks legacy for a quote; GET /cost is a leaf (inventory and legacy call it).
import { createServer } from 'node:http';
import { hoptraceHandler } from '@hoptrace/core';
import { instrumentOutbound } from '@hoptrace/fetch';
import { hoptraceOptions, readConfig } from '@hoptrace-example/kit/config.mjs';
import { answerWith, callDownstream, hop } from '@hoptrace-example/kit/hop.mjs';
import { httpGetText } from '@hoptrace-example/kit/http-get.mjs';
import { createLogger, logWhenFinished, pathOf } from '@hoptrace-example/kit/logger.mjs';
import { listen, sendJson } from '@hoptrace-example/kit/serve.mjs';

const config = readConfig('pricing', ['LEGACY_URL']);
const logger = createLogger(config);
const options = hoptraceOptions(config, logger);
instrumentOutbound(options);

const routes = new Map([
  ['/health', () => ({ status: 200, body: { ok: true } })],
  ['/cost', () => ({ status: 200, body: hop(config) })],
  [
    '/price',
    async () => {
      const result = await callDownstream(logger, 'legacy', () =>
        httpGetText(`${config.urls.LEGACY_URL}/quote`),
      );
      return answerWith(config, [result]);
    },
  ],
]);

async function handle(request, response) {
  logWhenFinished(logger, request, response);
  const route = request.method === 'GET' ? routes.get(pathOf(request.url)) : undefined;
  const { status, body } =
    route === undefined ? { status: 404, body: { error: 'not found' } } : await route();
  sendJson(response, status, body);
}

listen(createServer(hoptraceHandler(handle, options)), config, logger);
