// gateway: the edge. Express 5 with @hoptrace/express; calls orders (through nginx) with an axios
// instance that instrumentAxios gives the request's ID and trace headers.
import { createServer } from 'node:http';
import { hoptrace } from '@hoptrace/express';
import { instrumentAxios } from '@hoptrace/fetch';
import { hoptraceOptions, readConfig } from '@hoptrace-example/kit/config.mjs';
import { answerWith, callDownstream, DOWNSTREAM_TIMEOUT_MS } from '@hoptrace-example/kit/hop.mjs';
import { createLogger, logWhenFinished } from '@hoptrace-example/kit/logger.mjs';
import { listen } from '@hoptrace-example/kit/serve.mjs';
import axios from 'axios';
import express from 'express';

const config = readConfig('gateway', ['ORDERS_URL']);
const logger = createLogger(config);
// The same options for the server side and the client side: one mode, one request ID header.
const options = hoptraceOptions(config, logger);

const orders = axios.create({
  baseURL: config.urls.ORDERS_URL,
  timeout: DOWNSTREAM_TIMEOUT_MS,
  responseType: 'text',
  // Any status is an answer: callDownstream decides what a failure is.
  validateStatus: () => true,
});
instrumentAxios(orders, options);

const app = express();
app.use(hoptrace(options)); // first, so everything after it runs in the request's context
app.use((request, response, next) => {
  logWhenFinished(logger, request, response);
  next();
});

app.get('/health', (_request, response) => {
  response.json({ ok: true });
});

app.get('/checkout', async (_request, response) => {
  const result = await callDownstream(logger, 'orders', async () => {
    const answer = await orders.get('/orders');
    return { status: answer.status, text: answer.data };
  });
  const { status, body } = answerWith(config, [result]);
  response.status(status).json(body);
});

listen(createServer(app), config, logger);
