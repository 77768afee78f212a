// legacy: the "third party" every real system has. Plain node:http and pino, no hoptrace: it logs
// the X-Request-ID it received, but its own call to pricing /cost carries no propagation header,
// so the trace breaks there and pricing starts a new request ID and a new trace.
// It shares nothing with the other examples' kit on purpose: it knows nothing about tracing.
import { createServer, get } from 'node:http';
import pino from 'pino';

const instance = process.env.SERVICE_NAME || 'legacy';
const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 0);
const pricingUrl = process.env.PRICING_URL?.replace(/\/+$/, '');
if (!pricingUrl) {
  console.error(
    'legacy: PRICING_URL is required: the base URL of pricing, e.g. http://127.0.0.1:8083',
  );
  process.exit(1);
}

const logger = pino({ base: { service: instance } });
// Only an ID hoptrace itself would accept reaches the log: the header is client input.
const REQUEST_ID = /^[A-Za-z0-9._~:;=+/@-]{1,200}$/;

function getCost(callback) {
  // No headers: whatever arrived stays here.
  const outgoing = get(`${pricingUrl}/cost`, { timeout: 10_000 }, (response) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk) => {
      text += chunk;
    });
    response.on('end', () =>
      callback(
        response.statusCode === 200 ? undefined : `pricing answered ${response.statusCode}`,
        text,
      ),
    );
  });
  outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 10000 ms')));
  outgoing.on('error', (error) => callback(error.message || error.code, ''));
}

const server = createServer((request, response) => {
  const path = request.url.split('?')[0];
  const send = (status, body) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  if (path === '/health') return send(200, { ok: true });

  const header = request.headers['x-request-id'];
  const receivedRequestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : null;
  response.once('finish', () => {
    logger.info(
      { method: request.method, path, status: response.statusCode, receivedRequestId },
      'request',
    );
  });
  if (request.method !== 'GET' || path !== '/quote') return send(404, { error: 'not found' });

  getCost((failure, text) => {
    let error = failure;
    let cost;
    try {
      cost = JSON.parse(text);
    } catch {
      error ??= 'pricing answered something other than JSON';
      cost = { service: 'pricing', error };
    }
    const quote = {
      service: 'legacy',
      instance,
      requestId: null,
      receivedRequestId,
      calls: [cost],
    };
    if (error === undefined) return send(200, quote);
    logger.error({ target: 'pricing', error, receivedRequestId }, 'downstream failed');
    send(502, { ...quote, error: `pricing: ${error}` });
  });
});

server.once('error', (error) => {
  logger.fatal({ error: error.message }, 'cannot listen');
  process.exit(1);
});
server.listen(port, host, () => {
  logger.info({ host, port: server.address().port }, 'listening');
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping');
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
